"""Intake at the edge: ack latency of /ad-escalate and of the form's submission, and intake throughput.

Topology (the same for the floor and the bot): one process serving Slack's HTTP requests with waitress
behind bot.slack.http's WSGI wrapper (HttpServer, 8 threads) — what `escalation-bot serve --http` runs
by default (web and job runner in one process). The floor is bench/bare_bolt.py: a Bolt app that only
acks, served the same way. The Slack stand-in runs in a process of its own (a multiprocessing manager);
the driver is this process. Every figure is printed with its ratio to the floor measured in the same run.
Each target is warmed up (40 commands, 40 submissions) and then left to settle (its processes idle: the
runner has posted and paged the warm-up's cases) before anything is measured.

Modes (--mode, default all):
  open        signed requests at a fixed rate (--rate, default 10/s) for --seconds; latency is measured
              from each request's scheduled time, so a slow answer cannot hold back the next request
  closed      --requests requests from --concurrency (20) threads, each sending when its last answer came
  throughput  --cases submissions, closed loop: cases/s acked, cases in the store against successful
              acks (0 lost), CPU ms per case of the serving process, and how long the runner took to
              post every case afterwards
  store       in this process, no HTTP: the ack's transaction (file_case: the case, its follower and
              event, one case.opened job) against the least a durable ack could cost on the same
              store (one row inserted and committed), CPU and wall ms per call; then the case.opened
              follow-up of those cases (the runner's read, guide search and planning transaction, no Slack)
Usage: python bench/bench_intake.py [--mode M] [--postgres URL] [--topology one|split|web2] (URL of a server:
a fresh database is created for each run and dropped after; split serves the bot as a --role web process
beside a --role worker process)
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.managers import BaseManager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-signing-secret"
TOKEN = "xoxb-sandbox"
FLOOR, BOT = "bare Bolt (floor)", "escalation bot"
COMMAND, SUBMISSION = "/ad-escalate", "submission"
_numbers = itertools.count(1)


class StandInService:
    """The Slack stand-in, living in the manager's process; the driver reaches it through a proxy."""

    def __init__(self) -> None:
        from slack_standin import SlackStandIn

        self._standin = SlackStandIn(signing_secret=SECRET, bot_token=TOKEN, rate_limits=False).start()

    def api_url(self) -> str:
        return self._standin.api_url

    def mint_trigger(self, user_id: str) -> str:
        return self._standin.mint_trigger(user_id)

    def response_url(self, user_id: str, channel_id: str) -> str:
        return self._standin.response_url(user_id, channel_id)

    def roots_posted(self, channel: str) -> int:
        """Cases posted to their flow's channel: top-level chat.postMessage calls Slack accepted there."""
        return sum(
            1
            for call in self._standin.calls()
            if call.method == "chat.postMessage"
            and call.ok
            and not call.args.get("thread_ts")
            and call.args.get("channel") == channel
        )

    def stop(self) -> None:
        self._standin.stop()


class StandInManager(BaseManager):
    pass


