"""The stall board (vendor and assistant, signed in with phone + PIN) and its live event stream."""

import hashlib
import json
import time
from datetime import timedelta

from flask import Blueprint, Response, current_app, g, jsonify, redirect, request, session, url_for

from ..auth.models import STALL_ROLES
from ..auth.page_sign_in import STALL_SESSION, sign_in_from_form, sign_out
from ..cash.schemas import idempotency_key
from ..cash.services import delete_cash_sale, record_cash_sale_once
from ..common.formatting import format_vnd
from ..common.request_input import load_json
from ..common.schemas import db_int_or_none
from ..common.types import utcnow
from ..common.web import page_lang, render_page, require_csrf, security_headers
from ..errors import AuthenticationRequired, Conflict, TooManyRequests, ValidationFailed
from ..extensions import db
from ..payments import payment_requests
from ..payments.schemas import PaymentRequestCreateSchema
from ..vendors.confirmations import ResetByRequester, confirm_account, reject_account
from . import services
from .events import hub_for, slots_for
from .schemas import BoardCashSchema
from .spoken_amounts import missed_sentence

bp = Blueprint("stall_pages", __name__)
bp.after_request(security_headers)
SESSION_TOKEN = STALL_SESSION
# A comment line every STREAM_HEARTBEAT_SECONDS keeps proxies from closing a quiet stream, and
# its failed write is how a gone page (a phone that slept) is noticed and its slot freed.
# How long a page waits before trying again once its stall has all the streams it may have.
STREAMS_RETRY_AFTER = 30


def _actor():
    # In g too: an assistant's refusal names what they tried and who can (auth/assistant.py).
    g.actor = services.board_user(session.get(SESSION_TOKEN))
    return g.actor


def _require_actor():
    actor = _actor()
    if actor is None:
        raise AuthenticationRequired("Sign in on the stall page again.")
    return actor


@bp.get("/stall/login")
def login_page():
    if _actor() is not None:
        return redirect(url_for("stall_pages.board"))
    return render_page("stall/login.html")


@bp.post("/stall/login")
def login():
    # The stall's phone stays signed in (its token lives 30 days).
    return sign_in_from_form(
        template="stall/login.html",
        login_field="phone",
        secret_field="pin",
        accepts=lambda user: user.role in STALL_ROLES,
        refused_text="not_stall",
        session_key=SESSION_TOKEN,
        home="stall_pages.board",
        permanent=True,
    )


@bp.post("/stall/logout")
def logout():
    return sign_out(SESSION_TOKEN, "stall_pages.login_page")


@bp.get("/stall")
def board():
    actor = _actor()
    if actor is None:
        return redirect(url_for("stall_pages.login_page"))
    notice, lang = request.args.get("notice"), page_lang()
    return render_page(
        "stall/board.html",
        vendor=actor.vendor,
        summary=services.board_summary(actor, lang=lang),
        seq=services.current_seq(actor.vendor_id),
        role=actor.role,
        recent=services.todays_confirmations(actor, lang),
        changes=services.pending_account_changes(actor),
        notice=notice if notice in ACCOUNT_NOTICES else None,
    )


