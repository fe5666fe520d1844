"""The staff dashboard (/reports): pick a region and a period; the table, two charts and the
downloads. Staff sign in here with username and password (a session cookie, like the stall board)."""

import re
from datetime import datetime, timedelta

from flask import Blueprint, redirect, request, session, url_for
from marshmallow import ValidationError

from ..auth.models import STALL_ROLES
from ..auth.page_sign_in import STAFF_SESSION, sign_in_from_form, sign_out
from ..auth.services import user_for_page_session
from ..common.formatting import format_count, format_date, format_vnd
from ..common.local_time import local_zone
from ..common.page_texts import text
from ..common.web import page_lang, render_page, security_headers
from ..errors import AuthenticationRequired
from ..markets.services import regions_with_markets
from ..regions.services import region_tree
from ..stalls.services import market_quiet_stalls
from . import charts
from .adoption import require_asked_scope
from .exports import row_values
from .responses import ADOPTION_QUERY, fresh_report, report_response, scoped_query

bp = Blueprint("report_pages", __name__)
bp.after_request(security_headers)
SESSION_TOKEN = STAFF_SESSION
DEFAULT_DAYS = 28


def _actor():
    user = user_for_page_session(session.get(SESSION_TOKEN))
    return user if user is not None and user.role not in STALL_ROLES else None


@bp.get("/staff/login")
def login_page():
    if _actor() is not None:
        return redirect(url_for("report_pages.dashboard"))
    return render_page("staff/login.html")


@bp.post("/staff/login")
def login():
    return sign_in_from_form(
        template="staff/login.html",
        login_field="username",
        secret_field="password",
        accepts=lambda user: user.role not in STALL_ROLES,
        refused_text="not_staff",
        session_key=SESSION_TOKEN,
        home="report_pages.dashboard",
        bad_login_text="bad_login_staff",
    )  # staff have a username and password


@bp.post("/staff/logout")
def logout():
    return sign_out(SESSION_TOKEN, "report_pages.login_page")


def _region_choices(actor) -> list[tuple[str, str, int]]:
    """(code, name, depth) of every region the actor may report on that holds a market (itself
    or below it), in tree order: an empty commune would only ever show an empty report."""
    if actor.role == "market_manager":
        return []
    choices = []
    with_markets = regions_with_markets()

    def walk(nodes, depth):
        for node in nodes:
            if node["code"] in with_markets:
                choices.append((node["code"], node["name"], depth))
            walk(node["children"], depth + 1)

    walk(region_tree(actor), 0)
    return choices


def _query(actor, choices):
    """The form's query with defaults (the actor's own scope, the last four weeks)."""
    today = datetime.now(local_zone()).date()
    args = {
        key: value
        for key, value in request.args.items()
        if key in ("region", "market", "from", "to", "active_min", "format")
    }
    if not args.get("region") and not args.get("market"):
        if actor.role == "market_manager":
            args["market"] = actor.market.code
        elif actor.role == "region_staff":
            args["region"] = actor.region.code
        elif choices:
            args["region"] = choices[0][0]
    args.setdefault("from", f"{today - timedelta(days=DEFAULT_DAYS - 1):%Y-%m-%d}")
    args.setdefault("to", f"{today:%Y-%m-%d}")
    return args


@bp.get("/reports")
def dashboard():
    actor = _actor()
    if actor is None:
        return redirect(url_for("report_pages.login_page"))
    lang = page_lang()
    choices = _region_choices(actor)
    args = _query(actor, choices)
    require_asked_scope(actor, args)  # an outsider is refused before the query is explained to them
    try:
        query = ADOPTION_QUERY.load(args)
    except ValidationError as invalid:
        reason = _query_mistakes(invalid.messages, lang)
        return render_page(
            "reports/dashboard.html",
            422,
            error=text(lang, "bad_query", reason=reason),
            choices=choices,
            args=args,
            report=None,
        )
    report = fresh_report(actor, query)
    bars = [
        (row.market_name or text(lang, "market"), row.figures.current.share_by_value)
        for row in report.rows
        if row.kind == "market"
    ]
    bars += [
        (f"{row.figures.markets} …", row.figures.current.share_by_value)
        for row in report.rows
        if row.kind == "other_markets"
    ]
    download = {key: value for key, value in args.items() if key != "format"}
    shown_weeks = [week for week in report.weekly if week["has_data"]]
    # One market on screen: also the stalls whose payments stopped in their usual hours, now (a
    # covered or swapped QR card), which the manager should go and look at.
    quiet = market_quiet_stalls(actor, report.scope_code) if report.scope_kind == "market" else None
    return render_page(
        "reports/dashboard.html",
        choices=choices,
        args=args,
        report=report,
        lang_rows=_display_rows(report, lang),
        quiet=quiet,
        share_chart=charts.share_bars(bars, text(lang, "no_cash_recorded"), lang),
        trend_chart=charts.weekly_share(report.weekly, _trend_words(lang), lang) if shown_weeks else None,
        trend_note=_trend_note(report.weekly, shown_weeks, lang),
        share_basis=_share_basis(report, lang),
        office_links=_office_links(actor),
        admin_link=actor.role == "admin",
        csv_url=url_for("report_pages.download", format="csv", lang=lang, **download),
        xlsx_url=url_for("report_pages.download", format="xlsx", lang=lang, **download),
        period_line=text(
            lang,
            "period_line",
            first=format_date(report.period.first),
            last=format_date(report.period.last),
            pfirst=format_date(report.previous_period.first),
            plast=format_date(report.previous_period.last),
        ),
    )


