"""Signature checks for each callback partner. Pure module: bytes and secrets in, verdicts out.

Every comparison is constant-time (hmac.compare_digest) and every check accepts several live
secrets, so a partner's secret can rotate without downtime. See docs/CALLBACKS.md.
"""

import hashlib
import hmac
import json

# Timestamped schemes accept deliveries signed within this many seconds of our clock.
TOLERANCE_SECONDS = 300


class SignatureInvalid(Exception):
    """The delivery is not authentic (or too old / from the future); `reason` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def hmac_sha256_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _as_bytes(text: str) -> bytes:
    """Text given by the sender, as bytes for hmac.compare_digest, which refuses str with
    non-ASCII characters (a TypeError, once a 500): headers arrive latin-1-decoded and a payOS
    body may hold any character, even a lone surrogate, so none of it can be assumed ASCII."""
    return text.encode("utf-8", "replace")


def _matches_any(expected_by_secret, candidates) -> bool:
    # Compare against every (secret, candidate) pair without stopping early on a match.
    ok = False
    for expected in expected_by_secret:
        for candidate in candidates:
            ok |= hmac.compare_digest(expected.encode(), _as_bytes(candidate.lower()))
    return ok


def _check_timestamp(raw: str | None, now: float) -> int:
    # ASCII digits only: int() would also read "١٧٠٠…" or " 17 ", which no partner sends.
    if raw is None or not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        raise SignatureInvalid("missing or unreadable timestamp")
    timestamp = int(raw)
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise SignatureInvalid("timestamp outside the ±300 s window (stale or from the future)")
    return timestamp


def verify_simbank(header: str | None, body: bytes, secrets: list[str], now: float):
    """X-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]; hex = HMAC-SHA256(secret, "<t>." + body)."""
    if not header:
        raise SignatureInvalid("missing X-Signature header")
    timestamp = ""  # none given: refused as unreadable
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1":
            signatures.append(value)
    _check_timestamp(timestamp, now)
    if not signatures:
        raise SignatureInvalid("no v1 signature in X-Signature")
    message = timestamp.encode() + b"." + body
    if not _matches_any([hmac_sha256_hex(s, message) for s in secrets], signatures):
        raise SignatureInvalid("signature does not match")


def sign_simbank(secret: str, body: bytes, timestamp: int) -> str:
    """The X-Signature header a simbank delivery carries (used by the simulator and tests)."""
    return f"t={timestamp},v1={hmac_sha256_hex(secret, str(timestamp).encode() + b'.' + body)}"


def verify_sepay(headers, body: bytes, secrets: list[str], api_keys: list[str], now: float):
    """Either `Authorization: Apikey <key>`, or X-SePay-Timestamp + X-SePay-Signature: sha256=<hex>."""
    authorization = headers.get("Authorization", "")
    if authorization.lower().startswith("apikey "):
        given = authorization[7:].strip()
        # A list, not a generator: every key is compared, so the time says nothing about which matched.
        if not any([hmac.compare_digest(_as_bytes(key), _as_bytes(given)) for key in api_keys]):  # noqa: C419
            raise SignatureInvalid("API key does not match")
        return
    signature = headers.get("X-SePay-Signature", "")
    if not signature.startswith("sha256="):
        raise SignatureInvalid("missing Authorization: Apikey or X-SePay-Signature")
    timestamp = headers.get("X-SePay-Timestamp")
    _check_timestamp(timestamp, now)
    message = timestamp.encode() + b"." + body
    if not _matches_any([hmac_sha256_hex(s, message) for s in secrets], [signature[7:]]):
        raise SignatureInvalid("signature does not match")


def sign_sepay(secret: str, body: bytes, timestamp: int) -> dict:
    return {
        "X-SePay-Timestamp": str(timestamp),
        "X-SePay-Signature": "sha256=" + hmac_sha256_hex(secret, str(timestamp).encode() + b"." + body),
    }


def _payos_value(value) -> str:
    """payOS's canonical text for one value of `data`."""
    if value is None or value in ("null", "undefined"):
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, list):
        return json.dumps([_sorted_object(v) for v in value], ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, dict):
        return json.dumps(_sorted_object(value), ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _sorted_object(value):
    return {k: value[k] for k in sorted(value)} if isinstance(value, dict) else value


def payos_signature(secret: str, data: dict) -> str:
    """HMAC-SHA256 over k1=v1&k2=v2… of `data`, keys sorted; every key takes part, so fields
    payOS adds later are covered too (and never break verification)."""
    canonical = "&".join(f"{key}={_payos_value(data[key])}" for key in sorted(data))
    return hmac_sha256_hex(secret, canonical.encode())


def verify_payos(payload: dict, secrets: list[str]):
    data, signature = payload.get("data"), payload.get("signature")
    if not isinstance(data, dict) or not isinstance(signature, str) or not signature:
        raise SignatureInvalid("missing data or signature")
    if not _matches_any([payos_signature(s, data) for s in secrets], [signature]):
        raise SignatureInvalid("signature does not match")
