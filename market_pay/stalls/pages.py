"""The stall board (vendor and assistant, signed in with phone + PIN) and its live event stream."""
import json
import time

from flask import Blueprint, Response, current_app, jsonify, redirect, request, session, url_for

from ..auth.models import STALL_ROLES
from ..cash.schemas import CashSaleCreateSchema
from ..cash.services import delete_cash_sale, record_cash_sale
from ..common.formatting import format_vnd
from ..common.page_sign_in import STALL_SESSION, sign_in_from_form, sign_out
from ..common.requests import load_json
from ..common.web import page_lang, render_page, require_csrf, security_headers
from ..errors import AuthenticationRequired, ValidationFailed
from ..extensions import db
from ..payments import payment_requests
from ..payments.schemas import PaymentRequestCreateSchema
from . import services
from .events import hub_for
from .spoken_amounts import missed_sentence

bp = Blueprint("stall_pages", __name__)
bp.after_request(security_headers)
SESSION_TOKEN = STALL_SESSION
# A comment line this often keeps proxies from closing a quiet stream and notices a gone page.
HEARTBEAT_SECONDS = 15


def _actor():
    return services.board_user(session.get(SESSION_TOKEN))


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
    return sign_in_from_form(template="stall/login.html", login_field="phone", secret_field="pin",
                             accepts=lambda user: user.role in STALL_ROLES, refused_text="not_stall",
                             session_key=SESSION_TOKEN, home="stall_pages.board", permanent=True)


@bp.post("/stall/logout")
def logout():
    return sign_out(SESSION_TOKEN, "stall_pages.login_page")


@bp.get("/stall")
def board():
    actor = _actor()
    if actor is None:
        return redirect(url_for("stall_pages.login_page"))
    return render_page("stall/board.html", vendor=actor.vendor, summary=services.board_summary(actor),
                 seq=services.current_seq(actor.vendor_id), role=actor.role)


@bp.get("/stall/summary")
def summary():
    return jsonify(services.board_summary(_require_actor()))


@bp.post("/stall/cash")
def record_cash():
    require_csrf()
    actor = _require_actor()
    data = load_json(CashSaleCreateSchema(only=("amount",)))
    sale = record_cash_sale(actor, actor.vendor_id, data["amount"])
    db.session.commit()
    return jsonify({"id": sale.id, "amount": sale.amount, "amount_text": format_vnd(sale.amount),
                    "summary": services.board_summary(actor)}), 201


@bp.post("/stall/cash/<int:sale_id>/undo")
def undo_cash(sale_id):
    require_csrf()
    actor = _require_actor()
    sale = delete_cash_sale(actor, sale_id)
    db.session.commit()
    return jsonify({"id": sale.id, "amount_text": format_vnd(sale.amount), "summary": services.board_summary(actor)})


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
    actor = _require_actor()
    return jsonify(services.request_view(payment_requests.get_payment_request(actor, reference), page_lang()))


def _start_cursor() -> int | None:
    """Where the page resumes: the browser's Last-Event-ID on an automatic reconnect, else the
    `after` it kept from its last visit; None for a page that has seen nothing yet."""
    given = request.headers.get("Last-Event-ID") or request.args.get("after") or ""
    if given == "":
        return None
    if not given.isdigit() or len(given) > 12:
        raise ValidationFailed(errors={"after": ["Not a cursor this service issued."]})
    return int(given)


@bp.get("/stall/events")
def events():
    """Server-sent events: `payment` per confirmation (id = the stall's feed number), `missed`
    before a replay after a reconnect, `summary` with today's figures, `signed_out` when the
    session ends. Each database visit is short; between them the page waits on the hub."""
    actor = _require_actor()
    start = _start_cursor()
    resumed = start is not None
    cursor = start if resumed else services.current_seq(actor.vendor_id)
    token, vendor_id = session[SESSION_TOKEN], actor.vendor_id
    app = current_app._get_current_object()
    subscription = hub_for(app).subscribe(vendor_id)

    def stream():
        nonlocal cursor
        try:
            yield "retry: 2000\n\n"
            first = True
            while True:
                with app.app_context():
                    actor = services.board_user(token)
                    if actor is None:
                        yield _event("signed_out", {})
                        return
                    missed = services.current_seq(vendor_id) - cursor if first and resumed else 0
                    items, cursor = services.confirmations_after(actor, cursor)
                    summary = services.board_summary(actor, with_quiet=False) if items or first else None
                if missed > 0:
                    yield _event("missed", {"count": missed, "speech": missed_sentence(missed)})
                for item in items:
                    yield _event("payment", item, item["seq"])
                if summary is not None:
                    yield _event("summary", summary)
                first = False
                if len(items) == services.REPLAY_BATCH:
                    continue
                if not subscription.wait(HEARTBEAT_SECONDS):
                    yield f": {int(time.time())}\n\n"
        finally:
            subscription.close()

    return Response(stream(), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def _event(name: str, data: dict, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {name}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"
