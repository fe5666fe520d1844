"""Configuration: defaults plus MARKET_PAY_* environment variables; fails fast on a missing secret."""

import os
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .bundled import kits_directory


class ConfigError(RuntimeError):
    """Start-up configuration is missing or wrong; the message says what to set."""


DEFAULTS = {
    "TIMEZONE": "Asia/Ho_Chi_Minh",
    # Bodies larger than this answer 413 before any parsing (CSV uploads included).
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    # Bank statement uploads (POST /api/v1/statements) may be far larger: a province's day.
    "STATEMENT_MAX_BYTES": 512 * 1024 * 1024,
    # Region staff reconcile their area's accounts only: a smaller limit (issue 18 item 10).
    "STATEMENT_MAX_BYTES_REGION": 64 * 1024 * 1024,
    "TOKEN_TTL_SECONDS": 12 * 3600,
    # A stall's phone stays signed in: vendors and assistants get long-lived tokens.
    "VENDOR_TOKEN_TTL_SECONDS": 30 * 24 * 3600,
    # Sign-in attempts (counted before the password is checked; a success is taken back).
    # Per account and client (address, or the account's own trusted device) in the window:
    "LOGIN_MAX_FAILURES_PER_USER_AND_CLIENT": 5,
    "LOGIN_THROTTLE_WINDOW_SECONDS": 15 * 60,
    # A slower ceiling per account from anywhere except its own trusted device (guessing spread
    # over many addresses): at most 20 an hour, 480 a day, for 10^6 six-digit PINs.
    "LOGIN_MAX_FAILURES_PER_USER": 20,
    "LOGIN_USER_WINDOW_SECONDS": 3600,
    # Per client address, whatever the account (one address guessing many accounts).
    "LOGIN_MAX_FAILURES_PER_ADDRESS": 30,
    # The public "is this code genuine?" check, per client address.
    "VERIFY_RATE_LIMIT": 30,
    "VERIFY_RATE_WINDOW_SECONDS": 60,
    # Where shoppers reach this service ("https://cho.example.vn"): printed on stall cards as the
    # verify address. Unset: the address a request came to; the CLI prints http://localhost:8000.
    "PUBLIC_BASE_URL": None,
    # An uploaded photo (POST /verify) is refused from its header, before decoding, beyond these
    # (vietqr/photos.py: a 37 KB PNG can announce 13,000 × 13,000 pixels). MAX_CONTENT_LENGTH
    # applies first, to the whole request: raise both to accept larger phone photos.
    "PHOTO_MAX_BYTES": 8 * 1024 * 1024,
    "PHOTO_MAX_PIXELS": 4096 * 4096,
    # Stall boards' event streams (stalls/stream_slots.py), counted per worker process: a board
    # needs one; a few tabs are allowed, then 429. A stream ends after STREAM_MAX_SECONDS and the
    # page reconnects, so one a sleeping phone left behind is freed even if no write ever fails.
    "STREAMS_PER_SESSION": 3,
    "STREAMS_PER_STALL": 6,
    "STREAM_MAX_SECONDS": 10 * 60,
    "STREAM_HEARTBEAT_SECONDS": 15,
    # Partners' APIs we call (reconciliation/pull/, docs/STATEMENTS.md): their documented production
    # hosts; tests point them at a local fake. SePay's older list lives on another host than v2.
    "SEPAY_API_URL": "https://userapi.sepay.vn",
    "SEPAY_LEGACY_API_URL": "https://my.sepay.vn",
    "CASSO_API_URL": "https://oauth.casso.vn",
    "PAYOS_API_URL": "https://api-merchant.payos.vn",
    "SEPAY_API": "v2",  # which SePay list `statements pull` reads: v2 | legacy
    # The daily pull (reconciliation/pull/schedule.py): partners to pull yesterday from, once the
    # Vietnam-time hour has come; empty: off.
    "STATEMENT_PULL": (),
    "STATEMENT_PULL_HOUR": 6,
    # Bounds of one pull: records and pages of one day, and the time for all its requests (waits
    # for 429 and retries included); then it fails whole and can be retried.
    "STATEMENT_PULL_MAX_RECORDS": 200_000,
    "STATEMENT_PULL_MAX_PAGES": 2_500,
    "STATEMENT_PULL_PAGE_SIZE": 100,  # records per page asked of v2 lists (both partners allow 100)
    "SEPAY_LEGACY_LIMIT": 5000,  # SePay's older list: records per call (its maximum)
    "STATEMENT_PULL_BUDGET_SECONDS": 600,
    "STATEMENT_PULL_MIN_INTERVAL_SECONDS": 0.4,  # SePay allows about 3 requests a second
    "PAGE_SIZE_DEFAULT": 50,
    "PAGE_SIZE_MAX": 500,
    "DEMO": False,
    # Where bank transactions are matched to stalls: thread | inline | off (payments/match_worker.py).
    "MATCHER": "thread",
    # hide_parameters: a database error in the log never shows the statement's values (account
    # numbers, callback bodies, tokens' hashes).
    # No pool_pre_ping: extensions.configure_postgres_engine pings only connections left idle.
    "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
    # The stall board's sign-in cookie: a month on the stall's phone, never readable by scripts,
    # not sent on cross-site requests; Secure when MARKET_PAY_SECURE_COOKIES=1 (behind HTTPS).
    "PERMANENT_SESSION_LIFETIME": 30 * 24 * 3600,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "market_pay_session",
    # `market-pay statements check-payos`: payment requests asked of payOS per run, and the
    # whole check's time budget in seconds (retries and Retry-After waits included).
    "PAYOS_CHECK_MAX_REQUESTS": 2000,
    "PAYOS_CHECK_BUDGET_SECONDS": 15 * 60,
}


