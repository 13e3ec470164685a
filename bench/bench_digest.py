"""Time and memory to build the leads' digest over 100,000 cases and 1,000,000 events — and the weekly
report with its four charts (matplotlib Agg PNGs) over the same tables, pages seeded too (one page row
per `paged` event) and guide_events (the report's guidance figures: a search before each case, an
escalation after a good match, answers with no case), each measured in its own fresh interpreter so the
peak RSS is its own; `--runs N` measures N times and prints min / median / max.

Seeds SQLite (and Postgres, when `--postgres URL` is given or the default URL answers) with bulk
inserts, then measures in a fresh interpreter, so the figures are the digest's own: wall time of
`read_digest` + `build_digest` (first run and median of `--repeat`), peak Python allocations
(tracemalloc) and peak RSS. The baseline, measured in the same process on the same tables, is a
plain `SELECT count(*)` over cases and over case_events. Goal (issue "Leads' view"): < 0.5 s, < 200 MB.

Usage: python bench/bench_digest.py [--cases N] [--events-per-case 10] [--runs 3] [--postgres URL | --no-postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text

from bot.config.loader import load_config
from bot.config.model import Config
from bot.domain.intake import match_key
from bot.domain.lifecycle import Outcome
from bot.services import digest_data
from bot.services.weekly import build_weekly
from bot.slack.blocks.digest import build_digest
from bot.slack.blocks.weekly import build_weekly as render_weekly
from bot.store.engine import database_answers, normalise_url
from bot.store.reports import ReportRepo
from bot.store.store import Store
from bot.store.tables import CaseEventRow, CaseRow, GuideEventRow, PageRow

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # Wednesday 09:00 in Singapore, the digest's hour
SINCE = NOW - timedelta(days=1)
HISTORY = timedelta(days=365)
BATCH = 50_000
SEVERITY_WEIGHTS = {"sev1": 5, "sev2": 20, "sev3": 50, "sev4": 25}
OPEN_STATUSES = ["new", "acknowledged", "investigating", "investigating", "waiting_on_rep", "waiting_on_partner"]
CASE_COLUMNS = [
    "id",
    "flow_id",
    "status",
    "is_open",
    "severity_id",
    "reporter_id",
    "advertiser",
    "advertiser_key",
    "campaign",
    "campaign_key",
    "market",
    "summary",
    "deadline_at",
    "sensitive",
    "values",
    "channel_id",
    "root_ts",
    "permalink",
    "acknowledged_by",
    "acknowledged_at",
    "paging_generation",
    "owner_id",
    "outcome",
    "resolved_by",
    "resolved_at",
    "pauses",
    "created_at",
    "updated_at",
    "version",
]
EVENT_COLUMNS = ["case_id", "at", "kind", "actor_id", "data"]
COPY_CASES = "COPY cases ({}) FROM STDIN".format(", ".join(f'"{c}"' for c in CASE_COLUMNS))  # "values" is reserved
COPY_EVENTS = "COPY case_events ({}) FROM STDIN".format(", ".join(EVENT_COLUMNS))
PAGE_COLUMNS = ["case_id", "generation", "round", "level", "nth", "user_id", "channel_id", "ts", "sent_at"]
COPY_PAGES = "COPY pages ({}) FROM STDIN".format(", ".join(f'"{c}"' for c in PAGE_COLUMNS))
SPECIALISTS = ("U0SPEC1", "U0SPEC2", "U0SPEC3")
GUIDE_COLUMNS = ["at", "kind", "user_id", "source", "query", "locale", "market", "flow_id", "guide_ids"]
GUIDE_COLUMNS += ["top_guide_id", "top_score", "good_match", "case_id"]
COPY_GUIDES = "COPY guide_events ({}) FROM STDIN".format(", ".join(GUIDE_COLUMNS))
GUIDE_IDS = tuple(f"guide-{n:02d}" for n in range(30))
QUERIES = (
    "can we run vape ads in malaysia",
    "alcohol ads after 10pm",
    "crypto exchange in thailand",
    "weight loss claims",
)


def pages_of(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A page row for each `paged` event, to a specialist, at the event's time (the burden reads these)."""
    return [
        {
            "case_id": e["case_id"],
            "generation": 1,
            "round": 1,
            "level": int(e["data"]["level"]),
            "nth": n,
            "user_id": SPECIALISTS[(e["case_id"] + n) % 3],
            "channel_id": "D0SPEC",
            "ts": f"{e['at'].timestamp():.6f}",
            "sent_at": e["at"],
        }
        for n, e in enumerate(events)
        if e["kind"] == "paged"
    ]


