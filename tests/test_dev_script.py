"""`./dev` runs every escalation-bot command, and an unknown task fails with the list."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from bot.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "dev"


def _parser_commands() -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return set(sub.choices)  # type: ignore[arg-type]


def test_dev_passes_every_cli_command_through():
    listed = re.search(r'^CLI_COMMANDS="([^"]*)"', DEV.read_text(), re.M)
    assert listed is not None
    assert set(listed.group(1).split()) | {"demo"} == _parser_commands()  # demo has its own task


def test_an_unknown_task_exits_non_zero_with_the_list():
    done = subprocess.run([str(DEV), "no-such-task"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "unknown task 'no-such-task'" in done.stderr
    for task in ("demo", "test", "bench", "image", "serve, check-config, manifest, db, export, oncall"):
        assert task in done.stderr
    assert "set -euo pipefail" not in done.stderr


def test_help_exits_zero():
    done = subprocess.run([str(DEV), "help"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and "./dev test" in done.stdout


def test_dev_db_status_reaches_the_cli():
    # .venv exists when the tests run, so `./dev` goes straight to escalation-bot.
    done = subprocess.run([str(DEV), "db", "--help"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0 and "upgrade" in done.stdout
