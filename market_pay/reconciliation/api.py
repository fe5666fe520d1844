"""Reconciliation endpoints: upload a statement, read runs and their breaks (JSON or CSV)."""

import csv
import io
import os
import tempfile

from flask import Blueprint, Response, current_app, g, request, stream_with_context

from ..auth.guard import login_required
from ..common.local_time import local_zone
from ..common.paging import decode_cursor, encode_cursor
from ..common.request_input import load_query
from ..common.spreadsheet import csv_row
from ..errors import BadRequest, PayloadTooLarge, UnsupportedMediaType
from ..extensions import db
from . import services
from .formats import parse_account
from .messages import CLASS_LABELS, describe_break, local_time
from .models import CLASSES
from .schemas import (
    BreakQuerySchema,
    BreakSchema,
    LangQuerySchema,
    RunListQuerySchema,
    RunSchema,
    StatementUploadSchema,
)

bp = Blueprint("reconciliation", __name__, url_prefix="/api/v1")


def dump_run(run, actor, lang="vi", already_reconciled=False) -> dict:
    """The run as `actor` may see it: a reader whose scope covers only some of its markets gets
    their markets, their breaks, and no file-wide class totals or counts ("partial": true)."""
    whole = services.sees_whole_run(actor, run)
    classes = (
        [{"name": name, "label": CLASS_LABELS[name][lang], **run.totals.get(name, {})} for name in CLASSES]
        if whole
        else []
    )
    by_kind = services.breaks_by_kind(run, actor)
    return RunSchema().dump(
        {
            "id": run.id,
            "partner": run.partner,
            "statement_date": run.statement_date,
            "file_name": run.file_name,
            "file_sha256": run.file_sha256,
            # File-wide like the class totals: another market's lines and accounts are its trade.
            "line_count": run.line_count if whole else None,
            "account_count": run.account_count if whole else None,
            "markets": services.run_markets(run, actor),
            "classes": classes,
            "break_count": run.break_count if whole else sum(by_kind.values()),
            "breaks_by_kind": by_kind,
            "created_at": run.created_at,
            "created_by": run.actor_label,
            "duration_ms": run.duration_ms,
            "already_reconciled": already_reconciled,
            "partial": not whole,
        }
    )


def _dump_break(row, lang) -> dict:
    item, stall_code, market_code = row
    return BreakSchema().dump(
        {
            **{
                name: getattr(item, name)
                for name in (
                    "id",
                    "kind",
                    "row_number",
                    "bin",
                    "account_number",
                    "bank_txn_id",
                    "bank_reference",
                    "booked_at",
                    "direction",
                    "amount",
                    "transaction_id",
                    "detail",
                )
            },
            "label": CLASS_LABELS[item.kind][lang],
            "message": describe_break(item.kind, item.detail, lang),
            "stall_code": stall_code,
            "market_code": market_code,
        }
    )


@bp.post("/statements")
@login_required
def upload_statement():
    # The role first, from the headers alone: nothing of the body is read for someone who may not
    # reconcile. Then the size allowed to that role (a province's day for an administrator).
    services.require_may_reconcile(g.actor)
    limit = services.upload_limit(g.actor, current_app.config)
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"A statement may have at most {limit:,} bytes for your role.".replace(",", "."))
    request.max_content_length = limit
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType(
            "Send the statement as multipart/form-data: field 'file', plus 'partner' "
            "and optionally 'date' (YYYY-MM-DD), 'format' and 'account' (BIN/NUMBER)."
        )
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest("Attach the statement CSV as the form field 'file'.")
    fields = StatementUploadSchema().load(request.form.to_dict(flat=True))
    handle, path = tempfile.mkstemp(prefix="statement-")  # the format is read from the content
    try:
        with os.fdopen(handle, "wb") as target:
            upload.save(target)
        # The name is kept with the run; PostgreSQL text cannot hold an attacker's NUL (a 500 once).
        run, created = services.reconcile_file(
            g.actor,
            path,
            fields["partner"],
            fields["date"],
            (upload.filename or "").replace("\x00", "\ufffd"),
            fields["format"],
            parse_account(fields["account"]),
        )
        db.session.commit()
    finally:
        os.unlink(path)
    return dump_run(run, g.actor, already_reconciled=not created), 201 if created else 200


