"""Start-up fails in one line: Slack unreachable, a token Slack refuses, the port taken, the database
missing — each one clear line on stderr, a non-zero exit, and no job run (it binds before the loop)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from slack_standin import SlackStandIn
from tests.conftest import POSTGRES_URL, postgres_unavailable
from tests.paging_procs import ROOT, SECRET, TOKEN, free_port, sql, write_config

pytestmark = [pytest.mark.timeout(60), pytest.mark.usefixtures("bots_on_the_wall_clock")]


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(signing_secret=SECRET, bot_token=TOKEN) as running_standin:
        yield running_standin


def serve(config: Path, *, api_url: str, database_url: str, port: int, token: str = TOKEN) -> tuple[int, str]:
    env = os.environ | {
        "SLACK_BOT_TOKEN": token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api_url,
        "DATABASE_URL": database_url,
        "PYTHONPATH": str(ROOT),
        "LOG_FORMAT": "json",
    }
    cmd = [sys.executable, "-m", "bot.cli", "--config", str(config), "serve", "--http"]
    cmd += ["--host", "127.0.0.1", "--port", str(port)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=45, cwd=ROOT)
    return done.returncode, done.stderr


def one_clear_line(stderr: str) -> str:
    """The lines a person reads (log lines are JSON objects; a failure is plain text), exactly one."""
    plain = [line for line in stderr.splitlines() if line.strip() and not line.startswith("{")]
    assert len(plain) == 1, stderr
    assert "Traceback" not in stderr
    return plain[0]


def test_slack_unreachable(tmp_path: Path):
    config = write_config(tmp_path / "config")
    closed = free_port()  # nothing listens there
    code, stderr = serve(
        config, api_url=f"http://127.0.0.1:{closed}/api/", database_url=f"sqlite:///{tmp_path / 'bot.db'}", port=0
    )
    assert code != 0
    assert one_clear_line(stderr).startswith(f"cannot start: Slack is unreachable at http://127.0.0.1:{closed}/api/")


def test_a_token_slack_refuses(tmp_path: Path, standin: SlackStandIn):
    config = write_config(tmp_path / "config")
    code, stderr = serve(
        config,
        api_url=standin.api_url,
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        port=0,
        token="xoxb-revoked",
    )
    assert code != 0
    assert (
        one_clear_line(stderr)
        == "cannot start: Slack refused SLACK_BOT_TOKEN (invalid_auth): check the token in the environment"
    )


def test_the_port_in_use_fails_before_any_job_runs(tmp_path: Path, standin: SlackStandIn):
    config = write_config(tmp_path / "config")
    db = f"sqlite:///{tmp_path / 'bot.db'}"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, stderr = serve(config, api_url=standin.api_url, database_url=db, port=port)
    assert code != 0
    assert one_clear_line(stderr).startswith(f"cannot start: cannot listen on 127.0.0.1:{port}: ")
    # No job loop ran: this process never beat, never claimed.
    assert sql(db, "select count(*) from workers")[0][0] == 0
    assert not [c for c in standin.calls() if c.method != "auth.test"]


def test_the_database_missing(tmp_path: Path, standin: SlackStandIn):
    if postgres_unavailable():
        pytest.skip("needs Postgres")
    config = write_config(tmp_path / "config")
    base = POSTGRES_URL.rsplit("/", 1)[0]
    code, stderr = serve(config, api_url=standin.api_url, database_url=f"{base}/no_such_database_15", port=0)
    assert code != 0
    line = one_clear_line(stderr)
    assert (
        line.startswith("cannot start: cannot reach the database")
        and 'database "no_such_database_15" does not exist' in line
    )
