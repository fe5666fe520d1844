"""Which cards a kit holds, who may print it, and the PDF itself."""

import hashlib
import json
import logging
import time
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from flask import current_app, has_request_context, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..auth.roles import STAFF_ROLES
from ..auth.scopes import can_read_market, require_vendor_read
from ..common.local_time import local_zone
from ..errors import Conflict, Forbidden, NotFound, TooManyRequests
from ..extensions import db
from ..markets.services import find_market
from ..vendors.models import Vendor
from ..vendors.services import find_vendor
from .builds import KitStore
from .cards import KitCard, make_card
from .render import LAYOUTS, render_pdf

log = logging.getLogger(__name__)
# Part of every cached kit's name: bump it when render.py's output changes for the same cards.
RENDERER_VERSION = "1"
# What a second request gets while the same user's kit is still being built.
BUILD_RETRY_AFTER = 30
# The address printed on cards built away from a request (the CLI) when PUBLIC_BASE_URL is unset.
DEFAULT_PUBLIC_BASE_URL = "http://localhost:8000"


def _today():
    return datetime.now(local_zone()).date()


def public_base_url() -> str:
    """Where shoppers reach this service: PUBLIC_BASE_URL, else the address this request came to,
    else (the CLI) the documented default."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return configured
    return request.host_url if has_request_context() else DEFAULT_PUBLIC_BASE_URL


def vendor_cards(vendor: Vendor, printed_on) -> list[KitCard]:
    """One card per active account (a stall with two accounts gets two), oldest account first."""
    base = public_base_url()
    return [
        make_card(
            market_name=vendor.market.name,
            market_code=vendor.market.code,
            stall_code=vendor.stall_code,
            display_name=vendor.display_name,
            account_name=account.account_name,
            bin_code=account.bin,
            account_number=account.account_number,
            printed_on=printed_on,
            public_base_url=base,
        )
        for account in sorted(vendor.accounts, key=lambda a: a.id)
        if account.active
    ]


def market_cards(actor, market_code: str) -> tuple[str, list[KitCard]]:
    """Market manager or above (region staff of its region, admin): every active stall's cards."""
    market = find_market(market_code)
    if actor is not None and (actor.role not in STAFF_ROLES or not can_read_market(actor, market)):
        raise Forbidden("Kits for a market are printed by its manager, region staff or an administrator.")
    vendors = db.session.scalars(
        select(Vendor)
        .options(selectinload(Vendor.accounts))
        .where(Vendor.market_id == market.id, Vendor.status == "active")
        .order_by(Vendor.stall_code)
    ).all()
    printed_on = _today()
    cards = [card for vendor in vendors for card in vendor_cards(vendor, printed_on)]
    if not cards:
        raise NotFound(f"Market {market.code} has no active stall with an active account to print.")
    return f"Thẻ sạp — {market.name}", cards


def stall_cards(actor, vendor_id: int) -> tuple[str, list[KitCard]]:
    """The stall's own vendor, or staff who may see the stall (assistants do not print)."""
    vendor = find_vendor(vendor_id)
    if actor is not None:
        if actor.role == "vendor_assistant":
            raise Forbidden("An assistant cannot print the stall's kit; ask the vendor or the market manager.")
        require_vendor_read(actor, vendor)
    if vendor.status != "active":
        raise Conflict("This stall is suspended: its cards are not printed until it is reactivated.")
    cards = vendor_cards(vendor, _today())
    if not cards:
        raise Conflict("This stall has no active account to print.")
    return f"Thẻ sạp {vendor.stall_code} — {vendor.market.name}", cards


def kit_fingerprint(layout: str, cards: list[KitCard]) -> str:
    """Changes when any card's data, the layout or a template file changes (the PDF's ETag)."""
    digest = hashlib.sha256(layout.encode())
    templates = Path(current_app.config["KITS_DIR"]) / "templates"
    for path in sorted(templates.glob("*.toml")):
        digest.update(path.name.encode() + path.read_bytes())
    digest.update(json.dumps([asdict(card) for card in cards], ensure_ascii=False).encode())
    return digest.hexdigest()[:32]


def kit_pdf(layout: str, title: str, cards: list[KitCard]) -> bytes:
    assert layout in LAYOUTS
    # A generator: each card's QR is rendered as it is printed, not all held at once.
    return render_pdf(Path(current_app.config["KITS_DIR"]), layout, (c.as_template_data() for c in cards), title)


def _store() -> KitStore:
    """This app's kit store (created on first use; the folder is shared by the machine's workers)."""
    store = current_app.extensions.get("market_pay_kit_store")
    if store is None:
        store = current_app.extensions.setdefault(
            "market_pay_kit_store",
            KitStore(Path(current_app.config["KIT_CACHE_DIR"]), current_app.config["KIT_CACHE_MAX_BYTES"]),
        )
    return store


def cached_kit_pdf(builder_id: int | None, layout: str, title: str, cards: list[KitCard], fingerprint: str) -> bytes:
    """The kit's PDF from the store, or built now (then kept) if no one has built these exact
    cards yet. One build at a time per user (`builder_id`, None for the command line):
    TooManyRequests while that user's previous build runs. Reads no database."""
    store = _store()
    key = hashlib.sha256(f"{RENDERER_VERSION}\0{fingerprint}\0{title}".encode()).hexdigest()
    pdf = store.get(key)
    if pdf is not None:
        return pdf
    with store.one_build(str(builder_id) if builder_id is not None else "cli") as mine:
        if not mine:
            raise TooManyRequests(
                BUILD_RETRY_AFTER, "Your previous kit is still being built; ask again when it is ready."
            )
        pdf = store.get(key)  # finished by someone else while we waited for the slot
        if pdf is None:
            started = time.monotonic()
            pdf = kit_pdf(layout, title, cards)
            store.put(key, pdf)
            log.info("kit built: %d cards, layout %s, %.1f s", len(cards), layout, time.monotonic() - started)
    return pdf
