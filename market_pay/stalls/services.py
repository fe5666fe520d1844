"""What the stall board shows and says: its user, today's figures, and each new confirmation as an
announcement. Services flush, never commit; they take the acting user, never the request."""

from datetime import datetime

from sqlalchemy import select

from ..auth.models import STALL_ROLES
from ..auth.services import user_for_page_session
from ..banks.directory import bank_short_name
from ..cash.services import today_totals
from ..common.formatting import format_vnd, mask_account
from ..common.local_time import local_zone
from ..extensions import db
from ..payments.feed import stall_feed, todays_feed
from ..payments.models import FeedCounter
from ..payments.request_views import request_view  # noqa: F401 (the board's pages use it from here)
from ..vendors.models import ReceivingAccount
from .spoken_amounts import daily_summary_sentence, received_sentence, reversed_sentence

# A page that reconnects after a long outage is sent at most this many missed items at once;
# it asks again from the last one it got, so nothing is skipped, only paced.
REPLAY_BATCH = 100


def board_user(token: str | None):
    """The vendor or assistant behind a board session's token; None when signed out or revoked."""
    user = user_for_page_session(token)
    # A PIN a manager reset opens nothing but the PIN change page (auth/pages.py) until changed.
    return user if user is not None and user.role in STALL_ROLES and not user.must_change_pin else None


def current_seq(vendor_id: int) -> int:
    """The stall's latest feed number: where a page that has seen nothing yet starts."""
    return db.session.scalar(select(FeedCounter.last_seq).where(FeedCounter.vendor_id == vendor_id)) or 0


def _reasons(actor, items: list[dict], lang: str = "vi") -> dict[int, dict]:
    """{feed number: why} for the warning rows: a credit below the stall's floor names the floor,
    an underpaid request what is still short of what was asked. The board words them in the
    page's language (the stream has no reader's language)."""
    from ..payments.models import PaymentRequest

    references = {
        item["request_reference"] for item in items if "underpaid" in item["flags"] and item["request_reference"]
    }
    asked = (
        {
            r.reference: r
            for r in db.session.scalars(select(PaymentRequest).where(PaymentRequest.reference.in_(references)))
        }
        if references
        else {}
    )
    floor = actor.vendor.floor_amount or 0
    reasons: dict[int, dict] = {}
    for item in items:
        request = asked.get(item["request_reference"])
        if item["kind"] == "reversal":
            reasons[item["seq"]] = {"reversal": True}
        elif request is not None:
            # What the request still lacks; once paid in full later, what this payment lacked.
            short = request.amount - request.paid_amount
            short = short if short > 0 else request.amount - item["amount"]
            if short > 0:
                reasons[item["seq"]] = {"underpaid": format_vnd(short, lang)}
        elif "below_floor" in item["flags"] and floor:
            reasons[item["seq"]] = {"below_floor": format_vnd(floor, lang)}
    return reasons


def announcement(item: dict, why: dict | None = None, lang: str = "vi") -> dict:
    """A feed item as the board shows and speaks it, in the page's language (`lang`: its amount
    text and its sentence); `why` says what a warning row warns of."""
    zone = local_zone()
    warning = bool({"underpaid", "below_floor"} & set(item["flags"]))
    if item["kind"] == "reversal":
        speech, warning = reversed_sentence(item["amount"], lang), True
    else:
        speech = received_sentence(item["amount"], warning=warning, lang=lang)
    booked = item["booked_at"]
    return {
        "seq": item["seq"],
        "kind": item["kind"],
        "amount": item["amount"],
        "amount_text": format_vnd(item["amount"], lang),
        "time": booked.astimezone(zone).strftime("%H:%M"),
        "day": booked.astimezone(zone).strftime("%d/%m/%Y"),
        "payer_name": item["payer_name"],
        "request_reference": item["request_reference"],
        "flags": item["flags"],
        "warning": warning,
        "why": why or {},
        "speech": speech,
    }


def confirmations_after(actor, after: int, limit: int = REPLAY_BATCH, lang: str = "vi") -> tuple[list[dict], int]:
    """(announcements after feed number `after`, the last feed number among them)."""
    items, cursor = stall_feed(actor, actor.vendor_id, str(after), limit)
    reasons = _reasons(actor, items, lang)
    return [announcement(item, reasons.get(item["seq"]), lang) for item in items], int(cursor)


# How many of today's confirmations the board lists when it opens (it keeps 30).
TODAY_ON_OPEN = 30


def todays_confirmations(actor, lang: str = "vi") -> list[dict]:
    """Today's latest confirmations, oldest first, as the board lists them under "Vừa nhận" when
    it opens (a reload no longer empties the list)."""
    items = todays_feed(actor, actor.vendor_id, TODAY_ON_OPEN)
    reasons = _reasons(actor, items, lang)
    return [announcement(item, reasons.get(item["seq"]), lang) for item in items]


