"""Helpers for running the real bot as processes against the Slack stand-in (tests and the paging bench).

A test configuration is a copy of the shipped one with a rota in which every layer always has exactly
one known person, short policy waits and a fast job ticker, so an escalation plays out in seconds on
the real clock.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import create_engine, text

from bot.store.engine import normalise_url
from slack_standin import SlackStandIn
from slack_standin.web_api.recorder import RecordedCall

ROOT = Path(__file__).resolve().parents[1]
SECRET = "proc-paging-secret"
TOKEN = "xoxb-sandbox"
PRIMARY, SECONDARY, LEAD = "U0SPEC1", "U0SPEC2", "U0LEAD1"

# Every layer is one person, always on: no restrictions (`when` left out), one member, a turn that
# starts long before any test runs.
ALWAYS_ON_ROTA = f"""\
id: ads-policy-oncall
title: Ads policy on-call (test, always on)
timezone: Asia/Singapore
channel: C0ESCALATE
layers:
  primary:
    - rotation: primary-always
      members: [{PRIMARY}]
      length: weekly
      handoff: {{weekday: mon, time: "09:00"}}
      start: 2020-01-06
  secondary:
    - rotation: secondary-always
      members: [{SECONDARY}]
      length: weekly
      handoff: {{weekday: mon, time: "09:00"}}
      start: 2020-01-06
  lead:
    - rotation: lead-always
      members: [{LEAD}]
      length: weekly
      handoff: {{weekday: mon, time: "09:00"}}
      start: 2020-01-06
"""

_LEVEL = re.compile(r"\(level (\d+), round (\d+)\)")
_CASE_ID = re.compile(r"\b([A-Z]{2,6}-\d+)\b")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_config(
    folder: Path,
    *,
    waits: Sequence[str] = ("3s", "3s", "3s"),
    repeat: int = 0,
    tick_seconds: float = 0.5,
    retry_base: str = "1s",
    lease: str = "5s",
    max_attempts: int = 8,
    always_on_rota: bool = True,
    first_level_targets: Sequence[dict[str, str]] = ({"schedule": "ads-policy-oncall", "layer": "primary"},),
) -> Path:
    """A copy of the shipped configuration in `folder`; returns the path of its app.yaml."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "escalation_flows", folder / "escalation_flows", dirs_exist_ok=True)
    shutil.copytree(ROOT / "oncall_schedules", folder / "oncall_schedules", dirs_exist_ok=True)
    app = yaml.safe_load((ROOT / "app.yaml").read_text())
    app["jobs"] = {
        "tick_seconds": tick_seconds,
        "retry_base": retry_base,
        "lease": lease,
        "max_attempts": max_attempts,
    }
    app["store_url"] = f"sqlite:///{folder / 'unused.db'}"  # DATABASE_URL overrides it
    app["digests"] = []  # only pages are counted here; a (late) daily digest would share the faults
    (folder / "app.yaml").write_text(yaml.safe_dump(app, sort_keys=False))
    if always_on_rota:
        (folder / "oncall_schedules" / "ads-policy-oncall.yaml").write_text(ALWAYS_ON_ROTA)
    first, second, third = waits
    policy = {
        "description": "test policy: primary, secondary, lead, short waits",
        "repeat": repeat,
        "levels": [
            {"targets": list(first_level_targets), "wait": first},
            {"targets": [{"schedule": "ads-policy-oncall", "layer": "secondary"}], "wait": second},
            {"targets": [{"user": LEAD}], "wait": third},
        ],
        "timing": {"sev1": "immediately", "sev2": "immediately", "sev3": "immediately", "sev4": "immediately"},
    }
    policies = {"policies": {"ads-standard": policy, "ads-urgent": policy}}
    (folder / "escalation_flows" / "_policies.yaml").write_text(yaml.safe_dump(policies, sort_keys=False))
    return folder / "app.yaml"


