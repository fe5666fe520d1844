"""Package list for setuptools (everything else is in pyproject.toml).

The repository keeps migrations/ and vendor_kits/ at its top level, where they are edited and
where `flask db` and designers expect them; the wheel carries them inside the package as
market_pay._migrations and market_pay._vendor_kits (see market_pay/resources.py), so an
installed service finds them wherever it runs. pyproject.toml cannot combine automatic package
discovery with such a mapping, hence this file.
"""

from setuptools import find_packages, setup

BUNDLED = {
    "market_pay._migrations": "migrations",
    "market_pay._migrations.versions": "migrations/versions",
    "market_pay._vendor_kits": "vendor_kits",
}

setup(
    packages=find_packages(include=["market_pay", "market_pay.*"]) + list(BUNDLED),
    package_dir=BUNDLED,
)