@bp.get("/reconciliation-runs")
@login_required
def list_runs():
    query = load_query(RunListQuerySchema())
    runs, next_cursor = services.list_runs(
        g.actor, query["partner"], query["statement_date"], query["limit"], query["cursor"]
    )
    return {"items": [dump_run(run, g.actor, query["lang"]) for run in runs], "next": next_cursor}


@bp.get("/reconciliation-runs/<int:run_id>")
@login_required
def get_run(run_id):
    run = services.get_run(g.actor, run_id)  # scope before the query (an outsider learns nothing of it)
    return dump_run(run, g.actor, load_query(LangQuerySchema())["lang"])


@bp.get("/reconciliation-runs/<int:run_id>/breaks")
@login_required
def list_breaks(run_id):
    run = services.get_run(g.actor, run_id)  # scope before the query, as get_run
    query = load_query(BreakQuerySchema())
    limit = min(query["limit"] or current_app.config["PAGE_SIZE_DEFAULT"], current_app.config["PAGE_SIZE_MAX"])
    after = decode_cursor(query["cursor"]) if query["cursor"] else 0
    rows = services.break_rows(run, query["kind"], after, limit + 1, g.actor).all()
    items = [_dump_break(row, query["lang"]) for row in rows[:limit]]
    return {"items": items, "next": encode_cursor(items[-1]["id"]) if len(rows) > limit else None}


CSV_COLUMNS = {
    "vi": [
        "Loại",
        "Mã loại",
        "Dòng sao kê",
        "Mã ngân hàng (BIN)",
        "Số tài khoản",
        "Chợ",
        "Sạp",
        "Mã GD ngân hàng",
        "Số tham chiếu",
        "Thời gian (giờ Việt Nam)",
        "Chiều",
        "Số tiền (đồng)",
        "Giao dịch",
        "Diễn giải",
    ],
    "en": [
        "Class",
        "Code",
        "Statement row",
        "Bank BIN",
        "Account number",
        "Market",
        "Stall",
        "Bank transaction id",
        "Bank reference",
        "Time (Vietnam)",
        "Direction",
        "Amount (đồng)",
        "Transaction",
        "Explanation",
    ],
}
DIRECTIONS = {"vi": {"in": "vào", "out": "ra"}, "en": {"in": "in", "out": "out"}}


@bp.get("/reconciliation-runs/<int:run_id>/breaks.csv")
@login_required
def breaks_csv(run_id):
    """Every break, streamed: a spreadsheet-ready UTF-8 file (with BOM, so Excel shows the accents)."""
    actor = g.actor
    run = services.get_run(actor, run_id)  # scope before the query, as get_run
    lang = load_query(LangQuerySchema())["lang"]
    zone = local_zone()

    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS[lang])
        yield "\ufeff" + buffer.getvalue()
        after = 0
        while True:
            rows = services.break_rows(run, None, after, 1000, actor).all()
            if not rows:
                return
            buffer.seek(0)
            buffer.truncate()
            for item, stall_code, market_code in rows:
                writer.writerow(
                    csv_row(
                        [  # statement ids and descriptions come from the bank's file
                            CLASS_LABELS[item.kind][lang],
                            item.kind,
                            item.row_number or "",
                            item.bin or "",
                            item.account_number,
                            market_code or "",
                            stall_code or "",
                            item.bank_txn_id or "",
                            item.bank_reference or "",
                            local_time(item.booked_at, zone),
                            DIRECTIONS[lang].get(item.direction, ""),
                            "" if item.amount is None else item.amount,
                            item.transaction_id or "",
                            describe_break(item.kind, item.detail, lang),
                        ]
                    )
                )
            after = rows[-1][0].id
            yield buffer.getvalue()

    filename = f"doi-soat-{run.statement_date:%Y-%m-%d}-{run.partner}-{run.id}.csv"
    return Response(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
