"""GET /api/v1/openapi.json: the API described from the same marshmallow schemas the routes use."""

import re
from functools import lru_cache
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint
from marshmallow import Schema, fields

from ..audit.schemas import AuditItemSchema, AuditQuerySchema
from ..auth.schemas import (
    PasswordChangeSchema,
    PinChangeSchema,
    PinResetSchema,
    TokenRequestSchema,
    TokenSchema,
    UserCreateSchema,
    UserListQuerySchema,
    UserSchema,
)
from ..cash.schemas import CashSaleCreateSchema, CashSaleSchema
from ..kits.schemas import KitQuerySchema
from ..markets.schemas import MarketCreateSchema, MarketListQuerySchema, MarketSchema, MarketUpdateSchema
from ..payments.partner_formats import PARTNER_NAMES
from ..payments.schemas import (
    FeedQuerySchema,
    FeedSchema,
    PaymentRequestCreateSchema,
    PaymentRequestSchema,
    SuspenseItemSchema,
    SuspenseQuerySchema,
    SuspenseResolveSchema,
)
from ..reconciliation.schemas import BreakQuerySchema, BreakSchema, LangQuerySchema, RunListQuerySchema, RunSchema
from ..regions.schemas import RegionCreateSchema, RegionListQuerySchema, RegionSchema, RegionTreeSchema
from ..reports.schemas import AdoptionQuerySchema, AdoptionReportSchema
from ..revenue.schemas import RevenueBookSchema, RevenueQuerySchema
from ..stalls.schemas import QuietStallSchema
from ..vendors.schemas import (
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
from ..vietqr.schemas import (
    DecodedSchema,
    DecodeRequestSchema,
    ImageQuerySchema,
    StallCodeSchema,
    VerifyQuerySchema,
    VerifyResultSchema,
)

bp = Blueprint("openapi", __name__)


class ErrorSchema(Schema):
    code = fields.Integer(required=True)
    status = fields.String(required=True)
    message = fields.String(required=True)
    errors = fields.Dict(required=True)


class ImportResultSchema(Schema):
    created = fields.Integer()
    unchanged = fields.Integer()


def _page_of(schema_name):
    return {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{schema_name}"}},
            "next": {"type": ["string", "null"]},
        },
    }


