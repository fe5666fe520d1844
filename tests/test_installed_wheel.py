"""The wheel, installed into a new virtualenv and used from a folder outside the checkout (issue 22).

`pip install .` used to give a service whose every command failed (no kit templates, no
migrations in the package) and a build that warned about static/. This builds the wheel from a
copy of the sources (the checkout gets no build/ folder), installs it without its dependencies
into a new virtualenv that borrows them from the running one, and drives the installed
`market-pay` the way an operator would: help, db upgrade, demo, kits build, serve.

No network: the build uses the running environment's setuptools (--no-build-isolation).
"""

import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

from .servers import free_port

ROOT = Path(__file__).resolve().parents[1]
# What a wheel is built from; everything else in the checkout is left out of the copy.
SOURCES = ("pyproject.toml", "setup.py", "README.md", "market_pay", "migrations", "vendor_kits")

pytestmark = pytest.mark.slow


def _run(args, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the new virtualenv's bin folder, its site-packages) with the wheel installed."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, source / name)
    # Byte-compiling left on: setuptools says "warning: byte-compiling is disabled" otherwise.
    build_env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    build = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(source),
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-w",
            str(work / "dist"),
            "-v",
        ],
        env=build_env,
    )
    assert [line for line in (build.stdout + build.stderr).splitlines() if "warn" in line.lower()] == []
    wheel = next((work / "dist").glob("market_pay-*.whl"))

    venv = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    site_packages = Path(
        _run(
            [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
        ).stdout.strip()
    )
    # The dependencies come from the running environment: its site-packages folder goes on the
    # new one's path (a plain path line: its own .pth files, like an editable market_pay's, are not run).
    (site_packages / "running_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--no-deps",
            "--no-index",
            "--ignore-installed",
            str(wheel),
        ]
    )
    return venv / "bin", site_packages


@pytest.fixture
def operator_env(tmp_path):
    """A configured service whose database is a file in the temporary folder; nothing points
    at the checkout (PYTHONPATH is gone, the working folder is elsewhere)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MARKET_PAY_", "FLASK_")) and key != "PYTHONPATH"
    }
    env.update(
        {
            "MARKET_PAY_SECRET_KEY": "wheel-test-secret",
            "MARKET_PAY_DATABASE_URL": f"sqlite:///{tmp_path / 'service.db'}",
            "MARKET_PAY_KIT_CACHE_DIR": str(tmp_path / "kit_cache"),
        }
    )
    return env


def test_the_installed_package_runs_from_anywhere(installed, operator_env, tmp_path):
    bin_dir, site_packages = installed
    market_pay = str(bin_dir / "market-pay")

    def run(*args):
        return _run([market_pay, *args], cwd=tmp_path, env=operator_env).stdout

    where = _run(
        [
            str(bin_dir / "python"),
            "-c",
            "import market_pay, market_pay.bundled as b; print(market_pay.__file__); "
            "print(b.migrations_directory()); print(b.kits_directory())",
        ],
        cwd=tmp_path,
        env=operator_env,
    ).stdout.split()
    assert all(Path(path).is_relative_to(site_packages) for path in where), where
    assert not any(Path(path).is_relative_to(ROOT) for path in where)

    assert "serve" in run("--help")
    assert "Running upgrade" in _run([market_pay, "db", "upgrade"], cwd=tmp_path, env=operator_env).stderr
    run("demo", "--markets", "1", "--transactions", "50", "--days", "1")
    assert "card(s)" in run("kits", "build", "--market", "HG-TTHG", "-o", str(tmp_path / "kit.pdf"))
    assert (tmp_path / "kit.pdf").read_bytes().startswith(b"%PDF")
    # The former districts' table ships in the package as well.
    assert "Thành phố Huế (46): created 1 province" in run("regions", "import", "--province", "46")

    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [market_pay, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4"],
        cwd=tmp_path,
        env=operator_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert server.poll() is None, (tmp_path / "serve.log").read_text()
                time.sleep(0.1)
        else:
            pytest.fail("market-pay serve did not answer /healthz:\n" + (tmp_path / "serve.log").read_text())
        # A page (its template) and the stylesheet come from the installed package too.
        with urllib.request.urlopen(base + "/verify", timeout=10) as response:
            assert response.status == 200
        with urllib.request.urlopen(base + "/static/market_pay.css", timeout=10) as response:
            assert response.status == 200 and response.read()
    finally:
        server.send_signal(signal.SIGTERM)  # serve exec'd gunicorn: its master stops its workers
        server.wait(timeout=30)
        log.close()
