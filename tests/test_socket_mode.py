"""`escalation-bot serve` in Socket Mode as a real process: it dials the stand-in and takes an intake end to end."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from bot.services.open_case import POST_ROOT
from slack_standin import SlackStandIn, posted_by
from tests.slack.conftest import prelaunch_values

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "app.yaml", tmp_path / "app.yaml")
    shutil.copytree(ROOT / "escalation_flows", tmp_path / "escalation_flows")
    shutil.copytree(ROOT / "oncall_schedules", tmp_path / "oncall_schedules")
    return tmp_path


def _wait_for_socket(slack: SlackStandIn, process: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            slack.wait_for_socket(timeout=0.2)
            return
        except TimeoutError:
            assert process.poll() is None, f"the bot exited early:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"the bot did not connect in {timeout} s:\n{log.read_text()}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _posts_the_case(message: dict[str, Any]) -> bool:
    """Whether a chat.postMessage (its arguments, or the stored message) is a case's root post."""
    job = posted_by(message)
    return job is not None and job[0].startswith(POST_ROOT)


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.usefixtures("bots_on_the_wall_clock")
def test_serve_in_socket_mode_connects_and_takes_an_intake_end_to_end(config_dir: Path):
    log = config_dir / "serve.log"
    port = _free_port()
    with SlackStandIn(signing_secret="proc-secret", transport="socket") as slack, log.open("wb") as out:
        env = {k: v for k, v in os.environ.items() if k != "SLACK_SIGNING_SECRET"} | {
            # No signing secret: Socket Mode's requests come over the app token's websocket.
            "SLACK_BOT_TOKEN": "xoxb-sandbox",
            "SLACK_APP_TOKEN": "xapp-sandbox",
            "SLACK_API_URL": slack.api_url,
            "DATABASE_URL": f"sqlite:///{config_dir / 'socket.db'}",
            "LOG_FORMAT": "json",
        }
        command = [
            sys.executable,
            "-m",
            "bot.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--config",
            str(config_dir / "app.yaml"),
        ]
        # Output goes to a file: a full pipe nobody reads would stall the bot.
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        try:
            _wait_for_socket(slack, process, log, timeout=30)
            assert slack.calls("apps.connections.open")[0].headers["authorization"] == "Bearer xapp-sandbox"

            person = slack.user("U0REP1")
            command_ack = person.slash_command("/ad-escalate", channel_id="C0SALES")
            assert command_ack.ok, command_ack
            assert slack.wait_for_call("views.open").ok

            mark = slack.calls()[-1].seq
            picked = person.select(person.open_view(), "flow_pick", "flow_pick", "prelaunch_review")
            assert picked is not None and picked.ok, picked
            slack.wait_for_call("views.update", where=lambda c: c.seq > mark and c.ok)

            submitted = person.submit_view(prelaunch_values())
            assert submitted.ok, submitted
            assert submitted.json()["response_action"] == "update"
            # The case's root, not a handoff note the rota may post to the same channel at this hour.
            root = slack.wait_for_call(
                "chat.postMessage",
                where=lambda c: c.args.get("channel") == "C0ESCALATE" and c.ok and _posts_the_case(c.args),
                timeout=5,
            )
            assert root.response is not None
            posted = [m["ts"] for m in slack.messages("C0ESCALATE") if _posts_the_case(m)]
            assert posted == [root.response["ts"]], "the case is posted once"
            assert all(d.ok for d in slack.deliveries()), slack.failed_deliveries()

            # Probes and metrics on --port, as in HTTP mode; Slack's HTTP route is not served.
            base = f"http://127.0.0.1:{port}"
            assert _get(f"{base}/healthz")[0] == 200
            status, body = _get(f"{base}/readyz")
            assert status == 200 and json.loads(body)["status"] == "ready"
            status, body = _get(f"{base}/metrics")
            assert status == 200 and b"escalation_bot_cases_opened_total" in body
            request = urllib.request.Request(f"{base}/slack/events", data=b"{}", method="POST")
            with pytest.raises(urllib.error.HTTPError) as refused:  # Slack's requests come over the socket
                urllib.request.urlopen(request, timeout=2)
            assert refused.value.code == 404
        finally:
            process.terminate()
            try:
                code = process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
                raise AssertionError(f"the bot ignored SIGTERM:\n{log.read_text()}") from None
        assert code == 0, log.read_text()
        deadline = time.monotonic() + 2
        while slack.socket_connections() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert slack.socket_connections() == 0, "the link closed with the process"
    # Quiet, uniform logs: every line JSON (start-up too), no per-tick scheduler lines, no Bolt noise.
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    assert lines, "the bot logged nothing"
    assert not [line for line in lines if line["logger"].startswith("apscheduler")]
    assert not [line for line in lines if "will be unused" in line["message"]]
    assert any("Socket Mode" in line["message"] for line in lines)
