"""Cash surveys in the office, for markets where vendors do not record their cash sales: the
market's counts from a CSV (cash/survey_import.py), all rows or none, only this market's rows."""

from flask import flash, redirect, request, url_for

from ..auth.scopes import require_market_manage
from ..cash.survey_import import import_cash_survey
from ..common.page_texts import text
from ..common.web import page_lang, render_page
from ..errors import ValidationFailed
from ..extensions import db
from .access import market_for
from .import_pages import rows_of, uploaded_text
from .pages import bp, staff_page


@bp.route("/m/<code>/cash-survey", methods=["GET", "POST"])
@staff_page
def cash_survey(actor, code):
    market = market_for(actor, code)
    require_market_manage(actor, market)
    context = {"actor": actor, "market": market}
    if request.method == "GET":
        return render_page("office/cash_survey.html", **context)
    lang = page_lang()
    csv_text = uploaded_text()
    if not csv_text:
        return render_page(
            "office/cash_survey.html",
            422,
            **context,
            problem=text(lang, "import_not_utf8" if csv_text is None else "import_empty"),
        )
    try:
        summary = import_cash_survey(csv_text, actor, market)
    except ValidationFailed as refused:
        db.session.rollback()
        return render_page(
            "office/cash_survey.html", 422, **context, problem=refused.message, bad_rows=rows_of(refused.errors)
        )
    db.session.commit()
    flash(text(lang, "survey_done", rows=summary["rows"], replaced=summary["replaced"]))
    return redirect(url_for("office_pages.cash_survey", code=market.code))