# (method, path, summary, request body schema, query schema, success status, response)
ENDPOINTS = [
    ("post", "/api/v1/auth/token", "Sign in; vendors use phone + PIN", TokenRequestSchema, None, 201, TokenSchema),
    ("post", "/api/v1/auth/revoke", "Revoke the token in use", None, None, 204, None),
    ("get", "/api/v1/auth/me", "The signed-in user", None, None, 200, UserSchema),
    (
        "post",
        "/api/v1/auth/password",
        "Change your own password (staff; the old one required; your other sessions end)",
        PasswordChangeSchema,
        None,
        200,
        UserSchema,
    ),
    (
        "post",
        "/api/v1/auth/pin",
        "Change your own PIN (vendor, assistant; the old one required; ends a reset's must_change_pin)",
        PinChangeSchema,
        None,
        200,
        UserSchema,
    ),
    ("post", "/api/v1/users", "Create a user (admin)", UserCreateSchema, None, 201, UserSchema),
    ("get", "/api/v1/users", "List users (admin)", None, UserListQuerySchema, 200, "UserSchema[]"),
    (
        "post",
        "/api/v1/users/{user_id}/deactivate",
        "Deactivate a user and revoke their tokens",
        None,
        None,
        200,
        UserSchema,
    ),
    (
        "post",
        "/api/v1/users/{user_id}/reactivate",
        "Let a deactivated user sign in again (admin)",
        None,
        None,
        200,
        UserSchema,
    ),
    (
        "post",
        "/api/v1/users/{user_id}/reset-pin",
        "A new random PIN for a vendor or assistant (their market's "
        "manager, admin), shown once; they must change it at their next sign-in",
        None,
        None,
        200,
        PinResetSchema,
    ),
    (
        "get",
        "/api/v1/regions",
        "List regions (flat by parent, or ?tree=true with children)",
        None,
        RegionListQuerySchema,
        200,
        "RegionTreeSchema[]",
    ),
    ("post", "/api/v1/regions", "Create a region (admin)", RegionCreateSchema, None, 201, RegionSchema),
    ("get", "/api/v1/regions/{code}", "One region", None, None, 200, RegionSchema),
    ("post", "/api/v1/markets", "Register a market (admin)", MarketCreateSchema, None, 201, MarketSchema),
    ("get", "/api/v1/markets", "Markets in your scope", None, MarketListQuerySchema, 200, "MarketSchema[]"),
    ("get", "/api/v1/markets/{code}", "One market", None, None, 200, MarketSchema),
    ("patch", "/api/v1/markets/{code}", "Edit a market", MarketUpdateSchema, None, 200, MarketSchema),
    (
        "post",
        "/api/v1/markets/{code}/vendors/import",
        "Import vendors from CSV (all rows or none)",
        "csv",
        None,
        201,
        ImportResultSchema,
    ),
    ("post", "/api/v1/vendors", "Register a stall with its accounts", VendorCreateSchema, None, 201, VendorSchema),
    ("get", "/api/v1/vendors", "Stalls in your scope", None, VendorListQuerySchema, 200, "VendorSchema[]"),
    ("get", "/api/v1/vendors/{vendor_id}", "One stall", None, None, 200, VendorSchema),
    ("patch", "/api/v1/vendors/{vendor_id}", "Edit a stall", VendorUpdateSchema, None, 200, VendorSchema),
    (
        "post",
        "/api/v1/vendors/{vendor_id}/suspend",
        "Suspend a stall; the reason is required and kept in the audit log",
        SuspendSchema,
        None,
        200,
        VendorSchema,
    ),
    (
        "post",
        "/api/v1/vendors/{vendor_id}/reactivate",
        "Reactivate a stall (a reason is optional; the body may be empty)",
        ReactivateSchema,
        None,
        200,
        VendorSchema,
    ),
    (
        "post",
        "/api/v1/vendors/{vendor_id}/accounts",
        "Add a receiving account",
        AccountCreateSchema,
        None,
        201,
        AccountSchema,
    ),
    (
        "post",
        "/api/v1/vendors/{vendor_id}/accounts/{account_id}/deactivate",
        "Deactivate an account",
        None,
        None,
        200,
        AccountSchema,
    ),
    (
        "post",
        "/api/v1/accounts/{account_id}/confirm",
        "Confirm a pending account change: the stall's vendor with their PIN, or an administrator with no body",
        AccountDecisionSchema,
        None,
        200,
        AccountSchema,
    ),
    (
        "post",
        "/api/v1/accounts/{account_id}/reject",
        "Reject a pending account change: the vendor (PIN), an administrator, or the market's manager withdrawing it",
        AccountDecisionSchema,
        None,
        200,
        AccountSchema,
    ),
    (
        "get",
        "/api/v1/vendors/{vendor_id}/qr",
        "The stall's static VietQR per active account",
        None,
        None,
        200,
        "StallCodeSchema{}",
    ),
    (
        "get",
        "/api/v1/accounts/{account_id}/qr.{image_format}",
        "QR image of an account's static code (ETag, cached)",
        None,
        ImageQuerySchema,
        200,
        "image",
    ),
    ("post", "/api/v1/qr/decode", "Decode a VietQR payload (staff)", DecodeRequestSchema, None, 200, DecodedSchema),
    (
        "get",
        "/api/v1/verify",
        "Public: is this scanned code a registered stall's genuine code?",
        None,
        VerifyQuerySchema,
        200,
        VerifyResultSchema,
    ),
    (
        "post",
        "/api/v1/vendors/{vendor_id}/payment-requests",
        "Create a dynamic QR payment request (honours Idempotency-Key)",
        PaymentRequestCreateSchema,
        None,
        201,
        PaymentRequestSchema,
    ),
    (
        "get",
        "/api/v1/payment-requests/{reference}",
        "A payment request with its status and transactions (payer "
        "names for the stall, its manager and admins; an assistant today's requests only)",
        None,
        None,
        200,
        PaymentRequestSchema,
    ),
    (
        "post",
        "/api/v1/payment-requests/{reference}/cancel",
        "Cancel a pending request",
        None,
        None,
        200,
        PaymentRequestSchema,
    ),
    (
        "get",
        "/api/v1/vendors/{vendor_id}/payments",
        "The stall feed: credits in commit order, after a cursor "
        "(payer names for the stall, its manager and admins; an assistant today's only)",
        None,
        FeedQuerySchema,
        200,
        FeedSchema,
    ),
    (
        "get",
        "/api/v1/suspense",
        "Money that could not be matched (scoped; no payer name or transfer content for region staff)",
        None,
        SuspenseQuerySchema,
        200,
        "SuspenseItemSchema[]",
    ),
    (
        "post",
        "/api/v1/suspense/{item_id}/resolve",
        "Assign, mark for refund or dismiss a suspense item",
        SuspenseResolveSchema,
        None,
        200,
        SuspenseItemSchema,
    ),
    (
        "get",
        "/api/v1/markets/{code}/kits.pdf",
        "Print-ready stall cards of a market (ETag; built once per content "
        "and kept; one build at a time per user, else 429 with Retry-After)",
        None,
        KitQuerySchema,
        200,
        "pdf",
    ),
    (
        "get",
        "/api/v1/vendors/{vendor_id}/kit.pdf",
        "Print-ready cards of one stall (ETag; kept like a market's kit)",
        None,
        KitQuerySchema,
        200,
        "pdf",
    ),
    (
        "post",
        "/api/v1/statements",
        "Reconcile a bank statement CSV (admin, or region staff for their area's "
        "stalls; 413 above the role's size); the same file again answers 200 with the earlier run",
        "statement",
        None,
        201,
        RunSchema,
    ),
    (
        "get",
        "/api/v1/reconciliation-runs",
        "Reconciliation runs in your scope",
        None,
        RunListQuerySchema,
        200,
        "RunSchema[]",
    ),
    (
        "get",
        "/api/v1/reconciliation-runs/{run_id}",
        "One run: counts and sums per class, breaks per kind",
        None,
        LangQuerySchema,
        200,
        RunSchema,
    ),
    (
        "get",
        "/api/v1/reconciliation-runs/{run_id}/breaks",
        "A run's breaks with their reasons",
        None,
        BreakQuerySchema,
        200,
        "BreakSchema[]",
    ),
    (
        "get",
        "/api/v1/reconciliation-runs/{run_id}/breaks.csv",
        "A run's breaks as a spreadsheet (UTF-8 CSV)",
        None,
        LangQuerySchema,
        200,
        "csv",
    ),
    (
        "post",
        "/api/v1/vendors/{vendor_id}/cash-sales",
        "Record a cash sale of the stall (vendor, assistant, manager; honours "
        "Idempotency-Key: the same key again returns the first sale, 200)",
        CashSaleCreateSchema,
        None,
        201,
        CashSaleSchema,
    ),
    (
        "delete",
        "/api/v1/cash-sales/{sale_id}",
        "Undo a cash sale (its author within 10 minutes, or a manager)",
        None,
        None,
        200,
        CashSaleSchema,
    ),
    (
        "get",
        "/api/v1/markets/{code}/quiet-stalls",
        "Stalls whose credits stopped in their usual trading hours "
        "for much longer than their usual gap (a covered or swapped QR)",
        None,
        None,
        200,
        "QuietStallSchema{}",
    ),
    (
        "get",
        "/api/v1/reports/adoption",
        "Cashless adoption per market for a region or a market and a period (JSON, or a CSV / XLSX download)",
        None,
        AdoptionQuerySchema,
        200,
        "report",
    ),
    (
        "get",
        "/api/v1/vendors/{vendor_id}/revenue",
        "A stall's revenue book (per-day lines, cashless per account and "
        "cash; totals per day, month, quarter, half-year or year; at most 366 days): the vendor, their market's manager "
        "and admins only; file downloads are audited",
        None,
        RevenueQuerySchema,
        200,
        "revenue",
    ),
    (
        "get",
        "/api/v1/audit-log",
        "Who changed what (accounts, money, users), oldest first: admin all, region staff "
        "their area, a manager their market, a vendor their stall",
        None,
        AuditQuerySchema,
        200,
        "AuditItemSchema[]",
    ),
    (
        "post",
        "/api/v1/callbacks/{partner}",
        "A bank partner's callback (signed; answered in its own format)",
        "raw",
        None,
        200,
        "partner",
    ),
]
# Endpoints whose JSON body may be left out altogether (every field has a default).
OPTIONAL_BODY = {"/api/v1/vendors/{vendor_id}/reactivate"}
PUBLIC = {"/api/v1/auth/token", "/api/v1/verify", "/api/v1/callbacks/{partner}"}
ERRORS = {
    "400": "Unreadable body",
    "401": "No or bad token",
    "403": "Out of scope",
    "404": "Unknown id",
    "405": "Method not allowed here",
    "409": "Conflict",
    "413": "Body too large",
    "415": "Wrong content type",
    "422": "Invalid fields",
    "429": "Too many attempts",
}


