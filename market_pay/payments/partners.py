"""Callback partners' credentials: set (declaratively, for rotation) and read."""

import hashlib
import time
from collections.abc import Sequence

from sqlalchemy import delete, select

from ..app_state import app_state
from ..audit.services import record_change
from ..errors import ValidationFailed
from ..extensions import db
from .models import PartnerCredential
from .partner_formats import PARTNERS, PULL_TOKEN_PARTNERS, STATEMENT_PARTNERS


def set_credentials(
    partner: str,
    secrets: list[str],
    api_keys: list[str],
    actor=None,
    pull_tokens: Sequence[str] = (),
    client_ids: Sequence[str] = (),
) -> dict:
    """Replace the partner's live credentials with exactly these (two secrets = rotation window).

    `pull_tokens` are what we send when we call the partner's API (SePay's API token, Casso's API
    key, payOS's x-api-key); `client_ids` payOS's x-client-id. A partner may have pull credentials
    and no callback secret (Casso has only those). The audit log records fingerprints only, never
    the values.
    """
    pull_tokens, client_ids = list(pull_tokens), list(client_ids)
    if partner not in STATEMENT_PARTNERS:
        raise ValidationFailed(errors={"partner": [f"One of: {', '.join(STATEMENT_PARTNERS)}."]})
    if not secrets and not api_keys and not pull_tokens and not client_ids:
        raise ValidationFailed(errors={"secret": ["Give at least one --secret, --api-key or --pull-token."]})
    if (secrets or api_keys) and partner not in PARTNERS:
        raise ValidationFailed(errors={"secret": [f"{partner} sends no callbacks: give its --pull-token only."]})
    if api_keys and partner != "sepay":
        raise ValidationFailed(errors={"api_key": ["Only SePay authenticates with an API key."]})
    if pull_tokens and partner not in PULL_TOKEN_PARTNERS:
        raise ValidationFailed(
            errors={"pull_token": [f"Only {', '.join(PULL_TOKEN_PARTNERS)} have an API we pull from."]}
        )
    if client_ids and partner != "payos":
        raise ValidationFailed(errors={"client_id": ["Only payOS has a client id."]})
    for value in secrets + api_keys + pull_tokens + client_ids:
        if len(value) < 8 or len(value) > 200:
            raise ValidationFailed(errors={"secret": ["Each secret or key is 8 to 200 characters."]})
    db.session.execute(delete(PartnerCredential).where(PartnerCredential.partner == partner))
    given = (("secret", secrets), ("api_key", api_keys), ("pull_token", pull_tokens), ("client_id", client_ids))
    db.session.add_all(
        [PartnerCredential(partner=partner, kind=kind, value=v) for kind, values in given for v in values]
    )
    summary = {
        "partner": partner,
        "secrets": [fingerprint(v) for v in secrets],
        "api_keys": [fingerprint(v) for v in api_keys],
        "pull_tokens": [fingerprint(v) for v in pull_tokens],
        "client_ids": [fingerprint(v) for v in client_ids],
    }
    record_change(actor, "partner.credentials", "partner", partner, summary)
    forget_cached_credentials()
    return summary


def pull_credentials(partner: str) -> dict[str, list[str]]:
    """{"pull_token": [...], "client_id": [...]} live for the partner (read when a pull starts:
    not cached, a pull is rare)."""
    rows = db.session.execute(
        select(PartnerCredential.kind, PartnerCredential.value)
        .where(PartnerCredential.partner == partner, PartnerCredential.kind.in_(("pull_token", "client_id")))
        .order_by(PartnerCredential.id)
    ).all()
    found: dict[str, list[str]] = {"pull_token": [], "client_id": []}
    for kind, value in rows:
        found[kind].append(value)
    return found


def _live_rows(partner: str) -> Sequence[PartnerCredential]:
    """The partner's live callback credentials (secrets, API keys): rotation counts these only."""
    return db.session.scalars(
        select(PartnerCredential)
        .where(PartnerCredential.partner == partner, PartnerCredential.kind.in_(("secret", "api_key")))
        .order_by(PartnerCredential.id)
    ).all()


def add_credential(partner: str, kind: str, value: str, actor=None) -> dict:
    """Rotation's first step: a new secret (or SePay API key) goes live beside the current ones,
    so callbacks signed with either are accepted until the old one is retired. The audit log
    records its fingerprint only."""
    if partner not in PARTNERS:
        raise ValidationFailed(errors={"partner": [f"One of: {', '.join(PARTNERS)}."]})
    if kind not in ("secret", "api_key") or (kind == "api_key" and partner != "sepay"):
        raise ValidationFailed(errors={"kind": ["A secret; an API key only for SePay."]})
    if not 8 <= len(value) <= 200:
        raise ValidationFailed(errors={"secret": ["Each secret or key is 8 to 200 characters."]})
    live = _live_rows(partner)
    if len(live) >= 4:
        raise ValidationFailed(errors={"secret": ["Retire an old credential first (at most four are live)."]})
    if any(row.kind == kind and row.value == value for row in live):
        raise ValidationFailed(errors={"secret": ["This one is live already."]})
    db.session.add(PartnerCredential(partner=partner, kind=kind, value=value))
    summary = {"partner": partner, "kind": kind, "added": fingerprint(value)}
    record_change(actor, "partner.credential_add", "partner", partner, summary)
    forget_cached_credentials()
    return summary


def retire_credential(partner: str, print_: str, actor=None) -> dict:
    """Rotation's last step: drop the live credential with this fingerprint. A partner's last
    credential cannot be retired (every callback would be refused): add its successor first."""
    live = _live_rows(partner)
    matching = [row for row in live if fingerprint(row.value) == print_]
    if not matching:
        raise ValidationFailed(errors={"fingerprint": ["No live credential of this partner has this fingerprint."]})
    if len(matching) == len(live):
        raise ValidationFailed(errors={"fingerprint": ["This is the partner's last credential: add a new one first."]})
    for row in matching:
        db.session.delete(row)
    summary = {"partner": partner, "retired": print_}
    record_change(actor, "partner.credential_retire", "partner", partner, summary)
    forget_cached_credentials()
    return summary


def fingerprint(value: str) -> str:
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()[:12]


# Credentials are read on every callback; each process keeps them this long (on its app: see
# app_state.py). A rotation (new secret added, old one removed) therefore takes effect everywhere
# within this many seconds.
CREDENTIAL_CACHE_SECONDS = 10.0


def credentials(partner: str) -> tuple[list[str], list[str]]:
    """(secrets, api_keys) currently live for the partner."""
    now = time.monotonic()
    cache = app_state().partner_credentials
    cached = cache.get(partner)
    if cached and now - cached[0] < CREDENTIAL_CACHE_SECONDS:
        return cached[1]
    rows = db.session.execute(
        select(PartnerCredential.kind, PartnerCredential.value).where(PartnerCredential.partner == partner)
    ).all()
    live = ([v for k, v in rows if k == "secret"], [v for k, v in rows if k == "api_key"])
    cache[partner] = (now, live)
    return live


def forget_cached_credentials(app=None):
    """Drop this app's cache (after `partners set` here, and between tests)."""
    app_state(app).partner_credentials.clear()


def describe_all() -> list[dict]:
    rows = db.session.scalars(select(PartnerCredential).order_by(PartnerCredential.partner, PartnerCredential.id))
    return [
        {"partner": r.partner, "kind": r.kind, "fingerprint": fingerprint(r.value), "since": r.created_at.isoformat()}
        for r in rows
    ]