StandInManager.register("StandIn", StandInService)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(cmd: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"{cmd} did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def command_body(slack: Any) -> str:
    n = next(_numbers)
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


def submission_body(_slack: Any) -> str:
    n = next(_numbers)
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
        # Each submission names another advertiser, as in a burst from many reps (a burst of one
        # advertiser's cases would be a run of duplicate checks that wait on each other, by design).
        "field_advertiser": text(f"Brand{n} Pte Ltd"),
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


BODIES: dict[str, Callable[[Any], str]] = {COMMAND: command_body, SUBMISSION: submission_body}


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    filed: int = 0  # submissions answered with the filed view (a case the store must hold)
    refused: int = 0  # answered with inline errors: fast, but not a filed case
    failed: int = 0  # not answered 200
    wall: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def p(self, q: int) -> float:
        values = sorted(self.latencies)
        if len(values) < 2:
            return values[0] if values else float("nan")
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


class Driver:
    """Signed POSTs to one target, one keep-alive connection per sending thread."""

    def __init__(self, port: int, slack: Any) -> None:
        self.port = port
        self.slack = slack
        self.local = threading.local()
        self.verifier = SignatureVerifier(SECRET)
        self.filed_total = 0

    def _connection(self) -> http.client.HTTPConnection:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        return connection

    def post(self, body: str, tally: Tally, started: float | None = None) -> None:
        """Send one request; its latency runs from `started` (the schedule, open loop) or from now."""
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": self.verifier.generate_signature(timestamp=timestamp, body=body),
        }
        connection = self._connection()
        sent = time.perf_counter()
        try:
            connection.request("POST", "/slack/events", body=body.encode(), headers=headers)
            reply = connection.getresponse()
            answer = reply.read()
            status = reply.status
        except OSError:
            self.local.connection = None
            status, answer = 0, b""
        elapsed = time.perf_counter() - (started if started is not None else sent)
        with tally.lock:
            tally.latencies.append(elapsed)
            if status != 200:
                tally.failed += 1
            elif b'"errors"' in answer:
                tally.refused += 1
            elif b'"response_action"' in answer:
                tally.filed += 1
                self.filed_total += 1

    def closed(self, scenario: str, requests: int, concurrency: int) -> Tally:
        tally = Tally()
        make = BODIES[scenario]

        def worker(count: int) -> None:
            for _ in range(count):
                self.post(make(self.slack), tally)  # the body (a fresh trigger) is made before the clock starts

        shares = [requests // concurrency + (1 if i < requests % concurrency else 0) for i in range(concurrency)]
        began = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(worker, shares))
        tally.wall = time.perf_counter() - began
        return tally

    def open(self, scenario: str, rate: float, seconds: float) -> Tally:
        """Requests at fixed intervals, each timed from its scheduled moment (no coordinated omission)."""
        tally = Tally()
        make = BODIES[scenario]
        count = max(1, int(rate * seconds))
        bodies = [make(self.slack) for _ in range(min(count, int(rate * 2) + 1))]  # triggers live 3 s
        began = time.perf_counter()
        with ThreadPoolExecutor(64) as pool:
            for i in range(count):
                scheduled = began + i / rate
                body = bodies[i] if i < len(bodies) else make(self.slack)
                pause = scheduled - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                pool.submit(self.post, body, tally, scheduled)
        tally.wall = time.perf_counter() - began
        return tally


@contextmanager
def fresh_store(postgres: str | None, workdir: Path) -> Iterator[tuple[str, Callable[[], int]]]:
    """A store URL nobody used before, and a function that counts its cases."""
    if postgres is None:
        path = workdir / f"bench-{next(_numbers)}.db"

        def count_sqlite() -> int:
            with sqlite3.connect(path) as db:
                return int(db.execute("SELECT count(*) FROM cases").fetchone()[0])

        yield f"sqlite:///{path}", count_sqlite
        return
    import psycopg

    name = f"bench_intake_{os.getpid()}_{next(_numbers)}"
    parts = urlsplit(postgres)
    url = urlunsplit(parts._replace(path=f"/{name}"))
    admin = urlunsplit(parts._replace(scheme="postgresql"))
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')

    def count_postgres() -> int:
        with psycopg.connect(urlunsplit(parts._replace(scheme="postgresql", path=f"/{name}"))) as db:
            row = db.execute("SELECT count(*) FROM cases").fetchone()
            return int(row[0]) if row else 0

    try:
        yield url, count_postgres
    finally:
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Target:
    name: str
    process: subprocess.Popen[bytes]
    driver: Driver
    others: tuple[subprocess.Popen[bytes], ...] = ()  # more processes serving the same port (web2)

    def cpu(self) -> float:
        return cpu_seconds(self.process.pid) + sum(cpu_seconds(other.pid) for other in self.others)


TOPOLOGY = "one"  # set from --topology in main()


