"""Reconciliation in the office: the runs that touched the market, one run's breaks (as much of
it as the reader's scope covers, like the API), and a statement upload for those who may
reconcile (administrators and region staff, reconciliation/services.py). The upload takes the
API's fields (`market-pay reconcile --format --account`): the file's format, recognised from its
content unless chosen, and the account of a single-account export that does not name it (the
bank and the number, given apart, are the API's BIN/NUMBER). Both go through the API's schema
and the same service, so its scope rules hold: an account outside the uploader's area is 403."""

import os
import tempfile

from flask import current_app, redirect, request, url_for
from marshmallow import ValidationError
from sqlalchemy import exists, select

from ..banks.directory import all_banks
from ..common.page_texts import text
from ..common.paging import paginate
from ..common.web import page_lang, render_page
from ..errors import Forbidden, NotFound, PayloadTooLarge, ValidationFailed
from ..extensions import db
from ..payments.partner_formats import PARTNERS
from ..reconciliation import services as reconciliation
from ..reconciliation.formats import format_choices, parse_account
from ..reconciliation.formats.xlsx import layouts
from ..reconciliation.messages import CLASS_LABELS, describe_break
from ..reconciliation.models import CLASSES, ReconciliationRun, ReconciliationRunMarket
from ..reconciliation.schemas import StatementUploadSchema
from . import forms
from .access import market_for, office_actor
from .pages import bp, staff_page

RUNS_PAGE = 30
BREAKS_SHOWN = 200


def _touching(market):
    return exists(
        select(ReconciliationRunMarket.run_id).where(
            ReconciliationRunMarket.run_id == ReconciliationRun.id, ReconciliationRunMarket.market_id == market.id
        )
    )


def _format_options(lang: str) -> list[tuple[str, str]]:
    """(value, words) for the format list: "" first (recognised from the content)."""
    banks = {layout["name"]: layout["bank"] for layout in layouts()["layouts"]}
    options = [("", text(lang, "format_auto"))]
    for name in format_choices():
        if name.startswith("xlsx-"):
            options.append((name, text(lang, "format_xlsx_layout", bank=banks.get(name[5:], name[5:]))))
        else:
            options.append((name, text(lang, "format_" + name)))
    return options


def _upload_fields(form) -> dict:
    """The form as the API's upload fields: empty ones left out (their defaults apply), the bank
    and the number joined into BIN/NUMBER (one given without the other is refused there)."""
    fields = {key: form[key] for key in ("partner", "date", "format") if form.get(key)}
    bin_code, number = form.get("account_bin", "").strip(), form.get("account_number", "").strip()
    if bin_code or number:
        fields["account"] = f"{bin_code}/{number}"
    return fields


def _may_upload(actor) -> bool:
    try:
        reconciliation.require_may_reconcile(actor)
    except Forbidden:  # the form is simply not offered
        return False
    return True


@bp.before_request
def _statement_size():
    """A statement may be far larger than a form: the role's limit, decided from the session
    cookie alone before the body is read (as the API does from the token)."""
    if request.endpoint != "office_pages.upload_statement" or request.method != "POST":
        return
    actor = office_actor()
    if actor is not None and _may_upload(actor):
        limit = reconciliation.upload_limit(actor, current_app.config)
        if request.content_length is not None and request.content_length > limit:
            raise PayloadTooLarge(f"A statement may have at most {limit:,} bytes for your role.".replace(",", "."))
        request.max_content_length = limit


@bp.get("/m/<code>/reconciliation")
@staff_page
def runs(actor, code, status=200, errors=None):
    market = market_for(actor, code)
    # Every run touching a market the reader may read is visible to them (reconciliation/services.py).
    found, next_cursor = paginate(
        select(ReconciliationRun).where(_touching(market)),
        ReconciliationRun.id,
        RUNS_PAGE,
        request.args.get("cursor") or None,
        newest_first=True,  # the day just uploaded, not the first run ever
    )
    counts = {run.id: sum(reconciliation.breaks_by_kind(run, actor).values()) for run in found}
    # A run's line count is file-wide: shown only to those who see the whole run (as the API).
    whole = {run.id for run in found if reconciliation.sees_whole_run(actor, run)}
    return render_page(
        "office/reconciliation.html",
        status,
        actor=actor,
        market=market,
        runs=found,
        counts=counts,
        whole=whole,
        next_cursor=next_cursor,
        may_upload=_may_upload(actor),
        partners=PARTNERS,
        formats=_format_options(page_lang()),
        banks=all_banks(),
        errors=errors or {},
        form=request.form,
    )


@bp.get("/m/<code>/reconciliation/<int:run_id>")
@staff_page
def run(actor, code, run_id):
    market = market_for(actor, code)
    found = reconciliation.get_run(actor, run_id)  # 404 when out of scope, as the API
    if not db.session.scalar(select(_touching(market)).where(ReconciliationRun.id == found.id)):
        raise NotFound(f"Run {run_id} did not touch market {market.code}.")
    lang = page_lang()
    whole = reconciliation.sees_whole_run(actor, found)
    classes = [(CLASS_LABELS[name][lang], found.totals.get(name, {})) for name in CLASSES] if whole else []
    by_kind = reconciliation.breaks_by_kind(found, actor)
    # A page of breaks at a time, after the last one shown (a busy day has thousands), of one kind
    # when its badge was chosen; a page mark or kind that makes no sense is the list from the start.
    kind = request.args.get("kind") if request.args.get("kind") in by_kind else None
    after = request.args.get("after", "")
    after_id = int(after) if after.isdigit() and len(after) <= 18 else 0
    rows = reconciliation.break_rows(found, kind, after_id, BREAKS_SHOWN + 1, actor).all()
    shown = rows[:BREAKS_SHOWN]
    breaks = [
        (item, stall_code, market_code, CLASS_LABELS[item.kind][lang], describe_break(item.kind, item.detail, lang))
        for item, stall_code, market_code in shown
    ]
    return render_page(
        "office/run.html",
        actor=actor,
        market=market,
        run=found,
        classes=classes,
        whole=whole,
        breaks=breaks,
        kind=kind,
        next_after=shown[-1][0].id if len(rows) > BREAKS_SHOWN else None,
        by_kind=by_kind,
        kind_labels={kind: labels[lang] for kind, labels in CLASS_LABELS.items()},
    )


@bp.post("/m/<code>/reconciliation")
@staff_page
def upload_statement(actor, code):
    market = market_for(actor, code)
    reconciliation.require_may_reconcile(actor)  # 403 for a market manager, before the file is read
    upload = request.files.get("file")
    try:
        fields = StatementUploadSchema().load(_upload_fields(request.form))
        if upload is None or not upload.filename:
            raise ValidationFailed(errors={"file": ["Attach the statement CSV."]})
        handle, path = tempfile.mkstemp(prefix="statement-")  # the format is read from the content
        try:
            with os.fdopen(handle, "wb") as target:
                upload.save(target)
            found, _ = reconciliation.reconcile_file(
                actor,
                path,
                fields["partner"],
                fields["date"],
                upload.filename.replace("\x00", "\ufffd"),
                fields["format"],
                parse_account(fields["account"]),
            )
        finally:
            os.unlink(path)
    except ValidationError as invalid:
        return runs.__wrapped__(actor, code, 422, forms.flat_errors(invalid.messages))
    except ValidationFailed as refused:
        db.session.rollback()
        return runs.__wrapped__(actor, code, 422, {"form": refused.message, **forms.flat_errors(refused.errors)})
    db.session.commit()
    return redirect(url_for("office_pages.run", code=market.code, run_id=found.id))
