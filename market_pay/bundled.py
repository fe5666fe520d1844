"""Where the files the service reads at run time are: the Alembic migrations and the kit templates.

The repository keeps them at its top level (migrations/, vendor_kits/), where developers and
designers edit them; the wheel carries copies inside the package (market_pay/_migrations,
market_pay/_vendor_kits: setup.py maps them in at build time). An installed service uses the
copies inside its package; a checkout (or an editable install) has none there and uses the
repository's. Both are plain folders on disk: Alembic and the kit renderer read files by path.
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _bundled_or_repository(bundled: str, repository: str) -> Path:
    inside = _PACKAGE / bundled
    return inside if inside.is_dir() else _PACKAGE.parent / repository


def migrations_directory() -> Path:
    """The Alembic script directory (env.py, script.py.mako, versions/)."""
    return _bundled_or_repository("_migrations", "migrations")


def kits_directory() -> Path:
    """The vendor kits' folder (templates/, README.md); MARKET_PAY_KITS_DIR overrides it (config.py)."""
    return _bundled_or_repository("_vendor_kits", "vendor_kits")