def normalise_database_url(url: str) -> str:
    """Let operators write plain postgresql:// URLs; we ship psycopg 3, not psycopg2."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_config(app, test_config=None):
    """Fill app.config from defaults, the environment and (in tests) an explicit mapping."""
    app.config.update(DEFAULTS)
    env = os.environ
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config["DEMO"] = env.get("MARKET_PAY_DEMO", "") in ("1", "true", "yes")
    app.config["TIMEZONE"] = env.get("MARKET_PAY_TIMEZONE", DEFAULTS["TIMEZONE"])
    app.config["SECRET_KEY"] = env.get("MARKET_PAY_SECRET_KEY")
    app.config["SESSION_COOKIE_SECURE"] = env.get("MARKET_PAY_SECURE_COOKIES") == "1"
    app.config["MATCHER"] = env.get("MARKET_PAY_MATCHER", DEFAULTS["MATCHER"])
    app.config["PUBLIC_BASE_URL"] = env.get("MARKET_PAY_PUBLIC_BASE_URL") or None
    app.config["METRICS_TOKEN"] = env.get("MARKET_PAY_METRICS_TOKEN") or None
    # Off on a read replica: reports then read the rollups as the primary keeps them.
    app.config["REPORT_REFRESH"] = env.get("MARKET_PAY_REPORT_REFRESH", "1") != "0"
    # The tax rules table the revenue page reads (revenue/outlook.py); unset: instance/tax_rules.json.
    app.config["REVENUE_TAX_RULES"] = env.get("MARKET_PAY_REVENUE_TAX_RULES") or None
    # Built kit PDFs, by content (kits/builds.py): shared by the machine's workers, bounded.
    app.config["KIT_CACHE_DIR"] = env.get("MARKET_PAY_KIT_CACHE_DIR", os.path.join(app.instance_path, "kit_cache"))
    app.config["KIT_CACHE_MAX_BYTES"] = 512 * 1024 * 1024
    # The printable kits' templates: the repository's vendor_kits/ (where designers edit them) or,
    # installed, the copy inside the package (bundled.py); MARKET_PAY_KITS_DIR points elsewhere.
    app.config["KITS_DIR"] = env.get("MARKET_PAY_KITS_DIR") or str(kits_directory())
    # An ISO 20022 XSD to validate camt statements against while they are read (off when unset).
    app.config["CAMT_SCHEMA_PATH"] = env.get("MARKET_PAY_CAMT_SCHEMA_PATH") or None
    for key in ("SEPAY_API_URL", "SEPAY_LEGACY_API_URL", "CASSO_API_URL", "PAYOS_API_URL", "SEPAY_API"):
        app.config[key] = env.get(f"MARKET_PAY_{key}") or DEFAULTS[key]
    app.config["STATEMENT_PULL"] = tuple(
        name.strip() for name in env.get("MARKET_PAY_STATEMENT_PULL", "").split(",") if name.strip()
    )
    for key in ("STATEMENT_PULL_HOUR", "STATEMENT_PULL_MAX_RECORDS", "STATEMENT_PULL_BUDGET_SECONDS"):
        if env.get(f"MARKET_PAY_{key}", "").isdigit():
            app.config[key] = int(env[f"MARKET_PAY_{key}"])
    for key in (
        "STREAMS_PER_SESSION",
        "STREAMS_PER_STALL",
        "STREAM_MAX_SECONDS",
        "STREAM_HEARTBEAT_SECONDS",
        "PAYOS_CHECK_MAX_REQUESTS",
        "PAYOS_CHECK_BUDGET_SECONDS",
    ):
        if env.get(f"MARKET_PAY_{key}", "").isdigit():
            app.config[key] = max(1, int(env[f"MARKET_PAY_{key}"]))
    default_db = "sqlite:///" + os.path.join(app.instance_path, "market_pay.db")
    app.config["SQLALCHEMY_DATABASE_URI"] = env.get("MARKET_PAY_DATABASE_URL", default_db)
    if test_config:
        app.config.update(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # The pool hands out the connection returned last, not the one idle longest: that one
        # needs no ping (extensions.configure_postgres_engine pings only connections idle for
        # 5 s), and at low traffic the spare connections age instead of each being pinged in turn.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_use_lifo": True, **app.config["SQLALCHEMY_ENGINE_OPTIONS"]}
    if app.config.get("CLI_HELP_ONLY"):
        return  # an app that only lists the CLI's commands (cli.py): it never serves nor runs one

    if not app.config.get("SECRET_KEY"):
        if app.config["DEMO"] or app.config.get("TESTING"):
            app.config["SECRET_KEY"] = _demo_secret(app.instance_path)
        else:
            raise ConfigError(
                "MARKET_PAY_SECRET_KEY is not set. Set it to a long random string, e.g. "
                "export MARKET_PAY_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))') "
                "(or MARKET_PAY_DEMO=1 for the demo)"
            )
    if app.config["MATCHER"] not in ("thread", "inline", "off"):
        raise ConfigError("MARKET_PAY_MATCHER must be thread, inline or off")
    if app.config["SEPAY_API"] not in ("v2", "legacy"):
        raise ConfigError("MARKET_PAY_SEPAY_API must be v2 or legacy")
    unknown = [name for name in app.config["STATEMENT_PULL"] if name not in ("sepay", "casso")]
    if unknown or not 0 <= app.config["STATEMENT_PULL_HOUR"] <= 23:
        raise ConfigError(
            "MARKET_PAY_STATEMENT_PULL lists partners to pull daily: sepay, casso (comma-separated); "
            "MARKET_PAY_STATEMENT_PULL_HOUR is a Vietnam-time hour, 0 to 23"
        )
    if not (Path(app.config["KITS_DIR"]) / "templates").is_dir():
        raise ConfigError(
            f"MARKET_PAY_KITS_DIR={app.config['KITS_DIR']!r} has no templates/ folder "
            "(it should point at the project's vendor_kits/)"
        )
    try:
        ZoneInfo(app.config["TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"MARKET_PAY_TIMEZONE={app.config['TIMEZONE']!r} is not a known time zone") from exc


def _demo_secret(instance_path: str) -> str:
    """A per-installation secret for the demo, kept under instance/ so restarts keep sessions."""
    path = Path(instance_path) / "demo_secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()