@bp.get("/stall/manifest.webmanifest")
def manifest():
    """The board as an app on the home screen (no sign-in needed: it holds no data)."""
    icons = [
        {
            "src": url_for("static", filename=f"board-icon-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "any maskable",
        }
        for size in (192, 512)
    ]
    body = {
        "name": "chợ 4.0 · Sạp của tôi",
        "short_name": "Sạp của tôi",
        "lang": "vi",
        "start_url": "/stall",
        "scope": "/stall",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f6f7f4",
        "theme_color": "#0b6e4f",
        "icons": icons,
    }
    response = current_app.response_class(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/stall/sw.js")
def service_worker():
    """The board's service worker, served under /stall so that its scope covers the board."""
    response = current_app.send_static_file("board-sw.js")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/stall"
    return response


# What the board says after a confirm/reject form (only these keys are ever shown).
ACCOUNT_NOTICES = (
    "change_confirmed",
    "change_rejected",
    "wrong_pin",
    "pin_needed",
    "pin_too_many",
    "nothing_pending",
    "needs_admin",
)


@bp.post("/stall/accounts/<int:account_id>/<any(confirm, reject):decision>")
def decide_account(account_id, decision):
    """The notice's form: the vendor's PIN and one of two buttons. Assistants get the API's 403."""
    require_csrf()
    actor = _require_actor()
    decide = confirm_account if decision == "confirm" else reject_account
    try:
        account = decide(actor, account_id, request.form.get("pin") or None)
    except ValidationFailed:
        notice = "pin_needed"
    except TooManyRequests:
        notice = "pin_too_many"
    except Conflict:
        notice = "nothing_pending"
    except ResetByRequester:
        notice = "needs_admin"
    else:
        db.session.commit()  # a wrong PIN is kept too: the throttle counts it
        notice = "wrong_pin" if account is None else f"change_{decision}ed"
    return redirect(url_for("stall_pages.board", notice=notice))


@bp.get("/stall/summary")
def summary():
    return jsonify(services.board_summary(_require_actor(), lang=page_lang()))


@bp.post("/stall/cash")
def record_cash():
    """A cash sale from the board. The page sends an Idempotency-Key per sale and resends a sale
    it queued while offline with the same key: it is recorded once (200 for the replay)."""
    require_csrf()
    actor = _require_actor()
    key = idempotency_key(request.headers)
    data = load_json(BoardCashSchema())
    occurred_at = utcnow() - timedelta(seconds=data["age_seconds"])
    sale, created = record_cash_sale_once(actor, actor.vendor_id, data["amount"], key, occurred_at=occurred_at)
    db.session.commit()
    lang = page_lang()
    return jsonify(
        {
            "id": sale.id,
            "amount": sale.amount,
            "amount_text": format_vnd(sale.amount, lang),
            "summary": services.board_summary(actor, lang=lang),
        }
    ), 201 if created else 200


@bp.post("/stall/cash/<int:sale_id>/undo")
def undo_cash(sale_id):
    require_csrf()
    actor = _require_actor()
    sale = delete_cash_sale(actor, sale_id)
    db.session.commit()
    lang = page_lang()
    return jsonify(
        {
            "id": sale.id,
            "amount_text": format_vnd(sale.amount, lang),
            "summary": services.board_summary(actor, lang=lang),
        }
    )


@bp.post("/stall/qr")
def make_qr():
    """A dynamic QR for an amount. The page sends an Idempotency-Key, so a retry on a weak signal
    returns the same code instead of a second one."""
    require_csrf()
    actor = _require_actor()
    data = load_json(PaymentRequestCreateSchema(only=("amount",)))
    key = request.headers.get("Idempotency-Key") or None
    if key is not None and len(key) > 100:
        raise ValidationFailed(errors={"Idempotency-Key": ["At most 100 characters."]})
    created, _ = payment_requests.create_payment_request(actor, actor.vendor_id, data, key)
    db.session.commit()
    return jsonify(services.request_view(created, page_lang())), 201


@bp.get("/stall/qr/<reference>")
def qr_status(reference):
    """The QR screen's poll: the image only when asked (`?svg=1`, when the code to show changed:
    the remainder of an underpaid request); the payer's name as the stall sees payers."""
    from ..payments.privacy import sees_payers

    actor = _require_actor()
    return jsonify(
        services.request_view(
            payment_requests.get_payment_request(actor, reference),
            page_lang(),
            svg=request.args.get("svg") == "1",
            payer=sees_payers(actor),
        )
    )


def _start_cursor() -> int | None:
    """Where the page resumes: the browser's Last-Event-ID on an automatic reconnect, else the
    `after` it kept from its last visit; None for a page that has seen nothing yet."""
    given = request.headers.get("Last-Event-ID") or request.args.get("after") or ""
    if given == "":
        return None
    cursor = db_int_or_none(given)  # a feed number: a database integer, nothing beyond
    if cursor is None:
        raise ValidationFailed(errors={"after": ["Not a cursor this service issued."]})
    return cursor


@bp.get("/stall/events")
def events():
    """Server-sent events: `payment` per confirmation (id = the stall's feed number), `missed`
    before a replay after a reconnect, `summary` with today's figures, `signed_out` when the
    session ends. Each database visit is short; between them the page waits on the hub."""
    actor = _require_actor()
    start = _start_cursor()
    resumed = start is not None
    cursor = start if start is not None else services.current_seq(actor.vendor_id)
    token, vendor_id = session[SESSION_TOKEN], actor.vendor_id
    # The sentences are made here, in the page's language (it passes ?lang=, else the cookie): one
    # pure, tested module words them for every reader, and the page only says what it is sent.
    # Read now: the generator below runs outside this request.
    lang = page_lang()
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the app behind the proxy
    heartbeat, ends_at = app.config["STREAM_HEARTBEAT_SECONDS"], time.monotonic() + app.config["STREAM_MAX_SECONDS"]
    slot = slots_for(app).acquire(hashlib.sha256(str(token).encode()).hexdigest(), vendor_id)
    if slot is None:
        raise TooManyRequests(
            STREAMS_RETRY_AFTER,
            "This stall already has its live boards open here; close another tab, or wait and the page retries.",
        )
    subscription = hub_for(app).subscribe(vendor_id)

    def stream():
        nonlocal cursor
        yield "retry: 2000\n\n"
        first = True
        while True:
            with app.app_context():
                actor = services.board_user(token)
                if actor is None:
                    yield _event("signed_out", {})
                    return
                missed = services.current_seq(vendor_id) - cursor if first and resumed else 0
                items, cursor = services.confirmations_after(actor, cursor, lang=lang)
                summary = services.board_summary(actor, with_quiet=False, lang=lang) if items or first else None
            if missed > 0:
                yield _event("missed", {"count": missed, "speech": missed_sentence(missed, lang)})
            for item in items:
                yield _event("payment", item, item["seq"])
            if summary is not None:
                yield _event("summary", summary)
            first = False
            if len(items) == services.REPLAY_BATCH:
                continue
            remaining = ends_at - time.monotonic()
            if remaining <= 0:
                return  # the browser reconnects by itself (Last-Event-ID), on a fresh slot
            if not subscription.wait(min(heartbeat, remaining)):
                yield f": {int(time.time())}\n\n"

    def free():
        # Called when the server closes the response: the stream ended, the client went away, or
        # a heartbeat could not be written; also when the generator never started.
        subscription.close()
        slot.release()

    response = Response(
        stream(), mimetype="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )
    response.call_on_close(free)
    return response


def _event(name: str, data: dict, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {name}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"
