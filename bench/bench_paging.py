"""Page lateness: from a page timer's due time to its DM arriving at the Slack stand-in.

The real bot runs as a process (`bot.cli serve --http`, real clock) against the stand-in with its rate
limits switched off. Before it starts, page timers are seeded through the bot's own code (`start_paging`
in a store transaction, so the rows are exactly what an intake makes), due in the near future:

- baseline: a few isolated timers, each alone in its tick (the floor: tick phase plus one pass);
- load: N timers (default 1,000) due within a short window (default 10 s).

Lateness = stand-in arrival time (`at`) of the level-1 page DM minus the escalation job's `due_at` (both
wall clock, same host). Printed as p50 / p99 / max with ratios to the isolated-timer p50 and to the tick
interval, plus throughput and the bot's peak RSS. Runs on SQLite, and on Postgres when `--postgres URL`
is given or the default URL answers.

Then, idle: the bot (`serve --http`, nothing due) beside the floor, bench/bare_bolt.py served the same way,
each started fresh: start to ready (`/readyz` for the bot, `/healthz` for the floor), CPU over an idle
window (share of one core: the sum of the process's threads' run time in /proc/<pid>/task/*/schedstat,
nanoseconds, not the 10 ms ticks of /proc/<pid>/stat), and RSS. The checkouts are byte-compiled first, as an
installed package is. `--before DIR` also runs the bot from
another checkout (e.g. a worktree of main) in each run, so a change is measured beside what it changes.
`--idle-only` skips the page bursts.

Each figure is printed per run and as min / median / max over `--runs` runs (default 3).

Usage: python bench/bench_paging.py [--timers N] [--window S] [--tick S] [--runs N] [--idle S] [--postgres URL]
       [--sqlite-only] [--idle-only] [--before DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import bindparam, create_engine, select, text, update  # noqa: E402

from bot.clock import SystemClock  # noqa: E402
from bot.config.loader import load_config  # noqa: E402
from bot.config.model import Config  # noqa: E402
from bot.domain.case import MessageRef  # noqa: E402
from bot.domain.intake import Intake  # noqa: E402
from bot.services.oncall import OnCall  # noqa: E402
from bot.services.paging import ESCALATE, start_paging  # noqa: E402
from bot.store.engine import database_answers, normalise_url  # noqa: E402
from bot.store.store import Store  # noqa: E402
from bot.store.tables import JobRow  # noqa: E402
from slack_standin import SlackStandIn  # noqa: E402
from tests.paging_procs import SECRET, TOKEN, BotProcess, as_utc, free_port, page_attempt, sql, write_config  # noqa: E402

DEFAULT_POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
BASELINE_TIMERS = 5


@dataclass
class Run:
    store: str
    tick: float
    baseline: list[float]
    load: list[float]
    escalated: list[float]
    pages_per_s: float
    drain_s: float
    startup_s: float
    rss_mb: float
    seed_s: float


def shipped_tick() -> float:
    return float(yaml.safe_load((ROOT / "app.yaml").read_text()).get("jobs", {}).get("tick_seconds", 2.0))


class PrivateSchema:
    """A fresh Postgres schema for one run, dropped afterwards."""

    def __init__(self, url: str) -> None:
        self.admin = create_engine(normalise_url(url))
        self.schema = f"bench_{uuid.uuid4().hex[:10]}"
        with self.admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {self.schema}"))
        separator = "&" if "?" in url else "?"
        self.url = f"{url}{separator}options=" + urllib.parse.quote(f"-csearch_path={self.schema}")

    def drop(self) -> None:
        with self.admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {self.schema} CASCADE"))
        self.admin.dispose()


def seed(config: Config, url: str, timers: int, root: MessageRef) -> list[int]:
    """One case per timer, already posted (so thread notes go through), paging started by `start_paging`.

    The timers are parked a day ahead while the bot starts; `schedule` then gives them their due times.
    Returns the ids of the level-1 escalation jobs, in case order.
    """
    flow = config.flow("prelaunch_review")
    store = Store.open(url, prefix=config.app.case_prefix)
    oncall = OnCall(config=config, store=store, directory=None, clock=SystemClock())  # type: ignore[arg-type]
    now = datetime.now(UTC)
    parked = now + timedelta(days=1)
    try:
        for first in range(0, timers, 20):  # in chunks: each transaction well inside its budget
            with store.transaction(patient=True) as tx:
                for n in range(first, min(timers, first + 20)):
                    intake = Intake(
                        flow_id=flow.id,
                        reporter_id="U0REP1",
                        severity=flow.severity("sev1"),
                        severity_reasons=("bench",),
                        advertiser=f"Bench advertiser {n}",
                        campaign=f"Campaign {n}",
                        market="SG",
                        deadline_at=now + timedelta(hours=3),
                        summary="Can this creative run in Singapore before 10 pm?",
                        sensitive=False,
                        source_channel_id="C0SALES",
                    )
                    case = tx.cases.add(intake, now=now, intake_key=f"bench:{n}")
                    tx.cases.set_root(case.id, root, now=now)
                    tx.cases.add_event(case.id, kind="details_posted", now=now)
                    start_paging(tx, tx.cases.get(case.id), config=config, oncall=oncall, now=parked)
        with store.read() as tx:
            rows = tx.session.execute(
                select(JobRow.case_id, JobRow.id).where(JobRow.kind == ESCALATE).order_by(JobRow.case_id)
            ).all()
        return [job_id for _, job_id in rows]
    finally:
        store.close()


def schedule(url: str, job_ids: list[int], dues: list[datetime]) -> None:
    """Give the parked timers their due times, in one transaction."""
    store = Store.open(url)
    try:
        with store.transaction(patient=True) as tx:
            stmt = update(JobRow).where(JobRow.id == bindparam("job_id")).values(due_at=bindparam("due"))
            tx.session.connection().execute(
                stmt, [{"job_id": job_id, "due": due} for job_id, due in zip(job_ids, dues, strict=True)]
            )
    finally:
        store.close()


def percentile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def one_run(
    name: str,
    url: str,
    workdir: Path,
    *,
    timers: int,
    window: float,
    tick: float,
    workers: int = 0,
    profile: Path | None = None,
) -> Run:
    """`workers` 0: one `serve --role all` process (the default deployment); N: N `--role worker` processes.
    `profile`: py-spy records the first bot process from just before the burst to its end (raw samples)."""
    config_path = write_config(workdir / name, waits=("15m", "15m", "30m"), tick_seconds=tick, lease="60s")
    config = load_config(config_path, env={})
    with SlackStandIn(signing_secret=SECRET, bot_token=TOKEN, rate_limits=False) as slack:
        posted = slack.user("U0REP1").post_message("C0ESCALATE", "bench root")
        root = MessageRef("C0ESCALATE", str(posted["ts"]))
        started = time.perf_counter()
        job_ids = seed(config, url, BASELINE_TIMERS + timers, root)
        seed_s = time.perf_counter() - started
        roles = ["worker"] * workers if workers else ["all"]
        bots = [
            BotProcess(config_path, url, slack.api_url, workdir / f"{name}-{n}.log", role=r)
            for n, r in enumerate(roles)
        ]
        bot = bots[0]
        try:
            started = time.perf_counter()
            for each in bots:
                each.start()
            for each in bots:
                each.wait_healthy()
            startup_s = time.perf_counter() - started
            lead = 1.5
            start = datetime.now(UTC) + timedelta(seconds=lead)
            spacing = tick * 1.37 + 0.11  # isolated: at most one baseline timer per tick, at varying phases
            baseline_dues = [start + timedelta(seconds=i * spacing) for i in range(BASELINE_TIMERS)]
            load_start = baseline_dues[-1] + timedelta(seconds=2 * tick + 1)
            load_dues = [load_start + timedelta(seconds=window * i / max(1, timers - 1)) for i in range(timers)]
            schedule(url, job_ids, baseline_dues + load_dues)
            spy = None
            if datetime.now(UTC) > start:
                print("  warning: the timers were scheduled after the first one was due")
            total = BASELINE_TIMERS + timers
            deadline = time.monotonic() + lead + BASELINE_TIMERS * spacing + window + 600  # a loaded box is slow
            # Count the new calls only: the stand-in shares this process, and re-reading every call on
            # each look (a JSON dump per page) grew with the burst and slowed the stand-in's answers.
            seen = arrived = 0
            while arrived < total:
                if profile and spy is None and datetime.now(UTC) > load_start - timedelta(seconds=1):
                    profile.mkdir(parents=True, exist_ok=True)
                    spy = subprocess.Popen(
                        [
                            str(Path(sys.executable).parent / "py-spy"),
                            "record",
                            "-p",
                            str(bot.pid),
                            "-f",
                            "raw",
                            "-r",
                            "100",
                            "--nonblocking",
                            "-o",
                            str(profile / f"{name}.txt"),
                        ],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                calls = slack.calls("chat.postMessage")
                arrived += sum(1 for c in calls[seen:] if c.ok and page_attempt(c))
                seen = len(calls)
                if arrived >= total:
                    if spy is not None:  # the pages' phase only
                        spy.send_signal(signal.SIGINT)
                        spy.wait(timeout=30)
                        spy = None
                    break
                if time.monotonic() > deadline:
                    raise SystemExit(f"{name}: not every page arrived; see {bot.log_path}")
                time.sleep(0.2)
            # The pages go out before their steps' bookkeeping: wait for the steps too (timed below).
            steps = "select count(*) from jobs where key like 'escalate:%:g1:r1:l1' and state != 'done'"
            while sql(url, steps)[0][0]:
                if time.monotonic() > deadline:
                    raise SystemExit(f"{name}: not every escalation step finished; see {bot.log_path}")
                time.sleep(0.2)
            rss = sum(each.peak_rss_mb() for each in bots)
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                spy.wait(timeout=30)
        finally:
            for each in bots:
                each.stop()
            if profile:
                for each in bots:
                    if each.log_path.exists():
                        shutil.copy(each.log_path, profile / each.log_path.name)
        pages = {}
        for call in slack.calls("chat.postMessage"):
            key = page_attempt(call)
            if key and call.ok:
                pages.setdefault(int(key[0].split("-")[1]) - 1000, call)
    rows = sql(url, "select case_id, due_at, finished_at from jobs where key like 'escalate:%:g1:r1:l1'")
    due = {r.case_id: as_utc(r.due_at) for r in rows}
    escalated = {r.case_id: (as_utc(r.finished_at) - as_utc(r.due_at)).total_seconds() for r in rows}
    late = {case_id: (call.at - due[case_id]).total_seconds() for case_id, call in pages.items()}
    baseline_ids = range(1, BASELINE_TIMERS + 1)
    load_ids = range(BASELINE_TIMERS + 1, BASELINE_TIMERS + timers + 1)
    arrivals = sorted(pages[i].monotonic for i in load_ids)
    last_due = max(due[i] for i in load_ids)
    last_page = max(pages[i].at for i in load_ids)
    return Run(
        store=name,
        tick=tick,
        baseline=[late[i] for i in baseline_ids],
        load=[late[i] for i in load_ids],
        escalated=[escalated[i] for i in load_ids],
        pages_per_s=timers / max(1e-9, arrivals[-1] - arrivals[0]),
        drain_s=(last_page - last_due).total_seconds(),
        startup_s=startup_s,
        rss_mb=rss,
        seed_s=seed_s,
    )


def report(run: Run, timers: int, window: float) -> None:
    floor = statistics.median(run.baseline)
    print(
        f"\n{run.store}: {timers} page timers due within {window:g} s, tick {run.tick:g} s "
        f"(seeded in {run.seed_s:.1f} s before the bot started; bot up in {run.startup_s:.1f} s)"
    )
    print(f"  {'':34} {'p50 s':>7} {'p99 s':>7} {'max s':>7} {'p50/floor':>10} {'p99/floor':>10} {'p99/tick':>9}")

    def line(label: str, values: list[float]) -> None:
        p50, p99, worst = percentile(values, 50), percentile(values, 99), max(values)
        print(
            f"  {label:34} {p50:7.3f} {p99:7.3f} {worst:7.3f} {p50 / floor:10.2f} {p99 / floor:10.2f} "
            f"{p99 / run.tick:9.2f}"
        )

    line(f"isolated timer, page DM (floor, n={len(run.baseline)})", run.baseline)
    line("under load: escalation step done", run.escalated)
    line("under load: page DM at Slack", run.load)
    verdict = "meets" if percentile(run.load, 99) < 1.0 else "misses"
    print(
        f"  throughput {run.pages_per_s:.0f} pages/s; last page {run.drain_s:.2f} s after the last due time; "
        f"bot peak RSS {run.rss_mb:.0f} MB; goal p99 < 1 s: {verdict}"
    )


@dataclass
class Idle:
    ready_s: float
    cpu_pct: float
    rss_mb: float


def _cpu_seconds(pid: int) -> float:
    """The run time of the process's threads (schedstat: nanoseconds), else its ticks (utime + stime)."""
    try:
        return sum(
            int((task / "schedstat").read_text().split()[0]) / 1e9 for task in Path(f"/proc/{pid}/task").iterdir()
        )
    except (OSError, ValueError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def idle_once(cmd: list[str], env: dict[str, str], probe: str, seconds: float, cwd: Path = ROOT) -> Idle:
    """Start `cmd` (it takes --port), time it to `probe` answering 200, then measure it doing nothing."""
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [*cmd, "--port", str(port)], env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        while True:
            if process.poll() is not None:
                raise SystemExit(f"{cmd} exited with {process.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{probe}", timeout=1):
                    break
            except OSError:
                time.sleep(0.01)
        ready_s = time.perf_counter() - started
        time.sleep(3)  # past the first beats and planners
        cpu, at = _cpu_seconds(process.pid), time.monotonic()
        time.sleep(seconds)
        cpu_pct = 100 * (_cpu_seconds(process.pid) - cpu) / (time.monotonic() - at)
        return Idle(ready_s=ready_s, cpu_pct=cpu_pct, rss_mb=_rss_mb(process.pid))
    finally:
        process.terminate()
        process.wait(timeout=15)


def compiled(checkout: Path) -> None:
    """Byte-compile a checkout's code as an installed package has it (pip compiles on install; the image
    sets PYTHONDONTWRITEBYTECODE=1 only to keep the running bot from writing), so that start to ready does
    not include compiling a source tree run with PYTHONDONTWRITEBYTECODE=1 in its environment."""
    folders = [str(checkout / name) for name in ("bot", "slack_standin") if (checkout / name).is_dir()]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *folders], check=True, stdout=subprocess.DEVNULL)


