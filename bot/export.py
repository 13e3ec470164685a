"""`escalation-bot export --since DATE [--until DATE] --format csv|jsonl`: cases and events for analysis."""

from __future__ import annotations

import csv
import json
import os
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.store.export import CASE_COLUMNS, EVENT_COLUMNS, iter_cases, iter_events
from bot.store.store import Store

# OWASP "CSV injection": a cell starting with one of these is a formula to a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A CSV cell a spreadsheet shows as text: a leading formula character gets a `'` before it."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _safe_row(record: dict[str, object]) -> dict[str, object]:
    return {k: safe_cell(v) for k, v in record.items()}


def _private(path: Path) -> TextIO:
    """Open `path` for writing, readable by its owner only (0600), even if it existed before."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    return open(fd, "w", newline="", encoding="utf-8")


def day_start(day: date, tz: ZoneInfo) -> datetime:
    """Local midnight of `day` in the team's zone."""
    return datetime.combine(day, time(0), tzinfo=tz)


def export(
    store: Store, *, since: date, until: date, tz: ZoneInfo, fmt: str, out_dir: Path
) -> tuple[list[Path], int, int]:
    """Write the cases opened from `since` up to (not including) `until`, local days; return files and counts."""
    start, end = day_start(since, tz), day_start(until, tz)
    out_dir.mkdir(parents=True, exist_ok=True)
    cases = events = 0
    with store.read() as tx:
        if fmt == "jsonl":
            path = out_dir / f"escalations-{since}-{until}.jsonl"
            with _private(path) as out:
                for record in iter_cases(tx.session, since=start, until=end, prefix=store.prefix):
                    out.write(json.dumps({"type": "case", **record}, ensure_ascii=False) + "\n")
                    cases += 1
                for record in iter_events(tx.session, since=start, until=end):
                    out.write(json.dumps({"type": "event", **record}, ensure_ascii=False) + "\n")
                    events += 1
            return [path], cases, events
        case_path, event_path = out_dir / f"cases-{since}-{until}.csv", out_dir / f"events-{since}-{until}.csv"
        with _private(case_path) as out:
            writer = csv.DictWriter(out, fieldnames=["case", *CASE_COLUMNS])
            writer.writeheader()
            for record in iter_cases(tx.session, since=start, until=end, prefix=store.prefix):
                writer.writerow(_safe_row(record))
                cases += 1
        with _private(event_path) as out:
            writer = csv.DictWriter(out, fieldnames=list(EVENT_COLUMNS))
            writer.writeheader()
            for record in iter_events(tx.session, since=start, until=end):
                writer.writerow(_safe_row({**record, "data": json.dumps(record["data"], ensure_ascii=False)}))
                events += 1
    return [case_path, event_path], cases, events


def parse_day(text: str) -> date:
    """YYYY-MM-DD, for argparse."""
    return date.fromisoformat(text)


def tomorrow(tz: ZoneInfo, now: datetime) -> date:
    """The default `--until`: everything up to the end of today, local."""
    return now.astimezone(tz).date() + timedelta(days=1)