def _requests_waiting(vendor_id: int):
    return select(ReceivingAccount).where(
        ReceivingAccount.vendor_id == vendor_id, ReceivingAccount.pending_change.is_not(None)
    )


def pending_account_changes(actor) -> list[dict]:
    """The stall's account changes waiting for the vendor (README, "Vendor-confirmed accounts"):
    which bank, the number masked, the name, who asked and when, for the board's notice."""
    zone = local_zone()
    accounts = db.session.scalars(_requests_waiting(actor.vendor_id).order_by(ReceivingAccount.id)).all()
    return [
        {
            "account_id": account.id,
            "change": account.pending_change,
            "bank": bank_short_name(account.bin),
            "account_number_masked": mask_account(account.account_number),
            "account_name": account.account_name,
            "requested_by": (account.requested_by.display_name or account.requested_by.username)
            if account.requested_by
            else "",
            "requested_at": account.requested_at.astimezone(zone).strftime("%H:%M %d/%m/%Y")
            if account.requested_at
            else "",
        }
        for account in accounts
    ]


def board_summary(actor, with_quiet: bool = True, lang: str = "vi") -> dict:
    """Today's big numbers for the actor's stall, with their display text. `with_quiet` adds the
    quiet-stall alert, which reads two weeks of credits: the page and its once-a-minute refresh
    ask for it, the event stream (after every credit) does not."""
    totals = today_totals(actor.vendor)
    quiet = {"quiet": quiet_alerts([actor.vendor_id]).get(actor.vendor_id)} if with_quiet else {}
    return {
        **totals,
        **quiet,
        "cashless_text": format_vnd(totals["cashless_total"], lang),
        "cash_text": format_vnd(totals["cash_total"], lang),
        "speech": daily_summary_sentence(
            totals["cashless_count"], totals["cashless_total"], totals["cash_count"], totals["cash_total"], lang
        ),
        "date": datetime.now(local_zone()).strftime("%d/%m/%Y"),
        # The page reloads when this changes, so a new request shows within a refresh.
        "pending_changes": len(
            db.session.scalars(_requests_waiting(actor.vendor_id).with_only_columns(ReceivingAccount.id)).all()
        ),
    }


# How far back the quiet-stall alert learns a stall's usual hours and gaps.
QUIET_HISTORY_DAYS = 14


def quiet_alerts(vendor_ids: list[int]) -> dict[int, dict]:
    """{vendor_id: alert} for the stalls that have gone quiet in their usual trading hours
    (see quiet_alert.py); one query for all of them."""
    from datetime import timedelta

    from ..common.bulk import in_values
    from ..common.types import utcnow
    from ..payments.models import BankTransaction
    from .quiet_alert import quiet_since

    if not vendor_ids:
        return {}
    zone = local_zone()
    now = utcnow()
    rows = db.session.execute(
        select(BankTransaction.vendor_id, BankTransaction.booked_at).where(
            in_values(BankTransaction.vendor_id, vendor_ids),
            BankTransaction.direction == "in",
            BankTransaction.match_kind.in_(("request", "static")),
            BankTransaction.booked_at >= now - timedelta(days=QUIET_HISTORY_DAYS + 1),
        )
    ).all()
    times: dict[int, list] = {}
    for vendor_id, booked_at in rows:
        assert vendor_id is not None  # only the stalls asked for
        times.setdefault(vendor_id, []).append(booked_at.astimezone(zone))
    alerts = {}
    for vendor_id, credit_times in times.items():
        alert = quiet_since(credit_times, now.astimezone(zone))
        if alert is not None:
            alerts[vendor_id] = alert
    return alerts


def market_quiet_stalls(actor, market_code: str) -> list[dict]:
    """The market manager's (and staff's) list of stalls that went quiet."""
    from ..auth.scopes import require_market_read
    from ..errors import Forbidden, NotFound
    from ..markets.models import Market
    from ..vendors.models import Vendor

    market = db.session.scalar(select(Market).where(Market.code == market_code))
    if market is None:
        raise NotFound(f"No market {market_code}.")
    if actor.role in STALL_ROLES:
        raise Forbidden("Stalls see their own alert on their board.")
    require_market_read(actor, market)
    vendors = {
        v.id: v
        for v in db.session.scalars(select(Vendor).where(Vendor.market_id == market.id, Vendor.status == "active"))
    }
    alerts = quiet_alerts(list(vendors))
    return [
        {"vendor_id": vid, "stall_code": vendors[vid].stall_code, "display_name": vendors[vid].display_name, **alert}
        for vid, alert in sorted(alerts.items(), key=lambda item: vendors[item[0]].stall_code)
    ]