def idle_runs(name: str, url: str, workdir: Path, *, runs: int, seconds: float, before: Path | None = None) -> None:
    for checkout in (ROOT, before) if before is not None else (ROOT,):
        compiled(checkout)
    Store.open(url).close()  # the schema made here: every process measured starts on an existing database
    config_path = write_config(workdir / f"idle-{name}", tick_seconds=shipped_tick())
    floors: list[Idle] = []
    bots: list[Idle] = []
    befores: list[Idle] = []
    with SlackStandIn(signing_secret=SECRET, bot_token=TOKEN) as slack:
        env = os.environ | {
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.api_url,
            "DATABASE_URL": url,
            "PYTHONPATH": str(ROOT),
        }
        bot_cmd = [sys.executable, "-m", "bot.cli", "--config", str(config_path), "serve", "--http"]
        bot_cmd += ["--host", "127.0.0.1"]
        for _ in range(runs):
            floors.append(idle_once([sys.executable, str(ROOT / "bench" / "bare_bolt.py")], env, "/healthz", seconds))
            if before is not None:
                befores.append(idle_once(bot_cmd, env | {"PYTHONPATH": str(before)}, "/readyz", seconds, cwd=before))
            bots.append(idle_once(bot_cmd, env, "/readyz", seconds))
    print(f"\n{name}: idle, {runs} runs of {seconds:g} s each (bot: serve --http, role all, nothing due)")
    columns = [("bare Bolt (floor)", floors)] + ([(f"before ({before.name})", befores)] if before else [])
    columns.append(("escalation bot", bots))
    print(f"  {'':28}" + "".join(f" {title:>26}" for title, _ in columns) + f" {'bot / floor':>24}")
    load = Path("/proc/loadavg").read_text().split()[:3]

    def line(label: str, get: Any, unit: str) -> None:
        f, b = [get(x) for x in floors], [get(x) for x in bots]
        ratios = [bb / ff if ff else float("nan") for ff, bb in zip(f, b, strict=True)]
        cells = "".join(f" {spread([get(x) for x in values], unit):>26}" for _, values in columns)
        print(f"  {label:28}{cells} {spread(ratios, 'x'):>24}")

    line("start to ready", lambda x: x.ready_s, " s")
    line("idle CPU (% of one core)", lambda x: x.cpu_pct, " %")
    line("idle RSS", lambda x: x.rss_mb, " MB")
    worst = max(b.cpu_pct for b in bots)
    print(
        f"  goals: idle CPU ≤ 0.1 % of a core (worst run {worst:.3f} %); start to /readyz ≤ 1 s "
        f"(worst run {max(b.ready_s for b in bots):.2f} s); load average at the end {' '.join(load)}"
    )