def _trend_words(lang):
    return {"partial": text(lang, "trend_partial"), "no_share": text(lang, "no_cash_recorded")}


def _trend_note(weeks, shown_weeks, lang):
    """Why the trend starts where it does (weeks before the first figure are left out)."""
    if not shown_weeks:
        return text(lang, "trend_empty")
    if len(shown_weeks) < len(weeks):
        return text(lang, "trend_no_data_before", date=format_date(shown_weeks[0]["week_start"]))
    return ""


# The query schema's usual refusals (the API's English) as the Vietnamese page says them.
_MISTAKES_VI = (
    (re.compile(r"^The period ends before it starts\.$"), "ngày cuối ở trước ngày đầu."),
    (re.compile(r"^At most (\d+) days\.$"), "dài nhất {0} ngày."),
    (re.compile(r"^Give exactly one of region or market\.$"), "hãy chọn một địa bàn."),
    (re.compile(r"^Not a valid date\.$"), "ngày không hợp lệ."),
    (re.compile(r"^Missing data for required field\.$"), "hãy điền ô này."),
    # A date outside the years the service keeps (before the generic number rule below, which
    # would otherwise tell a reader of the date fields to enter "a number from 1").
    (
        re.compile(
            r"^Must be greater than or equal to (\d{4})-(\d\d)-(\d\d) and less than or equal to (\d{4})-(\d\d)-(\d\d)\.$"
        ),
        "ngày phải từ {2}/{1}/{0} đến {5}/{4}/{3}.",
    ),
    (
        re.compile(r"^Must be greater than or equal to (\d+) and less than or equal to (\d+)\.$"),
        lambda low, high: f"hãy nhập một số từ {format_count(int(low))} đến {format_count(int(high))}.",
    ),
    (re.compile(r"^(Must be greater than or equal to|Not a valid integer)"), "hãy nhập một số từ 1."),
)


def _said(message: str, lang: str) -> str:
    if lang == "vi":
        for pattern, words in _MISTAKES_VI:
            found = pattern.match(message)
            if found:
                return words(*found.groups()) if callable(words) else words.format(*found.groups())
    return message


def _query_mistakes(messages: dict | list, lang: str) -> str:
    """'to: The period ends before it starts.' → 'Đến ngày: ngày cuối ở trước ngày đầu.'"""
    said = []
    for field, field_messages in messages.items() if isinstance(messages, dict) else [("", messages)]:
        label = text(lang, field) if field in ("region", "market", "from", "to", "active_min") else field
        for given in field_messages if isinstance(field_messages, list) else [field_messages]:
            said.append(f"{label}: {_said(str(given), lang)}" if label else _said(str(given), lang))
    return "; ".join(said)


def _office_links(actor) -> dict | None:
    """A manager reaching the dashboard is pointed to their market's office (market_pay/office)
    and to the whole market's QR cards there; nobody else gets the links."""
    if actor.role != "market_manager" or actor.market is None:
        return None
    code = actor.market.code
    return {
        "office": url_for("office_pages.market_home", code=code),
        "cards": url_for("office_pages.market_cards", code=code),
    }


def _share_basis(report, lang):
    """What the total's share is taken over: the markets that record cash, not every market the
    totals add up (else 32,8 % sits beside totals whose own ratio reads 45,6 %)."""
    total = report.rows[-1].figures
    current = total.current
    if current.markets_with_cash == total.markets:
        return text(lang, "share_basis_all") if total.markets else ""
    if not current.markets_with_cash:
        return text(lang, "share_basis_none")
    return text(
        lang,
        "share_basis",
        with_cash=format_count(current.markets_with_cash, lang),
        markets=format_count(total.markets, lang),
        cashless=format_vnd(current.cash_recorded_cashless_value, lang),
        cash=format_vnd(current.cash_value, lang),
    )


def _display_rows(report, lang):
    """The report's rows with Vietnamese (or English) number formats, for the table."""
    shown = []
    for row in report.rows:
        values = row_values(row, report, lang)
        share = lambda value: "—" if value is None else charts.percent(value, lang)  # noqa: E731
        count = lambda key, values=values: format_count(values[key], lang)  # noqa: E731
        f = row.figures
        shown.append(
            {
                **values,
                "cashless_value_text": format_vnd(values["cashless_value"], lang),
                "cash_value_text": format_vnd(values["cash_value"], lang),
                "stalls_text": f"{count('stalls_registered')} / {count('stalls_with_qr')} / {count('active_stalls')}",
                "cashless_count_text": count("cashless_count"),
                "cash_count_text": count("cash_count"),
                # A row adding several markets, not all recording cash: say what its share covers.
                "share_over": text(lang, "share_over", with_cash=f.current.markets_with_cash, markets=f.markets)
                if row.kind != "market" and f.current.markets_with_cash not in (0, f.markets)
                else "",
                "share_by_count_text": share(values["share_by_count"]),
                "share_by_value_text": share(values["share_by_value"]),
                "previous_share_text": share(values["previous_share_by_value"]),
            }
        )
    return shown


@bp.get("/reports/download")
def download():
    """The same report as the API's CSV / XLSX, for a signed-in page."""
    actor = _actor()
    if actor is None:
        raise AuthenticationRequired("Sign in on the staff page again.")
    query = scoped_query(actor)  # scope before the query, as the API
    return report_response(fresh_report(actor, query), query["format"], query["lang"])