@dataclass
class BotProcess:
    """`python -m bot.cli serve --http` as a child process, its output in a log file."""

    config: Path
    database_url: str
    api_url: str
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    launcher: tuple[str, ...] = ("-m", "bot.cli")  # e.g. ("-m", "tests.skewed_serve", "90"): a wrong clock
    role: str = "all"  # `serve --role`: all, web or worker
    serve_args: tuple[str, ...] = ()  # more `serve` options, e.g. ("--reuse-port",)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> BotProcess:
        env = os.environ | {
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": self.api_url,
            "DATABASE_URL": self.database_url,
            # Keep what the run put on the path (the moved-clock pass's sitecustomize) after the project.
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "PYTHONUNBUFFERED": "1",
        }
        env |= self.extra_env
        cmd = [sys.executable, *self.launcher, "--config", str(self.config), "serve", "--http"]
        cmd += ["--host", "127.0.0.1", "--port", str(self.port), "--role", self.role, *self.serve_args]
        with self.log_path.open("ab") as log:
            log.write(f"\n=== start {time.strftime('%H:%M:%S')} port {self.port}\n".encode())
            log.flush()
            self.process = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        return self

    def wait_healthy(self, timeout: float = 30.0) -> BotProcess:
        deadline = time.monotonic() + timeout
        while True:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"the bot exited with {self.process.returncode}:\n{self.output()[-4000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1) as reply:
                    if json.loads(reply.read()).get("status") == "ok":
                        return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"the bot did not come up in {timeout} s:\n{self.output()[-4000:]}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, claims and transactions are left as they are."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not exit; safe to call twice."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")


@contextlib.contextmanager
def running(*bots: BotProcess) -> Any:
    """Make sure no child process outlives the block."""
    try:
        yield bots
    finally:
        for bot in bots:
            bot.kill()


@dataclass(frozen=True)
class PageDm:
    """One page DM the stand-in answered 200: which case, level, round and person."""

    case: str
    round: int
    level: int
    user: str
    call: RecordedCall

    @property
    def key(self) -> tuple[str, int, int, str]:
        return (self.case, self.round, self.level, self.user)


def page_attempt(call: RecordedCall) -> tuple[str, int, int, str] | None:
    """(case, round, level, user) if `call` is a page DM (answered or not), else None."""
    args = call.args
    if call.method != "chat.postMessage" or not str(args.get("channel", "")).startswith("U"):
        return None
    if not str(args.get("text", "")).startswith("Paged:"):
        return None
    blocks = args.get("blocks")
    found = _LEVEL.search(json.dumps(blocks) if not isinstance(blocks, str) else blocks)
    case = _CASE_ID.search(str(args["text"]))
    assert found and case, f"a page DM without level or case id: {args}"
    return (case.group(1), int(found.group(2)), int(found.group(1)), str(args["channel"]))


def page_dms(standin: SlackStandIn) -> list[PageDm]:
    """Every page DM delivered (200, ok), oldest first."""
    found = []
    for call in standin.calls("chat.postMessage"):
        key = page_attempt(call)
        if key is not None and call.ok:
            found.append(PageDm(*key, call=call))
    return found


def page_counts(standin: SlackStandIn) -> Counter[tuple[str, int, int, str]]:
    return Counter(p.key for p in page_dms(standin))


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout} s")
        time.sleep(interval)


def sql(url: str, query: str, **params: Any) -> list[Any]:
    """Rows of one query on the bot's database (a separate connection, committed reads)."""
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(query), params).all())
    finally:
        engine.dispose()


def as_utc(value: Any) -> datetime:
    """A timestamp read with plain SQL (SQLite gives naive text, Postgres aware datetimes) as aware UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def job_rows(url: str, kinds: Iterable[str] | None = None) -> list[Any]:
    rows = sql(url, "select id, kind, key, state, due_at, attempts, claimed_by, lease_until, case_id from jobs")
    wanted = set(kinds) if kinds is not None else None
    return [r for r in rows if wanted is None or r.kind in wanted]