@contextmanager
def serving(name: str, env: dict[str, str], workdir: Path, slack: Any) -> Iterator[Target]:
    """The floor, or the bot: one `serve --http` process (topology one), a `--role web` process that acks
    beside a `--role worker` process that runs the jobs (split), or two `--role web --reuse-port`
    processes on one port beside a worker (web2). Target.cpu counts the serving process(es) only."""
    port = free_port()
    worker: subprocess.Popen[bytes] | None = None
    others: tuple[subprocess.Popen[bytes], ...] = ()
    if name == FLOOR:
        cmd = [sys.executable, str(ROOT / "bench" / "bare_bolt.py")]
    else:
        cmd = [sys.executable, "-m", "bot.cli", "--config", str(workdir / "app.yaml"), "serve", "--http"]
        cmd += ["--host", "127.0.0.1"]
        if TOPOLOGY in ("split", "web2"):
            worker_port = free_port()
            worker_cmd = [sys.executable, "-m", "bot.cli", "--config", str(workdir / "app.yaml"), "serve"]
            worker_cmd += ["--role", "worker", "--host", "127.0.0.1", "--port", str(worker_port)]
            worker = start(worker_cmd, env, worker_port)
            cmd += ["--role", "web"]
        if TOPOLOGY == "web2":
            cmd += ["--reuse-port"]
            others = (start([*cmd, "--port", str(port)], env, port),)
    process = start([*cmd, "--port", str(port)], env, port)
    try:
        target = Target(name, process, Driver(port, slack), others)
        target.driver.closed(COMMAND, 40, 10)  # warm-up: imports, connections, caches
        target.driver.closed(SUBMISSION, 40, 10)
        # The warm-up's cases are posted and paged before anything is measured: the figures that follow
        # time the acks (with the runner's work for the cases they file themselves), not leftovers.
        settle([process, *others, *([worker] if worker is not None else [])])
        yield target
    finally:
        for each in (process, worker, *others):
            if each is not None:
                each.terminate()
                each.wait(timeout=20)


def settle(processes: list[subprocess.Popen[bytes]], *, idle_share: float = 0.02, limit: float = 60.0) -> None:
    """Wait until these processes together use under `idle_share` of a core over half a second (the
    job runner has finished what the warm-up left it), at most `limit` seconds."""
    deadline = time.monotonic() + limit
    before = sum(cpu_seconds(p.pid) for p in processes)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = sum(cpu_seconds(p.pid) for p in processes)
        if now - before < idle_share * 0.5:
            return
        before = now


def ratio(bot: float, floor: float) -> str:
    return f"{bot / floor:6.2f}x" if floor > 0 else "   n/a"


def latency_table(title: str, results: dict[str, dict[str, Tally]]) -> None:
    print(f"\n{title}")
    print(f"{'scenario':14} {'target':18} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'req/s':>7}  errors")
    for scenario in (COMMAND, SUBMISSION):
        for name in (FLOOR, BOT):
            t = results[name][scenario]
            rps = len(t.latencies) / t.wall if t.wall else float("nan")
            print(
                f"{scenario:14} {name:18} {len(t.latencies):5} {t.p(50) * 1000:8.2f} {t.p(99) * 1000:8.2f} "
                f"{max(t.latencies) * 1000:8.2f} {rps:7.0f}  {t.failed} failed, {t.refused} refused"
            )
        floor, bot = results[FLOOR][scenario], results[BOT][scenario]
        print(
            f"{scenario:14} {'ratio bot/floor':18} {'':5} {ratio(bot.p(50), floor.p(50)):>8} "
            f"{ratio(bot.p(99), floor.p(99)):>8}"
        )


