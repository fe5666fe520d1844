"""The market office (/office): sign-in, the choice of market, the market's stalls. The stall
forms (stall_pages.py) and the market's queues and downloads (market_pages.py) add their routes
to this blueprint. Every form is CSRF-checked before anything else, every change goes through
the same service (scope checks, audit) as the API, and the routes commit."""

from functools import wraps

from flask import Blueprint, redirect, request, url_for

from ..auth.models import STALL_ROLES
from ..auth.page_sign_in import STAFF_SESSION, sign_in_from_form, sign_out
from ..banks.directory import bank_short_name
from ..common.formatting import format_datetime, format_vnd
from ..common.page_texts import TEXTS
from ..common.textfold import sort_key
from ..common.web import page_lang, render_page, require_csrf, security_headers
from ..errors import AuthenticationRequired
from ..markets.services import list_markets
from . import texts  # (the office's words join the pages' word list)
from .access import market_for, may_manage, office_actor
from .audit_words import detail_words
from .listing import market_stalls

bp = Blueprint("office_pages", __name__, url_prefix="/office")
bp.after_request(security_headers)
MARKETS_SHOWN = 200


@bp.context_processor
def _formats():
    """Number, time and word helpers for the office's templates (presentation only)."""
    lang = page_lang()

    def reason(key):
        words = TEXTS[lang].get("reason_" + key)
        return words or key

    return {
        "vnd": lambda amount: format_vnd(amount or 0, lang),
        "count": lambda number: f"{number or 0:,}".replace(",", "." if lang == "vi" else ","),
        "when": lambda moment: format_datetime(moment) if moment else "",
        "bank_name": bank_short_name,
        "suspense_reason": reason,
        "action_words": lambda action: texts.ACTION_WORDS[lang].get(action, action),
        "say": lambda message: texts.in_lang(str(message), lang),
        "detail_text": lambda detail: detail_words(detail, lang, lambda amount: format_vnd(amount, lang), reason),
    }


def staff_page(view):
    """A signed-in staff user as `actor`; a GET without one goes to sign in, a POST (after its
    CSRF check) is refused with 401."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.method == "POST":
            require_csrf()
        actor = office_actor()
        if actor is None:
            if request.method == "GET":
                return redirect(url_for("office_pages.login_page"))
            raise AuthenticationRequired("Sign in to the market office again.")
        return view(actor, *args, **kwargs)

    return wrapper


@bp.get("/login")
def login_page():
    if office_actor() is not None:
        return redirect(url_for("office_pages.home"))
    return render_page("office/login.html")


@bp.post("/login")
def login():
    return sign_in_from_form(
        template="office/login.html",
        login_field="username",
        secret_field="password",
        accepts=lambda user: user.role not in STALL_ROLES,
        refused_text="not_staff",
        session_key=STAFF_SESSION,
        home="office_pages.home",
        bad_login_text="bad_login_staff",
    )


@bp.post("/logout")
def logout():
    return sign_out(STAFF_SESSION, "office_pages.login_page")


@bp.get("")
@staff_page
def home(actor):
    """A manager goes straight to their market; administrators and region staff choose one."""
    if actor.role == "market_manager":
        return redirect(url_for("office_pages.market_home", code=actor.market.code))
    markets, _ = list_markets(actor, limit=MARKETS_SHOWN)
    return render_page("office/markets.html", actor=actor, markets=sorted(markets, key=lambda m: sort_key(m.name)))


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return min(int(raw), 10_000) if raw.isdigit() and int(raw) >= 1 else 1


@bp.get("/m/<code>")
@staff_page
def market_home(actor, code):
    market = market_for(actor, code)
    query, status, page = request.args.get("q", ""), request.args.get("status", ""), _page_number()
    rows, more = market_stalls(market, query, status, page)
    return render_page(
        "office/home.html",
        actor=actor,
        market=market,
        rows=rows,
        q=query,
        status_filter=status,
        page=page,
        more=more,
        manage=may_manage(actor, market),
    )


from . import cash_pages, import_pages, market_pages, reconciliation_pages, stall_pages  # noqa: E402,F401  (their routes join this blueprint)
