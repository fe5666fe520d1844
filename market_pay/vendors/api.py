"""Vendor endpoints: register, list, get, edit, suspend/reactivate, accounts, CSV import."""

from flask import Blueprint, g, request

from ..auth.guard import login_required
from ..common.request_input import load_json, load_query
from ..errors import BadRequest, Forbidden, UnsupportedMediaType
from ..extensions import db
from . import services
from .confirmations import confirm_account, reject_account
from .importer import import_vendors_csv
from .schemas import (
    AccountCreateSchema,
    AccountDecisionSchema,
    AccountSchema,
    ReactivateSchema,
    SuspendSchema,
    VendorCreateSchema,
    VendorListQuerySchema,
    VendorSchema,
    VendorUpdateSchema,
)

bp = Blueprint("vendors", __name__, url_prefix="/api/v1")


# Built once per process, not per request (see "Schema instances" in common/schemas.py).
VENDOR_CREATE = VendorCreateSchema()
VENDOR = VendorSchema()
VENDOR_LIST_QUERY = VendorListQuerySchema()
VENDORS = VendorSchema(many=True)
VENDOR_UPDATE = VendorUpdateSchema()
SUSPEND = SuspendSchema()
REACTIVATE = ReactivateSchema()
ACCOUNT_CREATE = AccountCreateSchema()
ACCOUNT = AccountSchema()
ACCOUNT_DECISION = AccountDecisionSchema()


@bp.post("/vendors")
@login_required
def register_vendor():
    vendor = services.register_vendor(g.actor, load_json(VENDOR_CREATE))
    db.session.commit()
    return VENDOR.dump(vendor), 201


@bp.get("/vendors")
@login_required
def list_vendors():
    query = load_query(VENDOR_LIST_QUERY)
    items, next_cursor = services.list_vendors(
        g.actor, query["market_code"], query["status"], query["limit"], query["cursor"]
    )
    return {"items": VENDORS.dump(items), "next": next_cursor}


@bp.get("/vendors/<int:vendor_id>")
@login_required
def get_vendor(vendor_id):
    return VENDOR.dump(services.get_vendor(g.actor, vendor_id))


@bp.patch("/vendors/<int:vendor_id>")
@login_required
def update_vendor(vendor_id):
    vendor = services.update_vendor(g.actor, vendor_id, load_json(VENDOR_UPDATE))
    db.session.commit()
    return VENDOR.dump(vendor)


@bp.post("/vendors/<int:vendor_id>/suspend")
@bp.post("/vendors/<int:vendor_id>/reactivate")
@login_required
def change_vendor_status(vendor_id):
    suspend = request.path.endswith("/suspend")
    services.managed_vendor(g.actor, vendor_id)  # scope before the body: an outsider learns nothing of it
    schema = SUSPEND if suspend else REACTIVATE
    # A suspension says why (422 without a reason); a reactivation may be sent with no body at all.
    body = load_json(schema) if request.content_length else schema.load({})
    vendor = services.set_vendor_status(g.actor, vendor_id, "suspended" if suspend else "active", body["reason"])
    db.session.commit()
    return VENDOR.dump(vendor)


@bp.post("/vendors/<int:vendor_id>/accounts")
@login_required
def add_account(vendor_id):
    account = services.add_account(g.actor, vendor_id, load_json(ACCOUNT_CREATE))
    db.session.commit()
    return ACCOUNT.dump(account), 201


@bp.post("/vendors/<int:vendor_id>/accounts/<int:account_id>/deactivate")
@login_required
def deactivate_account(vendor_id, account_id):
    account = services.deactivate_account(g.actor, vendor_id, account_id)
    db.session.commit()
    return ACCOUNT.dump(account)


@bp.post("/accounts/<int:account_id>/confirm")
@bp.post("/accounts/<int:account_id>/reject")
@login_required
def decide_account(account_id):
    """The vendor (PIN in the body) or an administrator (no body) decides a pending change."""
    body = load_json(ACCOUNT_DECISION) if request.content_length else {"pin": None}
    decide = confirm_account if request.path.endswith("/confirm") else reject_account
    account = decide(g.actor, account_id, body["pin"])
    db.session.commit()  # also keeps a wrong PIN's record, which the throttle counts
    if account is None:
        raise Forbidden("Wrong PIN.", {"pin": ["Wrong PIN."]})
    return ACCOUNT.dump(account)


@bp.post("/markets/<code>/vendors/import")
@login_required
def import_vendors(code):
    result = import_vendors_csv(_uploaded_csv_text(), code, g.actor)
    db.session.commit()
    return result, 201


def _uploaded_csv_text() -> str:
    """The CSV from a multipart field `file`, or a raw text/csv body; UTF-8 (a BOM is fine)."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise BadRequest("Attach the CSV as the form field 'file'.")
        raw = upload.read()
    elif request.mimetype in ("text/csv", "text/plain"):
        raw = request.get_data()
    else:
        raise UnsupportedMediaType("Send the CSV as multipart/form-data (field 'file') or text/csv.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadRequest("The file is not UTF-8 text; save it from the spreadsheet as 'CSV UTF-8'.") from None