def run_latency(args: argparse.Namespace, env: dict[str, str], workdir: Path, slack: Any) -> None:
    results: dict[str, dict[str, dict[str, Tally]]] = {"open": {}, "closed": {}}
    for name in (FLOOR, BOT):
        with (
            fresh_store(args.postgres, workdir) as (url, _count),
            serving(name, env | {"DATABASE_URL": url}, workdir, slack) as target,
        ):
            for scenario in (COMMAND, SUBMISSION):
                if args.mode in ("open", "all"):
                    results["open"].setdefault(name, {})[scenario] = target.driver.open(
                        scenario, args.rate, args.seconds
                    )
                    time.sleep(1)  # the follow-up work of the last requests is not the next scenario's
                if args.mode in ("closed", "all"):
                    results["closed"].setdefault(name, {})[scenario] = target.driver.closed(
                        scenario, args.requests, args.concurrency
                    )
                    time.sleep(1)
    if results["open"]:
        latency_table(f"Ack latency, open loop at {args.rate:g}/s for {args.seconds:g} s", results["open"])
    if results["closed"]:
        latency_table(f"Ack latency, closed loop, {args.concurrency} concurrent", results["closed"])


def run_throughput(args: argparse.Namespace, env: dict[str, str], workdir: Path, slack: Any) -> None:
    from bot.config.loader import load_config

    channel = load_config(workdir / "app.yaml", env={}).flow("prelaunch_review").channel_id
    figures: dict[str, dict[str, float]] = {}
    for name in (FLOOR, BOT):
        posted_before = slack.roots_posted(channel)  # before the warm-up: every case this bot filed is counted
        with (
            fresh_store(args.postgres, workdir) as (url, count),
            serving(name, env | {"DATABASE_URL": url}, workdir, slack) as target,
        ):
            cpu_before = target.cpu()
            tally = target.driver.closed(SUBMISSION, args.cases, args.concurrency)
            cpu = target.cpu() - cpu_before
            row = {
                "cases/s": tally.filed / tally.wall if tally.wall else 0.0,
                "req/s": len(tally.latencies) / tally.wall if tally.wall else 0.0,
                "cpu ms": cpu * 1000 / max(1, len(tally.latencies)),
                "p99 ms": tally.p(99) * 1000,
                "failed": tally.failed + tally.refused,
            }
            if name == BOT:
                row["acked"] = target.driver.filed_total
                row["stored"] = count()
                # The runner's share: every case posted to its channel (one root post each), timed.
                began, deadline = time.perf_counter(), time.perf_counter() + args.drain
                cpu_before = target.cpu()
                while time.perf_counter() < deadline:
                    if slack.roots_posted(channel) - posted_before >= target.driver.filed_total:
                        break
                    time.sleep(0.5)
                row["drain s"] = time.perf_counter() - began
                row["posted"] = slack.roots_posted(channel) - posted_before
                row["drain cpu ms"] = (target.cpu() - cpu_before) * 1000 / max(1, tally.filed)
            figures[name] = row
    floor, bot = figures[FLOOR], figures[BOT]
    print(f"\nIntake throughput: {args.cases} submissions, closed loop, {args.concurrency} concurrent")
    print(f"{'target':18} {'acks/s':>8} {'p99 ms':>8} {'CPU ms/ack':>11}")
    for name, row in ((FLOOR, floor), (BOT, bot)):
        print(f"{name:18} {row['req/s']:8.0f} {row['p99 ms']:8.1f} {row['cpu ms']:11.2f}")
    print(
        f"{'ratio bot/floor':18} {ratio(bot['req/s'], floor['req/s']):>8} {ratio(bot['p99 ms'], floor['p99 ms']):>8} "
        f"{ratio(bot['cpu ms'], floor['cpu ms']):>11}"
    )
    lost = bot["acked"] - bot["stored"]
    print(
        f"bot: {bot['cases/s']:.0f} cases/s filed; {bot['acked']:.0f} filed acks, {bot['stored']:.0f} cases in "
        f"the store ({'0 lost' if lost == 0 else f'{lost:.0f} LOST'}); {bot['failed']:.0f} not filed"
    )
    print(
        f"runner after the burst: {bot['posted']:.0f} of {bot['acked']:.0f} cases posted to their channel in "
        f"{bot['drain s']:.1f} s more ({bot['drain cpu ms']:.2f} ms CPU per case meanwhile; "
        f"{bot['cpu ms'] + bot['drain cpu ms']:.2f} ms per case in all)"
    )