def _response(schema):
    if schema is None:
        return {"description": "No content"}
    if schema == "partner":
        return {
            "description": "Acknowledged in the partner's own format",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    if schema == "pdf":
        return {
            "description": "PDF",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    if schema == "csv":
        return {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}
    if schema == "report":
        return {
            "description": "The report (format=json), or the file (csv, xlsx)",
            "content": {
                "application/json": {"schema": AdoptionReportSchema},
                "text/csv": {"schema": {"type": "string"}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                    "schema": {"type": "string", "format": "binary"}
                },
            },
        }
    if schema == "revenue":
        return {
            "description": "The book (format=json), or the file (csv, xlsx, pdf)",
            "content": {
                "application/json": {"schema": RevenueBookSchema},
                "text/csv": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                    "schema": {"type": "string", "format": "binary"}
                },
            },
        }
    if schema == "image":
        return {
            "description": "The image",
            "content": {
                "image/png": {"schema": {"type": "string", "format": "binary"}},
                "image/svg+xml": {"schema": {"type": "string"}},
            },
        }
    if isinstance(schema, str) and schema.endswith("{}"):
        name = schema.removesuffix("{}").removesuffix("Schema")
        items = {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}}
        return {
            "description": "OK",
            "content": {"application/json": {"schema": {"type": "object", "properties": {"items": items}}}},
        }
    if isinstance(schema, str):
        name = schema.removesuffix("[]").removesuffix("Schema")
        return {"description": "A page", "content": {"application/json": {"schema": _page_of(name)}}}
    return {"description": "OK", "content": {"application/json": {"schema": schema}}}


