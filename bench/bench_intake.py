"""Ack latency of /ad-escalate and of the intake submission under 20 concurrent signed requests.

The bot and a bare Bolt app that only acks (the floor) each run in their own process, served the same
way (waitress behind the same WSGI wrapper), against the same Slack stand-in, in the same run. Figures
are printed with the ratio to the floor. Usage: python bench/bench_intake.py [--requests N] [--postgres URL]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from slack_standin import SlackStandIn

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-signing-secret"
TOKEN = "xoxb-sandbox"
CONCURRENCY = 20


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(cmd: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"{cmd[2]} did not start")


def command_body(slack: SlackStandIn, n: int) -> str:
    return urlencode(
        {
            "token": "vtok",
            "team_id": "T0SANDBOX",
            "channel_id": "C0SALES",
            "channel_name": "sales-apac",
            "user_id": "U0REP1",
            "user_name": "mei.tan",
            "command": "/ad-escalate",
            "text": f"review bench {n}",
            "api_app_id": "A0ESCBOT",
            "response_url": slack.response_url("U0REP1", "C0SALES"),
            "trigger_id": slack.mint_trigger("U0REP1"),
        }
    )


def submission_body(n: int) -> str:
    deadline = int((datetime.now(UTC) + timedelta(days=3)).timestamp())

    def text(value: str) -> dict[str, Any]:
        return {"value": {"type": "plain_text_input", "value": value}}

    def option(value: str) -> dict[str, Any]:
        return {
            "value": {
                "type": "static_select",
                "selected_option": {"value": value, "text": {"type": "plain_text", "text": value}},
            }
        }

    values = {
        "flow_pick": {"flow_pick": option("prelaunch_review")["value"]},
        "field_advertiser": text(f"Bench Advertiser {n}"),
        "field_campaign": text(f"Campaign {n}"),
        "field_market": option("SG"),
        "field_deadline": {"value": {"type": "datetimepicker", "selected_date_time": deadline}},
        "field_question": text("Can this creative run in Singapore before 10 pm?"),
        "field_creative_url": {"value": {"type": "url_text_input", "value": "https://cdn.adsco.test/c.mp4"}},
    }
    payload = {
        "type": "view_submission",
        "team": {"id": "T0SANDBOX"},
        "user": {"id": "U0REP1", "team_id": "T0SANDBOX"},
        "api_app_id": "A0ESCBOT",
        "token": "vtok",
        "trigger_id": f"1.{n}.bench",
        "view": {
            "id": f"VBENCH{n}",
            "hash": f"h{n}",
            "type": "modal",
            "callback_id": "intake_submit",
            "private_metadata": json.dumps(
                {"source_channel_id": "C0SALES", "text": "", "shown_flow": "prelaunch_review"}
            ),
            "state": {"values": values},
        },
    }
    return urlencode({"payload": json.dumps(payload)})


class Driver:
    """Signed POSTs from 20 threads, one keep-alive connection each; wall time per request."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.local = threading.local()
        self.verifier = SignatureVerifier(SECRET)
        self.lock = threading.Lock()
        self.refused = 0

    def post(self, body: str) -> float:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": self.verifier.generate_signature(timestamp=timestamp, body=body),
        }
        started = time.perf_counter()
        connection.request("POST", "/slack/events", body=body.encode(), headers=headers)
        reply = connection.getresponse()
        answer = reply.read()
        elapsed = time.perf_counter() - started
        if reply.status != 200:
            raise RuntimeError(f"HTTP {reply.status}")
        if b'"response_action": "errors"' in answer or b'"response_action":"errors"' in answer:
            with self.lock:
                self.refused += 1  # e.g. "could not save, try again": fast, but not a filed case
        return elapsed

    def run(self, bodies: list[str]) -> tuple[list[float], float]:
        started = time.perf_counter()
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            latencies = list(pool.map(self.post, bodies))
        return latencies, time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--postgres", help="run the bot on this Postgres URL instead of SQLite")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    shutil.copy(ROOT / "app.yaml", workdir / "app.yaml")
    shutil.copytree(ROOT / "escalation_flows", workdir / "escalation_flows")
    shutil.copytree(ROOT / "oncall_schedules", workdir / "oncall_schedules")
    store = args.postgres or f"sqlite:///{workdir / 'bench.db'}"
    results: dict[str, dict[str, dict[str, float]]] = {}
    with SlackStandIn(signing_secret=SECRET, bot_token=TOKEN, rate_limits=False) as slack:
        env = os.environ | {
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.api_url,
            "DATABASE_URL": store,
            "PYTHONPATH": str(ROOT),
        }
        targets = {
            "bare Bolt (floor)": [sys.executable, str(ROOT / "bench" / "bare_bolt.py")],
            "escalation bot": [
                sys.executable,
                "-m",
                "bot.cli",
                "--config",
                str(workdir / "app.yaml"),
                "serve",
                "--http",
                "--host",
                "127.0.0.1",
            ],
        }
        for name, cmd in targets.items():
            port = free_port()
            process = start([*cmd, "--port", str(port)], env, port)
            try:
                driver = Driver(port)
                driver.run([command_body(slack, i) for i in range(40)])  # warm-up
                results[name] = {}
                for scenario, make in (
                    ("slash command", lambda i: command_body(slack, i)),
                    ("modal submission", submission_body),
                ):
                    offset = 1000 if scenario == "modal submission" else 0
                    driver.refused = 0
                    latencies, wall = driver.run([make(offset + i) for i in range(args.requests)])
                    results[name][scenario] = {
                        "p50": percentile(latencies, 50) * 1000,
                        "p99": percentile(latencies, 99) * 1000,
                        "rps": len(latencies) / wall,
                        "refused": driver.refused,
                    }
                results[name]["memory"] = {"rss_mb": rss_mb(process.pid)}
            finally:
                process.terminate()
                process.wait(timeout=10)
    floor, bot = results["bare Bolt (floor)"], results["escalation bot"]
    print(
        f"\nIntake ack latency, {args.requests} signed requests per scenario, {CONCURRENCY} concurrent, "
        f"store: {'Postgres' if args.postgres else 'SQLite (WAL)'}; {os.cpu_count()} CPUs"
    )
    print(f"{'scenario':18} {'':16} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8}")
    for scenario in ("slash command", "modal submission"):
        for name, figures in (("bare Bolt (floor)", floor[scenario]), ("escalation bot", bot[scenario])):
            print(f"{scenario:18} {name:16} {figures['p50']:8.1f} {figures['p99']:8.1f} {figures['rps']:8.0f}")
        ratio = {k: bot[scenario][k] / floor[scenario][k] for k in ("p50", "p99", "rps")}
        print(f"{scenario:18} {'ratio bot/floor':16} {ratio['p50']:8.2f} {ratio['p99']:8.2f} {ratio['rps']:8.2f}")
        if scenario == "modal submission":
            print(f"{'':18} bot answered {bot[scenario]['refused']} of {args.requests} with inline errors (not filed)")
    floor_mb, bot_mb = floor["memory"]["rss_mb"], bot["memory"]["rss_mb"]
    driver_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak RSS: floor {floor_mb:.0f} MB, bot {bot_mb:.0f} MB (ratio {bot_mb / floor_mb:.2f}); "
        f"driver {driver_mb:.0f} MB"
    )
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
