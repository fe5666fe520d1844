"""`market-pay … --help` works on a machine with no configuration (issue 22).

Every command's help is asked of the real console entry in a fresh process, with no MARKET_PAY_*
variable and a temporary working folder; commands that need the configuration then refuse with
one line (what to set), never a traceback. Start-up used to fail while Flask listed the app's
commands: a traceback, and only qr, bank, run, shell and routes were shown.
"""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import click
import pytest

from market_pay import create_app
from market_pay.cli import _MarketPayGroup, bank_cli, qr_cli

ROOT = Path(__file__).resolve().parents[1]


def _clean_env(**extra):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MARKET_PAY_", "FLASK_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def _run(args, tmp_path, **extra):
    return subprocess.run(
        [sys.executable, "-m", "market_pay.cli", *args],
        cwd=tmp_path,
        env=_clean_env(**extra),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _command_paths():
    """Every command and subcommand of the configured CLI, as argument lists (walked in-process)."""
    group = _MarketPayGroup(create_app=lambda: create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}))
    group.add_command(qr_cli)
    group.add_command(bank_cli)

    def walk(command, ctx, path):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            yield [*path, name]
            if isinstance(sub, click.Group):
                with click.Context(sub, info_name=name, parent=ctx) as sub_ctx:
                    yield from walk(sub, sub_ctx, [*path, name])

    with click.Context(group, info_name="market-pay") as ctx:
        return list(walk(group, ctx, []))


COMMANDS = _command_paths()


def test_the_walk_finds_the_commands_of_every_feature():
    names = {" ".join(path) for path in COMMANDS}
    assert {
        "serve",
        "db",
        "db upgrade",
        "bank simulate",
        "qr encode",
        "audit",
        "demo",
        "users create",
        "vendors import",
        "kits build",
        "report",
        "reconcile",
        "revenue book",
        "revenue rules update",
    } <= names


def test_top_level_help_lists_every_command_without_configuration(tmp_path):
    result = _run(["--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    listed = {line.split()[0] for line in result.stdout.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == {path[0] for path in COMMANDS}


def test_every_help_works_without_configuration(tmp_path):
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda path: (path, _run([*path, "--help"], tmp_path)), COMMANDS))
    for path, result in results:
        shown = " ".join(path)
        assert result.returncode == 0, (shown, result.stderr)
        assert "Traceback" not in result.stdout + result.stderr, shown
        assert f"{' '.join(path)} [OPTIONS]" in result.stdout, (shown, result.stdout)


@pytest.mark.parametrize(
    "args",
    [
        ["serve"],
        ["db", "upgrade"],
        ["demo"],
        ["routes"],
        ["run"],
        ["users", "create", "--username", "a", "--password", "b", "--role", "admin"],
    ],
)
def test_a_command_needing_the_secret_refuses_with_one_line(tmp_path, args):
    result = _run(args, tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: MARKET_PAY_SECRET_KEY is not set"), result.stderr
    assert "export MARKET_PAY_SECRET_KEY=" in lines[0] and "MARKET_PAY_DEMO=1" in lines[0]


def test_qr_commands_need_no_configuration(tmp_path):
    result = _run(["qr", "encode", "--bin", "970436", "--account", "0123456789"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("000201")


def test_help_works_with_a_secret_but_no_reachable_database(tmp_path):
    unreachable = {"MARKET_PAY_SECRET_KEY": "x" * 64, "MARKET_PAY_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    for args in (["--help"], ["db", "upgrade", "--help"], ["serve", "--help"]):
        result = _run(args, tmp_path, **unreachable)
        assert result.returncode == 0, (args, result.stderr)
        assert "Traceback" not in result.stdout + result.stderr
    result = _run(["db", "upgrade"], tmp_path, **unreachable)
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr


def test_help_works_with_a_malformed_database_url(tmp_path):
    broken = {"MARKET_PAY_SECRET_KEY": "x" * 64, "MARKET_PAY_DATABASE_URL": "not a url"}
    result = _run(["serve", "--help"], tmp_path, **broken)
    assert result.returncode == 0, result.stderr
    result = _run(["serve"], tmp_path, **broken)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "MARKET_PAY_DATABASE_URL" in result.stderr and "Traceback" not in result.stderr
