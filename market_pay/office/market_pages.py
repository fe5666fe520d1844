"""The market's cards (downloads), its suspense queue and its audit log in the office."""

from flask import Response, flash, redirect, request, url_for

from ..audit.reading import as_items, list_audit_log
from ..common.formatting import format_vnd
from ..common.page_texts import text
from ..common.web import page_lang, render_page
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..kits import services as kits
from ..kits.render import LAYOUTS
from ..payments.suspense import list_suspense, resolve_suspense
from ..vendors.models import Vendor
from . import forms
from .access import market_for, may_manage, stall_of
from .audit_names import entity_names
from .audit_words import entity_words
from .pages import bp, staff_page

MAX_SELECTED = 200
QUEUE_PAGE = 50


def _layout() -> str:
    layout = request.args.get("layout", "a6")
    return layout if layout in LAYOUTS else "a6"


def _pdf(actor, title, cards, layout, filename):
    """The kit as a download, built once per set of cards (kits/services.py keeps it)."""
    fingerprint, builder = kits.kit_fingerprint(layout, cards), actor.id
    db.session.commit()  # the cards are plain data now: no transaction held during the build
    pdf = kits.cached_kit_pdf(builder, layout, title, cards, fingerprint)
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Cache-Control": "private, no-cache", "Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/m/<code>/cards.pdf")
@staff_page
def market_cards(actor, code):
    """The whole market's cards, or with ?stall=ID&stall=ID… the selected stalls' (active ones)."""
    market = market_for(actor, code)
    # Ids a database column can hold (a larger one is no stall, not a driver's overflow).
    chosen = [n for n in request.args.getlist("stall", type=int) if 0 < n < 2**31][:MAX_SELECTED]
    layout = _layout()
    if not chosen and (request.args.get("selection") or request.args.getlist("stall")):
        flash(text(page_lang(), "nothing_selected"))  # a selection of nothing is not the whole market
        return redirect(url_for("office_pages.market_home", code=market.code))
    if not chosen:
        title, cards = kits.market_cards(actor, market.code)
        return _pdf(actor, title, cards, layout, f"the-sap-{market.code}-{layout}.pdf")
    cards = []
    for vendor_id in sorted(set(chosen)):
        stall_of(market, vendor_id)
        try:
            cards += kits.stall_cards(actor, vendor_id)[1]
        except Conflict:  # suspended, or no live account: nothing to print for it
            continue
    if not cards:
        raise NotFound("None of the selected stalls has an active account to print.")
    return _pdf(actor, f"Thẻ sạp — {market.name}", cards, layout, f"the-sap-{market.code}-chon-{layout}.pdf")


@bp.get("/m/<code>/stalls/<int:vendor_id>/cards.pdf")
@staff_page
def stall_cards(actor, code, vendor_id):
    market = market_for(actor, code)
    vendor = stall_of(market, vendor_id)
    layout = _layout()
    title, cards = kits.stall_cards(actor, vendor.id)
    return _pdf(actor, title, cards, layout, f"the-sap-{market.code}-{cards[0].stall_code}-{layout}.pdf")


@bp.get("/m/<code>/suspense")
@staff_page
def suspense(actor, code, errors=None, status=200):
    market = market_for(actor, code)
    shown = "resolved" if request.args.get("status") == "resolved" else "open"
    items, next_cursor = list_suspense(
        actor, shown, market.code, limit=QUEUE_PAGE, cursor=request.args.get("cursor") or None
    )
    stalls = {
        v.id: v
        for v in db.session.scalars(
            db.select(Vendor).where(
                Vendor.id.in_({item.resolved_vendor_id for item in items if item.resolved_vendor_id})
            )
        )
    }
    return render_page(
        "office/suspense.html",
        status,
        actor=actor,
        market=market,
        items=items,
        shown=shown,
        next_cursor=next_cursor,
        stalls=stalls,
        manage=may_manage(actor, market),
        errors=errors or {},
        form=request.form,
    )


@bp.post("/m/<code>/suspense/<int:item_id>")
@staff_page
def resolve(actor, code, item_id):
    market = market_for(actor, code)
    # Refusals first (403, then 404), before anything the form says is looked at.
    if not may_manage(actor, market):
        raise Forbidden("Only the market's manager or an administrator settles its queue.")
    item = _market_item(market, item_id)
    action = request.form.get("action", "")
    data = {
        "action": action,
        "note": request.form.get("note", "").strip()[:500],
        "reference": request.form.get("reference", "").strip()[:40],
    }
    stall_code = request.form.get("stall_code", "").strip()
    try:
        if action not in ("assign_stall", "assign_request", "refund", "dismiss"):
            raise ValidationFailed(errors={"action": ["Choose what to do with this money."]})
        if action == "assign_stall":
            vendor = db.session.scalar(
                db.select(Vendor).where(Vendor.market_id == market.id, Vendor.stall_code == stall_code)
            )
            if vendor is None:
                raise ValidationFailed(errors={"stall_code": [f"No stall {stall_code} in this market."]})
            data["vendor_id"] = vendor.id
        if action == "assign_request" and not _market_has_request(market, data["reference"]):
            # Another market's request is no request here: the same words as one that does not
            # exist (a 403 would tell the manager it exists, and lose what they typed).
            raise ValidationFailed(errors={"reference": ["No such payment request."]})
        resolve_suspense(actor, item.id, data)
    except (ValidationFailed, Conflict) as refused:
        db.session.rollback()
        return suspense.__wrapped__(actor, code, errors={item_id: forms.error_fields(refused)}, status=refused.code)
    db.session.commit()
    flash(text(page_lang(), "saved"))
    return redirect(url_for("office_pages.suspense", code=market.code))


def _market_has_request(market, reference: str) -> bool:
    from ..payments.models import PaymentRequest

    return (
        db.session.scalar(
            db.select(PaymentRequest.id)
            .join(Vendor, Vendor.id == PaymentRequest.vendor_id)
            .where(PaymentRequest.reference == reference.upper(), Vendor.market_id == market.id)
        )
        is not None
    )


def _market_item(market, item_id: int):
    """An item of this market's queue (the service checks the actor's right to resolve it)."""
    from ..payments.models import SuspenseItem

    item = db.session.get(SuspenseItem, item_id)
    if item is None or item.market_id != market.id:
        raise NotFound(f"No suspense item {item_id} in market {market.code}.")
    return item


@bp.get("/m/<code>/audit")
@staff_page
def audit(actor, code):
    market = market_for(actor, code)
    rows, next_cursor = list_audit_log(  # newest first: a manager opens the log to see what just happened
        actor, market_code=market.code, limit=QUEUE_PAGE, cursor=request.args.get("cursor") or None, newest_first=True
    )
    # What each row changed, in words a person recognises (the stall's code and name …), the names
    # loaded for the whole page at once; the key ("vendor:12") stays in the row's data-entity.
    lang, names = page_lang(), entity_names(rows)
    items = [
        {
            **item,
            "entity_words": entity_words(row.entity_type, row.entity_id, names, lang, lambda n: format_vnd(n, lang)),
        }
        for item, row in zip(as_items(rows), rows, strict=True)
    ]
    return render_page("office/audit.html", actor=actor, market=market, items=items, next_cursor=next_cursor)