class _NoDirectory:
    """No Slack in the store mode: the shipped rotas name people by id, so no lookup is asked."""

    def user_for_email(self, email: str) -> str | None:
        return None

    def usergroup_members(self, ref: str) -> list[str]:
        return []


def run_store(args: argparse.Namespace, workdir: Path) -> None:
    """The ack's transaction against one bare INSERT + COMMIT, both on a fresh store of the same kind; then
    the `case.opened` follow-up of those cases (what the runner does right after the ack, without Slack:
    the case read, the guide search, and the transaction that plans paging, timers and the first posts)."""
    from sqlalchemy import text

    from bot.clock import FakeClock
    from bot.config.loader import load_config
    from bot.domain.duplicates import family
    from bot.domain.intake import validate_intake
    from bot.services.case_opened import OpenedFollowUp
    from bot.services.guidance import Guidance
    from bot.services.guide_search import GuideIndex
    from bot.services.oncall import OnCall
    from bot.services.open_case import CASE_OPENED, file_case
    from bot.services.paging import start_paging
    from bot.services.timers import schedule_timers
    from bot.store.store import Store, Tx

    config = load_config(workdir / "app.yaml", env={})
    flow = config.flow("prelaunch_review")
    flows = family(flow, config.flows)
    now = datetime.now(UTC)
    count = args.store_cases

    def intake(n: int) -> Any:
        values = {
            "advertiser": f"Brand{n} Pte Ltd",
            "campaign": f"Campaign {n}",
            "market": "SG",
            "deadline": now + timedelta(days=3),
            "question": f"Can creative {n} run in Singapore before 10 pm?",
            "creative_url": "https://cdn.adsco.test/c.mp4",
        }
        return validate_intake(flow, values, reporter_id="U0REP1", now=now)

    intakes = [intake(n) for n in range(count)]
    figures: dict[str, tuple[float, float]] = {}
    with fresh_store(args.postgres, workdir) as (url, _count):
        store = Store.open(url.replace("postgresql://", "postgresql+psycopg://", 1))
        try:
            with store.transaction() as tx:
                tx.session.execute(text("CREATE TABLE bench_floor (id INTEGER PRIMARY KEY, body TEXT)"))
            began_cpu, began = time.process_time(), time.perf_counter()
            for n in range(count):
                with store.transaction() as tx:
                    tx.session.execute(text("INSERT INTO bench_floor (id, body) VALUES (:n, 'x')"), {"n": n})
            figures["one row + commit (floor)"] = (time.process_time() - began_cpu, time.perf_counter() - began)
            began_cpu, began = time.process_time(), time.perf_counter()
            ids = [
                file_case(one, store=store, now=now, intake_key=f"bench:{n}", family=flows).case.id
                for n, one in enumerate(intakes)
            ]
            figures["file_case (the ack)"] = (time.process_time() - began_cpu, time.perf_counter() - began)
            oncall = OnCall(config=config, store=store, directory=_NoDirectory(), clock=FakeClock(now))

            def on_opened(tx: Tx, case: Any, at: datetime) -> None:
                start_paging(tx, case, config=config, oncall=oncall, now=at)
                schedule_timers(tx, tx.cases.get(case.id), at, config=config)

            guidance = Guidance(index=GuideIndex(config.guides), store=store)
            guidance.rebuild(config.guides)
            follow_up = OpenedFollowUp(config=config, store=store, on_opened=on_opened, guidance=guidance)
            with store.read() as tx:
                jobs = [job for case_id in ids for job in tx.jobs.pending_for_case(case_id, kind=CASE_OPENED)]
            guidance.suggest("warm the search index")
            began_cpu, began = time.process_time(), time.perf_counter()
            for job in jobs:
                effect = follow_up.follow_up(job)
                assert effect is not None
                with store.transaction(patient=True) as tx:
                    effect(tx, now)
            follow = (time.process_time() - began_cpu, time.perf_counter() - began)
        finally:
            store.close()
    print(f"\nThe ack's transaction, {count} calls in one thread, no HTTP (duplicate check: {count} open cases)")
    print(f"{'':26} {'CPU ms':>8} {'wall ms':>8}")
    for name, (cpu, wall) in figures.items():
        print(f"{name:26} {cpu * 1000 / count:8.2f} {wall * 1000 / count:8.2f}")
    (floor_cpu, floor_wall), (ack_cpu, ack_wall) = figures.values()
    print(f"{'ratio ack/floor':26} {ratio(ack_cpu, floor_cpu):>8} {ratio(ack_wall, floor_wall):>8}")
    print(
        f"{'case.opened follow-up':26} {follow[0] * 1000 / count:8.2f} {follow[1] * 1000 / count:8.2f}"
        "   (runner's work per case before Slack: read, search, plan; no Slack call)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=("open", "closed", "throughput", "store", "all"), default="all")
    parser.add_argument("--postgres", help="a Postgres server URL: each run gets a fresh database on it")
    parser.add_argument("--rate", type=float, default=10.0, help="open loop: requests per second")
    # 60 s at 10/s: 600 requests, so p99 is the 6th-slowest answer, not the 2nd (one stray commit was p99).
    parser.add_argument("--seconds", type=float, default=60.0, help="open loop: how long")
    parser.add_argument("--requests", type=int, default=600, help="closed loop: requests per scenario")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--cases", type=int, default=2000, help="throughput: submissions")
    parser.add_argument("--drain", type=float, default=90.0, help="throughput: how long to wait for the runner")
    parser.add_argument("--store-cases", type=int, default=1000, help="store: calls of each kind")
    parser.add_argument(
        "--topology",
        choices=("one", "split", "web2"),
        default="one",
        help="one: serve --http runs web and jobs together (the default); split: a --role web process acks "
        "and a --role worker process runs the jobs; web2: two --role web --reuse-port processes on one port "
        "beside a worker (the floor is one process in every case)",
    )
    args = parser.parse_args()
    global TOPOLOGY
    TOPOLOGY = args.topology
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    shutil.copy(ROOT / "app.yaml", workdir / "app.yaml")
    shutil.copytree(ROOT / "escalation_flows", workdir / "escalation_flows")
    shutil.copytree(ROOT / "oncall_schedules", workdir / "oncall_schedules")
    if (ROOT / "policy_guides").is_dir():
        shutil.copytree(ROOT / "policy_guides", workdir / "policy_guides")
    manager = StandInManager()
    manager.start()
    slack: Any = manager.StandIn()  # type: ignore[attr-defined]
    store = "Postgres" if args.postgres else "SQLite (WAL)"
    print(f"bench_intake: store {store}; {os.cpu_count()} CPUs; stand-in pid separate; load {os.getloadavg()[0]:.2f}")
    if TOPOLOGY == "one":
        print("serve topology: one process, waitress (8 threads) + Bolt, web and runner together (the default)")
    elif TOPOLOGY == "split":
        print("serve topology: split: serve --http --role web (waitress, 8 threads) acks; serve --role worker")
        print("runs the jobs in a second process; the floor is one bare Bolt process served the same way")
    else:
        print("serve topology: web2: two serve --http --role web --reuse-port processes share the port (the kernel")
        print("spreads connections); serve --role worker runs the jobs; the floor is one bare Bolt process")
    try:
        env = os.environ | {
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.api_url(),
            "PYTHONPATH": str(ROOT),
        }
        if args.mode in ("open", "closed", "all"):
            run_latency(args, env, workdir, slack)
        if args.mode in ("throughput", "all"):
            run_throughput(args, env, workdir, slack)
        if args.mode in ("store", "all"):
            run_store(args, workdir)
    finally:
        slack.stop()
        manager.shutdown()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
