"""What the benchmarks share: a fresh database holding one market of stalls, set up through the
real command line."""

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]


def market_pay(env, *args):
    subprocess.run([sys.executable, "-m", "market_pay.cli", *args], env=env, cwd=ROOT, check=True, capture_output=True)


def recreate_database(url: str):
    if url.startswith("postgresql"):
        parsed = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
        admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
        admin.dispose()
    elif url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)


def market_database(url: str, accounts: list, tmp: Path) -> dict:
    """A new database with market BENCH whose stall n receives on accounts[n] = (bin, number).
    Returns the environment for running the service's commands against it."""
    recreate_database(url)
    env = {**os.environ, "MARKET_PAY_DATABASE_URL": url, "MARKET_PAY_SECRET_KEY": "bench-secret"}
    market_pay(env, "db", "upgrade")
    market_pay(env, "regions", "import", str(ROOT / "market_pay/data/regions_ha_giang.csv"))
    market_pay(env, "markets", "create", "--code", "BENCH", "--name", "Chợ benchmark", "--region", "00721")
    rows = ["stall_code,display_name,phone,floor_amount,bin,account_number,account_name"]
    rows += [f"S{n:05d},Sạp {n},0912345678,,{b},{a},NGUYEN THI {n}" for n, (b, a) in enumerate(accounts)]
    (tmp / "stalls.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    market_pay(env, "vendors", "import", str(tmp / "stalls.csv"), "--market", "BENCH")
    return env
