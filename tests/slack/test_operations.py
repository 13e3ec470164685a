"""Operating the bot: /readyz, the auditor that notices a stalled tick or late timers and tells the
leads, and a graceful shutdown (requests in flight finish, claims are handed back)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.clock import FakeClock
from bot.domain.job import JobState
from bot.jobs.runner import JobRunner
from bot.services.auditor import AuditLimits
from bot.store.store import Store
from slack_standin import SlackStandIn
from tests.slack.conftest import audits_pass, file_case, in_days, wait_until
from tests.test_cli import config_dir  # noqa: F401  (fixture)

FAST = AuditLimits(
    every=timedelta(seconds=0.2),
    late_after=timedelta(seconds=1),
    stalled_after=timedelta(seconds=1),
    store_down_after=timedelta(seconds=1),
)


def get(bot, path: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{bot.http.port}{path}", timeout=3) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def leads_posts(standin: SlackStandIn) -> list[str]:
    return [c.args["text"] for c in standin.calls("chat.postMessage") if c.args.get("channel") == "C0LEADS" and c.ok]


def test_the_auditor_reports_within_a_minute_with_its_defaults():
    limits = AuditLimits()
    assert limits.every + max(limits.stalled_after, limits.late_after) <= timedelta(seconds=60)


def test_readyz_is_ready_when_the_store_is_current_and_the_tick_runs(standin: SlackStandIn, bot):
    wait_until(lambda: bot.ticker.last_tick_at is not None)
    status, body = get(bot, "/readyz")
    assert status == 200, body
    assert body["checks"] == {"shutdown": "ok", "store": "ok", "scheduler": "ok", "slack": "ok"}


def test_readyz_is_not_ready_when_the_schema_moves_on_under_it(standin: SlackStandIn, bot):
    with bot.store.transaction() as tx:
        tx.session.execute(text("UPDATE alembic_version SET version_num = '9999_newer'"))
    status, body = get(bot, "/readyz")
    assert status == 503
    assert "9999_newer" in body["checks"]["store"]
    assert get(bot, "/healthz")[0] == 200  # alive all the same: a restart would not help


def test_a_stalled_tick_is_reported_to_the_leads_and_makes_the_replica_unready(standin: SlackStandIn, bot):
    """Fault matrix #13: pause the tick loop; the auditor, on its own thread, notices the stall and
    the late timers, tells the leads' channel once each, and /readyz says not ready."""
    wait_until(lambda: bot.ticker.last_tick_at is not None)
    gate, entered = threading.Event(), threading.Event()
    run_due = bot.runner.run_due

    def stuck(**kwargs):
        entered.set()
        gate.wait(20)
        return run_due(**kwargs)

    bot.runner.run_due = stuck
    bot.watchdog.set_limits(FAST)
    bot.ticker.kick()  # an idle loop sleeps until work arrives: the next round is the one that blocks
    assert entered.wait(5)  # ticks never overlap: the tick that was running has finished, this one blocks
    file_case(standin, deadline=in_days(2))  # its posts and its page are due now, and wait
    try:
        found = wait_until(lambda: [t for t in leads_posts(standin) if "has stalled" in t], timeout=10)
        late = wait_until(lambda: [t for t in leads_posts(standin) if "running late" in t], timeout=10)
        assert bot.runner.worker in found[0]
        assert "case ADS-1001" in late[0]
        status, body = get(bot, "/readyz")
        assert status == 503 and body["checks"]["scheduler"].startswith("stalled")
        audits_pass(bot, 3)  # the auditor looked again, still stalled
        assert len([t for t in leads_posts(standin) if "has stalled" in t]) == 1  # once per stall
    finally:
        gate.set()
        bot.runner.run_due = run_due
    # The tick resumes: the case reaches its channel and the replica is ready again.
    wait_until(lambda: [c for c in standin.calls("chat.postMessage") if c.args.get("channel") == "C0ESCALATE"])
    wait_until(lambda: get(bot, "/readyz")[0] == 200, timeout=10)


def test_shutdown_finishes_the_job_in_hand_and_hands_the_rest_of_the_batch_back(tmp_path: Path):
    store = Store.open(f"sqlite:///{tmp_path / 'jobs.db'}")
    clock = FakeClock(datetime(2026, 11, 28, 22, 0, tzinfo=UTC))
    ran: list[str] = []
    runner: JobRunner

    def handler(job):
        ran.append(job.key)
        runner.stop()  # SIGTERM arrives while the first job of the batch runs
        return None

    runner = JobRunner(store=store, clock=clock, handlers={"t": handler}, give_up=lambda *a: None, parallel=1)
    with store.transaction() as tx:
        for n in range(5):
            tx.jobs.enqueue(kind="t", key=f"t:{n}", due_at=clock.now(), now=clock.now())
    assert runner.run_due() == 1
    assert ran == ["t:0"]
    with store.read() as tx:
        states = tx.jobs.states(kind="t")
        attempts = dict(tx.session.execute(text("SELECT key, attempts FROM jobs")).all())
    assert states == {"t:0": JobState.DONE, **{f"t:{n}": JobState.PENDING for n in range(1, 5)}}
    assert attempts == {"t:0": 1, **{f"t:{n}": 0 for n in range(1, 5)}}  # handed back without a used attempt
    # Another replica (or the next start) runs them.
    other = JobRunner(store=store, clock=clock, handlers={"t": lambda job: ran.append(job.key)}, give_up=lambda *a: 0)
    assert other.run_due() == 4
    store.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.usefixtures("bots_on_the_wall_clock")
def test_sigterm_finishes_the_request_in_flight_then_exits_cleanly(config_dir: Path):  # noqa: F811
    """SIGTERM: /readyz goes 503 at once, the acknowledged command's views.open (still hanging in
    Slack) completes, new connections are refused, and the process exits 0."""
    with SlackStandIn(signing_secret="proc-secret", bot_token="xoxb-sandbox") as slack:
        port = _free_port()
        env = os.environ | {
            "SLACK_BOT_TOKEN": "xoxb-sandbox",
            "SLACK_SIGNING_SECRET": "proc-secret",
            "SLACK_API_URL": slack.api_url,
            "DATABASE_URL": f"sqlite:///{config_dir / 'proc.db'}",
            "LOG_FORMAT": "text",
        }
        command = [sys.executable, "-m", "bot.cli", "serve", "--http", "--host", "127.0.0.1", "--port", str(port)]
        process = subprocess.Popen(
            [*command, "--config", str(config_dir / "app.yaml")],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/readyz", timeout=1) as reply:
                        assert json.loads(reply.read())["status"] == "ready"
                        break
                except (OSError, urllib.error.HTTPError):
                    assert process.poll() is None, process.stdout.read() if process.stdout else ""
                    assert time.monotonic() < deadline, "the server did not become ready"
                    time.sleep(0.1)
            slack.bot_url = f"{base}/slack/events"
            slack.faults.add("views.open", hang=2.0)
            response = slack.user("U0REP1").slash_command("/ad-escalate", channel_id="C0SALES")
            assert response.status == 200  # acknowledged; the modal is still on its way
            wait_until(lambda: slack.faults.fired)  # views.open has reached Slack and hangs there
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=20) == 0
            output = process.stdout.read() if process.stdout else ""
        finally:
            if process.poll() is None:
                process.kill()
        opened = slack.calls("views.open")
        assert len(opened) == 1 and opened[0].ok, output  # the work the request started was finished
        assert "stopped" in output
        with pytest.raises(urllib.error.URLError, match="refused"):
            urllib.request.urlopen(f"{base}/healthz", timeout=1)