def guide_events_of(cases: list[dict[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
    """What reps did with the guides around these cases: a search a minute before each case (a good match
    for about half), an escalation after a good match, and about one answer with no case per three cases."""
    found: list[dict[str, Any]] = []
    for case in cases:
        at: datetime = case["created_at"] - timedelta(minutes=1)
        top = GUIDE_IDS[case["id"] % len(GUIDE_IDS)]
        good = rng.random() < 0.5
        common = {
            "user_id": case["reporter_id"],
            "source": "intake_form",
            "query": rng.choice(QUERIES),
            "locale": "en-US",
            "market": case["market"],
            "flow_id": case["flow_id"],
            "guide_ids": [top, GUIDE_IDS[(case["id"] + 7) % len(GUIDE_IDS)]],
            "top_guide_id": top,
            "top_score": rng.uniform(1.0, 6.0),
            "good_match": good,
        }
        found.append(common | {"at": at, "kind": "searched", "case_id": case["id"]})
        if good:
            found.append(common | {"at": case["created_at"], "kind": "escalated", "case_id": case["id"]})
        if rng.random() < 1 / 3:
            found.append(common | {"at": at, "kind": "answered", "case_id": None, "good_match": True})
    return found


# --- seeding -------------------------------------------------------------------------------------


def make_cases(count: int, flows: list[str], rng: random.Random) -> Iterator[dict[str, Any]]:
    """One year of cases, oldest first; recent ones are often open, old ones rarely."""
    severities = list(SEVERITY_WEIGHTS)
    weights = list(SEVERITY_WEIGHTS.values())
    for n in range(1, count + 1):
        created = NOW - HISTORY * (count - n + 1) / count
        recent = NOW - created < timedelta(days=14)
        is_open = rng.random() < (0.3 if recent else 0.002)
        acked = (not is_open or rng.random() < 0.8) and rng.random() < 0.98
        acknowledged_at = created + timedelta(minutes=rng.uniform(1, 180)) if acked else None
        resolved_at = None
        if not is_open:
            resolved_at = min(created + timedelta(hours=rng.uniform(0.5, 72)), NOW - timedelta(seconds=1))
            acknowledged_at = min(acknowledged_at or resolved_at, resolved_at)
        status = rng.choice(OPEN_STATUSES) if is_open else rng.choice(["resolved", "resolved", "closed"])
        if status == "new":
            acknowledged_at = None
        owner = f"U0SPEC{rng.randint(1, 9)}" if acknowledged_at and rng.random() < 0.7 else None
        advertiser = f"Advertiser {rng.randint(1, 5000)}"
        campaign = f"Campaign {n}"
        yield {
            "id": n,
            "flow_id": flows[n % len(flows)],
            "status": status,
            "is_open": is_open,
            "severity_id": rng.choices(severities, weights)[0],
            "reporter_id": "U0REP1",
            "advertiser": advertiser,
            "advertiser_key": match_key(advertiser),
            "campaign": campaign,
            "campaign_key": match_key(campaign),
            "market": "SG",
            "summary": "Can this creative run?",
            "deadline_at": created + timedelta(hours=rng.uniform(1, 240)) if rng.random() < 0.6 else None,
            "sensitive": rng.random() < 0.05,
            "values": {},
            "channel_id": "C0ESCALATE",
            "root_ts": f"{int(created.timestamp())}.{n:06d}",
            "permalink": f"https://team.slack.test/archives/C0ESCALATE/p{n}",
            "acknowledged_by": owner or ("U0SPEC1" if acknowledged_at else None),
            "acknowledged_at": acknowledged_at,
            "paging_generation": 1,
            "owner_id": owner,
            "outcome": rng.choice(list(Outcome)).value if resolved_at else None,
            "resolved_by": owner if resolved_at else None,
            "resolved_at": resolved_at,
            "pauses": [[(created + timedelta(hours=1)).isoformat(), None]] if status == "waiting_on_rep" else [],
            "created_at": created,
            "updated_at": resolved_at or acknowledged_at or created,
            "version": 3,
        }


def make_events(case: dict[str, Any], per_case: int, rng: random.Random) -> list[dict[str, Any]]:
    """`per_case` events: opened, pages, acknowledgement, notes, SLA warnings and breaches, resolution."""
    created: datetime = case["created_at"]
    end: datetime = case["resolved_at"] or min(created + timedelta(days=3), NOW - timedelta(seconds=1))
    kinds = ["opened", "paged", "paged", "acknowledged", "take", "add_note", "sla_warning", "paged", "add_note"]
    if rng.random() < 0.1:
        kinds[6] = "sla_breach"
    if rng.random() < 0.02:
        kinds[8] = "deadline_passed"
    last = "resolve" if case["resolved_at"] else "add_note"
    kinds = [*(kinds + ["add_note"] * per_case)[: per_case - 1], last]
    events = []
    for index, kind in enumerate(kinds):
        at = created + (end - created) * index / max(per_case - 1, 1)
        data: dict[str, Any] = {}
        if kind == "paged":
            data = {"user": "U0SPEC1", "round": 1, "level": index % 3 + 1}
        elif kind in ("sla_warning", "sla_breach"):
            data = {"which": rng.choice(["acknowledge", "resolve"])}
        elif kind == "deadline_passed":
            data = {"name": "passed"}
        events.append({"case_id": case["id"], "at": at, "kind": kind, "actor_id": "U0SPEC1", "data": data})
    return events


Rows = list[dict[str, Any]]


def batches(cases: int, per_case: int, flows: list[str]) -> Iterator[tuple[Rows, Rows, Rows]]:
    """(cases, their events, their guide events) in chunks of about BATCH events."""
    rng = random.Random(20261125)
    chunk: list[dict[str, Any]] = []
    for case in make_cases(cases, flows, rng):
        chunk.append(case)
        if len(chunk) * per_case >= BATCH:
            yield chunk, [e for c in chunk for e in make_events(c, per_case, rng)], guide_events_of(chunk, rng)
            chunk = []
    if chunk:
        yield chunk, [e for c in chunk for e in make_events(c, per_case, rng)], guide_events_of(chunk, rng)


def _copy_value(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, dict | list) else value


# Not in the schema yet: what `--proposed-indexes` adds to show what they would save.
PROPOSED_INDEXES = (
    "CREATE INDEX ix_case_events_kind_at ON case_events (kind, at)",
    "CREATE INDEX ix_cases_resolved_at ON cases (resolved_at)",
)


def seed(url: str, *, cases: int, per_case: int, config: Config, indexes: bool = False) -> tuple[float, int, int]:
    """Bulk-insert cases, events, pages and guide events; returns (seconds, open cases, guide events).
    SQLite: executemany; Postgres: COPY."""
    store = Store.open(url)
    flows = [f.id for f in config.flows]
    started = time.perf_counter()
    postgres = store.engine.dialect.name == "postgresql"
    with store.engine.begin() as conn:
        for case_rows, event_rows, guide_rows in batches(cases, per_case, flows):
            if postgres:
                cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
                with cursor.copy(COPY_CASES) as copy:
                    for row in case_rows:
                        copy.write_row([_copy_value(row[c]) for c in CASE_COLUMNS])
                with cursor.copy(COPY_EVENTS) as copy:
                    for row in event_rows:
                        copy.write_row([_copy_value(row[c]) for c in EVENT_COLUMNS])
                with cursor.copy(COPY_PAGES) as copy:
                    for row in pages_of(event_rows):
                        copy.write_row([row[c] for c in PAGE_COLUMNS])
                with cursor.copy(COPY_GUIDES) as copy:
                    for row in guide_rows:
                        copy.write_row([_copy_value(row[c]) for c in GUIDE_COLUMNS])
            else:
                conn.execute(insert(CaseRow.__table__), case_rows)  # type: ignore[attr-defined]
                conn.execute(insert(CaseEventRow.__table__), event_rows)  # type: ignore[attr-defined]
                conn.execute(insert(PageRow.__table__), pages_of(event_rows))  # type: ignore[attr-defined]
                conn.execute(insert(GuideEventRow.__table__), guide_rows)  # type: ignore[attr-defined]
        for statement in PROPOSED_INDEXES if indexes else ():
            conn.execute(text(statement))
        if postgres:
            conn.execute(text("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))"))
    with store.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
        open_cases = conn.execute(text("SELECT count(*) FROM cases WHERE is_open")).scalar_one()
        guide_events = conn.execute(text("SELECT count(*) FROM guide_events")).scalar_one()
    store.close()
    return time.perf_counter() - started, int(open_cases), int(guide_events)


# --- measuring (in a fresh interpreter) ----------------------------------------------------------


def rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(url: str, repeat: int) -> dict[str, Any]:
    config = load_config(ROOT / "app.yaml", env={})
    store = Store.open(url)
    tz = config.app.timezone

    def baseline() -> None:
        with store.read() as tx:
            tx.session.execute(text("SELECT count(*) FROM cases")).scalar_one()
            tx.session.execute(text("SELECT count(*) FROM case_events")).scalar_one()

    def build() -> tuple[str, list[dict[str, Any]]]:
        digest = digest_data.read_digest(store, config, now=NOW, since=SINCE, late=False)
        return build_digest(digest, tz=tz)

    def timed(fn: Any) -> float:
        started = time.perf_counter()
        fn()
        return time.perf_counter() - started

    baseline_cold = timed(baseline)
    baselines = [timed(baseline) for _ in range(repeat)]
    rss_before = rss_mb("VmRSS")
    first = timed(build)
    runs = [timed(build) for _ in range(repeat)]
    text_, blocks = build()
    tracemalloc.start()
    build()
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    parts: dict[str, float] = {}
    with store.read() as tx:
        reports = ReportRepo(tx.session, prefix=config.app.case_prefix)
        holidays = digest_data.team_holidays(config)
        steps: dict[str, Any] = {
            "open_counts": reports.open_counts,
            "open_cases": reports.open_cases,
            "deadlines": lambda: reports.deadlines_between(NOW, NOW + timedelta(hours=24)),
            "resolved_since": lambda: reports.resolved_since(SINCE, now=NOW),
            "opened_since": lambda: reports.opened_since(SINCE, now=NOW),
            "breach_events": lambda: reports.breach_events_since(SINCE, now=NOW),
            "response_times": lambda: reports.response_times(NOW - timedelta(days=7), NOW, tz=tz, holidays=holidays),
        }
        open_cases = reports.open_cases()
        steps["sla_dues (Python)"] = lambda: digest_data.sla_dues(config, open_cases)
        for name, step in steps.items():
            parts[name] = statistics.median(timed(step) for _ in range(repeat))

    def weekly() -> None:
        render_weekly(build_weekly(config, store, end_at=NOW), tz=tz)

    parts["weekly report (whole)"] = statistics.median(timed(weekly) for _ in range(repeat))
    store.close()
    return {
        "baseline_ms": statistics.median(baselines) * 1000,
        "baseline_cold_ms": baseline_cold * 1000,
        "first_ms": first * 1000,
        "median_ms": statistics.median(runs) * 1000,
        "max_ms": max(runs) * 1000,
        "traced_peak_mb": traced_peak / 2**20,
        "rss_before_mb": rss_before,
        "rss_peak_mb": rss_mb("VmHWM"),
        "blocks": len(blocks),
        "json_chars": len(json.dumps(blocks, ensure_ascii=False)),
        "text": text_,
        "parts_ms": {k: v * 1000 for k, v in parts.items()},
    }


def measure_weekly(url: str, repeat: int) -> dict[str, Any]:
    """The weekly report and its four charts (data from the store, PNGs drawn), as its job handlers do."""
    config = load_config(ROOT / "app.yaml", env={})
    store = Store.open(url)
    tz = config.app.timezone
    rss_before = rss_mb("VmRSS")
    parts: dict[str, list[float]] = {}

    def build() -> tuple[int, int]:
        from bot.charts import render_png
        from bot.services.charts import build_charts

        started = time.perf_counter()
        _, blocks = render_weekly(build_weekly(config, store, end_at=NOW), tz=tz)
        parts.setdefault("report (text)", []).append(time.perf_counter() - started)
        size = 0
        for chart in build_charts(config, store, end_at=NOW):
            started = time.perf_counter()
            size += len(render_png(chart))
            parts.setdefault(f"png {chart.name}", []).append(time.perf_counter() - started)
        return len(blocks), size

    started = time.perf_counter()
    blocks, png_bytes = build()
    first = time.perf_counter() - started
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        build()
        runs.append(time.perf_counter() - started)
    store.close()
    return {
        "first_ms": first * 1000,
        "median_ms": statistics.median(runs) * 1000,
        "max_ms": max(runs) * 1000,
        "rss_before_mb": rss_before,
        "rss_peak_mb": rss_mb("VmHWM"),
        "blocks": blocks,
        "png_kb": png_bytes / 1024,
        "parts_ms": {k: statistics.median(v) * 1000 for k, v in parts.items()},
    }


def run_measure(url: str, repeat: int, mode: str = "--measure") -> dict[str, Any]:
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, __file__, mode, url, "--repeat", str(repeat)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"measuring failed:\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def with_schema(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def report(name: str, seed_s: float, figures: dict[str, Any]) -> None:
    base, median, peak = figures["baseline_ms"], figures["median_ms"], figures["rss_peak_mb"]
    print(
        f"{name:9} seed {seed_s:6.1f} s | baseline count(*) {base:7.1f} ms | digest first "
        f"{figures['first_ms']:7.1f} ms, median {median:7.1f} ms, max {figures['max_ms']:7.1f} ms "
        f"| ratio digest/baseline {median / base:5.2f}"
    )
    print(
        f"{'':9} memory: tracemalloc peak {figures['traced_peak_mb']:6.1f} MB | RSS before "
        f"{figures['rss_before_mb']:6.1f} MB, peak {peak:6.1f} MB (ratio {peak / figures['rss_before_mb']:.2f}) "
        f"| {figures['blocks']} blocks, {figures['json_chars']} chars"
    )
    parts = ", ".join(f"{k} {v:.1f}" for k, v in figures["parts_ms"].items())
    print(f"{'':9} parts (ms, median): {parts}")
    goal = median < 500 and peak < 200
    print(f"{'':9} goal < 500 ms and < 200 MB: {'met' if goal else 'NOT met'}")


def report_weekly(name: str, weekly: dict[str, Any], digest: dict[str, Any]) -> None:
    print(
        f"{'':9} weekly report + 4 charts: first {weekly['first_ms']:7.1f} ms, median {weekly['median_ms']:7.1f} ms, "
        f"max {weekly['max_ms']:7.1f} ms (x{weekly['median_ms'] / digest['median_ms']:.1f} the digest) | RSS before "
        f"{weekly['rss_before_mb']:6.1f} MB, peak {weekly['rss_peak_mb']:6.1f} MB (digest peak "
        f"{digest['rss_peak_mb']:6.1f} MB) | {weekly['blocks']} blocks, PNGs {weekly['png_kb']:.0f} kB"
    )
    parts = ", ".join(f"{k} {v:.1f}" for k, v in weekly["parts_ms"].items())
    print(f"{'':9} weekly parts (ms, median): {parts}")


def spread(values: list[float], unit: str) -> str:
    """min / median / max of `values`."""
    return f"{min(values):.1f} / {statistics.median(values):.1f} / {max(values):.1f} {unit}"


def summarise(name: str, runs: list[tuple[dict[str, Any], dict[str, Any] | None]]) -> None:
    """min / median / max over the runs: the digest, its ratio to the baseline, and the weekly report against
    the digest of the same run."""
    digests = [d for d, _ in runs]
    print(f"{name:9} over {len(runs)} runs (min / median / max):")
    print(
        f"{'':9} digest median {spread([d['median_ms'] for d in digests], 'ms')} | ratio digest/baseline "
        f"{spread([d['median_ms'] / d['baseline_ms'] for d in digests], '')} | peak RSS "
        f"{spread([d['rss_peak_mb'] for d in digests], 'MB')}"
    )
    pairs = [(d, w) for d, w in runs if w is not None]
    if pairs:
        print(
            f"{'':9} weekly + 4 charts median {spread([w['median_ms'] for _, w in pairs], 'ms')} | ratio weekly/digest "
            f"{spread([w['median_ms'] / d['median_ms'] for d, w in pairs], '')} | peak RSS "
            f"{spread([w['rss_peak_mb'] for _, w in pairs], 'MB')} | ratio RSS weekly/digest "
            f"{spread([w['rss_peak_mb'] / d['rss_peak_mb'] for d, w in pairs], '')}"
        )


def main() -> int:
    """Parse the arguments and run; the SQLite file is removed however the run ends (it is ~280 MB)."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-digest-"))
    try:
        return run(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(workdir: Path) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--events-per-case", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=7, help="timed builds per measurement (their median is kept)")
    parser.add_argument(
        "--runs", type=int, default=3, help="measurements, each in a fresh interpreter (min/median/max)"
    )
    parser.add_argument("--postgres", help="also run on this Postgres URL (default: the test URL, if it answers)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--proposed-indexes", action="store_true", help="add indexes on events (kind, at), resolved_at")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--measure-weekly", help=argparse.SUPPRESS)
    parser.add_argument("--no-weekly", action="store_true", help="skip the weekly report with charts")
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.repeat)))
        return 0
    if args.measure_weekly:
        print(json.dumps(measure_weekly(args.measure_weekly, args.repeat)))
        return 0
    config = load_config(ROOT / "app.yaml", env={})
    targets: list[tuple[str, str, str | None]] = [("SQLite", f"sqlite:///{workdir / 'digest.db'}", None)]
    pg_url = args.postgres or DEFAULT_POSTGRES
    if not args.no_postgres and not database_answers(pg_url):
        fresh = f"bench_digest_{uuid.uuid4().hex[:10]}"
        targets.append(("Postgres", with_schema(pg_url, fresh), fresh))
    elif args.postgres:
        raise SystemExit(f"no Postgres answers at {args.postgres}")
    events = args.cases * args.events_per_case
    print(
        f"Digest over {args.cases:,} cases and {events:,} events; now {NOW:%Y-%m-%d %H:%M} UTC, since 24 h earlier; "
        f"{args.runs} runs, each the median of {args.repeat} builds after one first build; {os.cpu_count()} CPUs"
        + ("; with the proposed indexes" if args.proposed_indexes else "")
    )
    for name, url, schema in targets:
        admin = create_engine(normalise_url(pg_url)) if schema else None
        try:
            if admin is not None:
                with admin.begin() as conn:
                    conn.execute(text(f"CREATE SCHEMA {schema}"))
            seed_s, open_cases, guide_events = seed(
                url, cases=args.cases, per_case=args.events_per_case, config=config, indexes=args.proposed_indexes
            )
            print(f"{name:9} seeded in {seed_s:.1f} s: {open_cases:,} open cases, {guide_events:,} guide events")
            runs: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
            for run in range(1, args.runs + 1):
                figures = run_measure(url, args.repeat)
                if run == 1:
                    print(f"{name:9} digest says: {figures['text']}")
                print(f"{name:9} run {run} of {args.runs}")
                report(name, seed_s, figures)
                weekly = None if args.no_weekly else run_measure(url, args.repeat, "--measure-weekly")
                if weekly is not None:
                    report_weekly(name, weekly, figures)
                runs.append((figures, weekly))
            summarise(name, runs)
        finally:
            if admin is not None:
                with admin.begin() as conn:
                    conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
                admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