def spread(values: list[float], unit: str) -> str:
    """min / median / max."""
    if not values:
        return "-"
    digits = 3 if max(abs(v) for v in values) < 10 else 1
    return f"{min(values):.{digits}f} / {statistics.median(values):.{digits}f} / {max(values):.{digits}f}{unit}"


def summary(name: str, runs: list[Run]) -> None:
    print(f"\n{name}: over {len(runs)} runs (min / median / max)")
    for label, values in (
        ("floor: isolated page DM p50 s", [statistics.median(r.baseline) for r in runs]),
        ("under load: page DM p50 s", [percentile(r.load, 50) for r in runs]),
        ("under load: page DM p99 s", [percentile(r.load, 99) for r in runs]),
        ("under load: p99 / floor", [percentile(r.load, 99) / statistics.median(r.baseline) for r in runs]),
        ("under load: step done p99 s", [percentile(r.escalated, 99) for r in runs]),
        ("pages/s", [r.pages_per_s for r in runs]),
    ):
        print(f"  {label:32} {spread(values, '')}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timers", type=int, default=1000)
    parser.add_argument("--window", type=float, default=1.0, help="seconds over which the timers fall due")
    parser.add_argument("--tick", type=float, default=shipped_tick(), help="jobs.tick_seconds (default: app.yaml)")
    parser.add_argument("--postgres", help=f"Postgres URL (default: {DEFAULT_POSTGRES} if it answers)")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgres-only", action="store_true")
    parser.add_argument("--profile", type=Path, help="py-spy raw samples of the bot over each burst into this folder")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=0, help="run N `serve --role worker` processes instead of one")
    parser.add_argument("--idle", type=float, default=15.0, help="seconds of idle CPU measured per run (0: skip)")
    parser.add_argument("--idle-only", action="store_true", help="skip the page bursts")
    parser.add_argument("--before", type=Path, help="also run the idle bot from this checkout (e.g. main's)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-paging-"))
    runs: list[tuple[str, Any]] = [] if args.postgres_only else [("SQLite (WAL)", None)]
    pg_url = args.postgres or DEFAULT_POSTGRES
    if not args.sqlite_only:
        if not database_answers(pg_url):
            runs.append(("Postgres", pg_url))
        else:
            print(f"(no Postgres at {pg_url}: SQLite only)")
    print(f"Page lateness, real bot process, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    try:
        for name, url in runs:
            schema = PrivateSchema(url) if url else None
            try:
                done = []
                for n in range(0 if args.idle_only else args.runs):
                    store_url = schema.url if schema else f"sqlite:///{workdir / f'bench{n}.db'}"
                    if schema and n:
                        schema.drop()
                        schema = PrivateSchema(url)
                        store_url = schema.url
                    run = one_run(
                        f"{name.split()[0].lower()}{n}",
                        store_url,
                        workdir,
                        timers=args.timers,
                        window=args.window,
                        tick=args.tick,
                        workers=args.workers,
                        profile=args.profile,
                    )
                    run.store = name + (f", {args.workers} worker processes" if args.workers else "")
                    report(run, args.timers, args.window)
                    done.append(run)
                if done:
                    summary(name, done)
            finally:
                if schema:
                    schema.drop()
            if args.idle > 0:
                idle_schema = PrivateSchema(url) if url else None
                try:
                    idle_url = idle_schema.url if idle_schema else f"sqlite:///{workdir / 'idle.db'}"
                    idle_runs(name, idle_url, workdir, runs=args.runs, seconds=args.idle, before=args.before)
                finally:
                    if idle_schema:
                        idle_schema.drop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
