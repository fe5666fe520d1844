"""Importing a CSV of stalls in the office: the file is checked first by the importer itself,
inside a savepoint that is always rolled back (the preview: what would be created, or every bad
row), and written only when the manager confirms the same text."""

from flask import flash, redirect, request, url_for

from ..auth.scopes import require_market_manage
from ..common.page_texts import text
from ..common.web import page_lang, render_page
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..vendors.importer import import_vendors_csv
from .access import market_for
from .pages import bp, staff_page


def uploaded_text() -> str | None:
    """The uploaded file's text (UTF-8, a BOM is fine), or the text a preview carried over."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            return None
    return request.form.get("csv_text", "")


def rows_of(errors: dict) -> list[tuple[str, str, str]]:
    """(where, field, message) of an importer's refusal, in file order: one line per message, so
    each is shown in the reader's language (the header's missing columns come as a list)."""
    return [
        (where, field, str(message))
        for where, fields in errors.items()
        for field, messages in (fields.items() if isinstance(fields, dict) else [("", fields)])
        for message in (messages if isinstance(messages, list) else [messages])
    ]


def _try(actor, market, csv_text: str) -> dict:
    """Run the import in a savepoint and undo it: its answer without writing anything."""
    savepoint = db.session.begin_nested()
    try:
        return import_vendors_csv(csv_text, market.code, actor)
    finally:
        savepoint.rollback()


@bp.route("/m/<code>/import", methods=["GET", "POST"])
@staff_page
def import_stalls(actor, code):
    market = market_for(actor, code)
    require_market_manage(actor, market)  # as the API's import
    context = {"actor": actor, "market": market}
    if request.method == "GET":
        return render_page("office/import.html", **context)
    lang = page_lang()
    csv_text = uploaded_text()
    if csv_text is None:
        return render_page("office/import.html", 422, **context, problem=text(lang, "import_not_utf8"))
    if not csv_text.strip():
        return render_page("office/import.html", 422, **context, problem=text(lang, "import_empty"))
    try:
        if request.form.get("confirm") != "1":
            return render_page(
                "office/import.html", **context, preview=_try(actor, market, csv_text), csv_text=csv_text
            )
        result = import_vendors_csv(csv_text, market.code, actor)
    except (ValidationFailed, Conflict) as refused:
        db.session.rollback()
        return render_page(
            "office/import.html", refused.code, **context, problem=refused.message, bad_rows=rows_of(refused.errors)
        )
    db.session.commit()
    flash(text(lang, "import_done", created=result["created"], unchanged=result["unchanged"]))
    return redirect(url_for("office_pages.market_home", code=market.code))
