"""VietQR endpoints: a stall's static codes, QR images, decode (staff) and verify (public)."""

import hashlib

from flask import Blueprint, Response, current_app, g, request

from ..auth.guard import login_required
from ..common.request_input import load_json, load_query
from ..extensions import db
from ..throttling.services import hit
from . import services
from .decoding import decoded_fields
from .rendering import render_cached
from .schemas import (
    DecodedSchema,
    DecodeRequestSchema,
    ImageQuerySchema,
    StallCodeSchema,
    VerifyQuerySchema,
    VerifyResultSchema,
)

bp = Blueprint("vietqr", __name__, url_prefix="/api/v1")
# Built once per process, not per request (see "Schema instances" in common/schemas.py).
STALL_CODES = StallCodeSchema(many=True)
IMAGE_QUERY = ImageQuerySchema()
DECODE_REQUEST = DecodeRequestSchema()
DECODED = DecodedSchema()
VERIFY_QUERY = VerifyQuerySchema()
VERIFY_RESULT = VerifyResultSchema()
MIME = {"png": "image/png", "svg": "image/svg+xml"}
# Bump when rendering changes, so browsers drop images drawn the old way.
RENDER_VERSION = "1"


@bp.get("/vendors/<int:vendor_id>/qr")
@login_required
def stall_codes(vendor_id):
    return {"items": STALL_CODES.dump(services.stall_codes(g.actor, vendor_id))}


@bp.get("/accounts/<int:account_id>/qr.<any(png, svg):image_format>")
@login_required
def account_image(account_id, image_format):
    account = services.account_for_image(g.actor, account_id)  # scope before the query
    size = load_query(IMAGE_QUERY)["size"]
    payload = services.static_payload(account)
    etag = hashlib.sha256(f"{RENDER_VERSION}|{image_format}|{size}|{payload}".encode()).hexdigest()[:32]
    if request.if_none_match.contains(etag):
        response = Response(status=304)  # the browser's copy is current: nothing is rendered
    else:
        response = Response(render_cached(payload, image_format, size), mimetype=MIME[image_format])
    response.set_etag(etag)
    # Private: the image is behind a login. A day is safe: a static code never changes, and
    # a deactivated account answers 404 on the next revalidation.
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@bp.post("/qr/decode")
@login_required
def decode():
    reading = services.decode_for_staff(g.actor, load_json(DECODE_REQUEST)["payload"])
    return DECODED.dump(decoded_fields(reading.code, reading.warnings))


@bp.get("/verify")
def verify():
    config = current_app.config
    # Counted and committed first, so even rejected attempts use up the allowance.
    hit(f"verify:{request.remote_addr}", config["VERIFY_RATE_LIMIT"], config["VERIFY_RATE_WINDOW_SECONDS"])
    db.session.commit()
    query = load_query(VERIFY_QUERY)
    return VERIFY_RESULT.dump(services.verify_code(query["payload"], query["lang"]))