def _request_body(schema):
    if schema == "raw":
        return {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}
    if schema == "statement":
        return {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file", "partner"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "partner": {"type": "string", "enum": list(PARTNER_NAMES)},
                            "date": {"type": "string", "format": "date"},
                        },
                    }
                }
            },
        }
    if schema == "csv":
        return {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
            },
        }
    return {"required": True, "content": {"application/json": {"schema": schema}}}


@lru_cache(maxsize=1)
def build_spec() -> dict:
    spec = APISpec(title="market_pay API", version="1.0.0", openapi_version="3.1.0", plugins=[MarshmallowPlugin()])
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=ErrorSchema)
    spec.components.schema("StallCode", schema=StallCodeSchema)  # referenced by name below
    spec.components.schema("SuspenseItem", schema=SuspenseItemSchema)
    spec.components.schema("Run", schema=RunSchema)
    spec.components.schema("AuditItem", schema=AuditItemSchema)
    spec.components.schema("Break", schema=BreakSchema)
    spec.components.schema("QuietStall", schema=QuietStallSchema)
    spec.components.schema("RegionTree", schema=RegionTreeSchema)
    for method, path, summary, body, query, status, response in ENDPOINTS:
        operation: dict[str, Any] = {"summary": summary, "responses": {str(status): _response(response)}}
        if response == "partner":  # a refused delivery is answered in the partner's format too
            operation["responses"]["401"] = {
                "description": "Refused (signature, timestamp), in the partner's format",
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        for code, text in ERRORS.items():
            operation["responses"].setdefault(
                code,
                {
                    "description": text,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
            )
        if body is not None:
            operation["requestBody"] = {**_request_body(body), "required": path not in OPTIONAL_BODY}
        params = [
            {"in": "path", "name": name, "required": True, "schema": _path_param_schema(name)}
            for name in _path_params(path)
        ]
        if query is not None:
            params.append({"in": "query", "schema": query})
        if params:
            operation["parameters"] = params
        if path not in PUBLIC:
            operation["security"] = [{"bearer": []}]
        spec.path(path=path, operations={method: operation})
    return spec.to_dict()


def _path_param_schema(name):
    if name == "partner":
        return {"type": "string", "enum": list(PARTNER_NAMES)}
    if name.endswith("_id"):
        return {"type": "integer"}
    if name == "image_format":
        return {"type": "string", "enum": ["png", "svg"]}
    return {"type": "string"}


def _path_params(path):
    return re.findall(r"\{(\w+)\}", path)


@bp.get("/api/v1/openapi.json")
def openapi_document():
    return build_spec()
