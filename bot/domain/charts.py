"""What each weekly chart shows, as plain series (no plotting here): cases per day by severity, time to
acknowledge and resolve per severity per week, SLA compliance per week, hours on call per person.

Each chart also carries its alt text and a plain-text fallback, so a failed upload still tells."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.burden import KINDS, Burden

WEEKS = 8


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart: x labels, named series of values (None: no data), how to draw it, and its words."""

    name: str
    title: str
    kind: str  # "stacked_bar" | "line"
    x_labels: tuple[str, ...]
    series: tuple[tuple[str, tuple[float | None, ...]], ...]
    y_label: str
    alt_text: str
    fallback: str


def _fmt(value: float | None, unit: str = "") -> str:
    return "—" if value is None else f"{value:.3g}{unit}"


def cases_per_day(
    cases: Sequence[tuple[int, datetime, str, datetime | None, datetime | None]],
    *,
    end_at: datetime,
    zone: ZoneInfo,
    severities: Sequence[str],
    days: int = 28,
) -> Chart:
    """Cases opened per local day over the last `days`, stacked by severity."""
    last = (end_at - timedelta(microseconds=1)).astimezone(zone).date()
    day_list = [last - timedelta(days=days - 1 - i) for i in range(days)]
    index = {d: i for i, d in enumerate(day_list)}
    counts = {s: [0.0] * days for s in severities}
    for _, created, severity, _, _ in cases:
        i = index.get(created.astimezone(zone).date())
        if i is not None:
            counts.setdefault(severity, [0.0] * days)[i] += 1
    series = tuple((s.upper(), tuple(v)) for s, v in counts.items() if any(v))
    total = sum(sum(v) for _, v in series)
    busiest = max(range(days), key=lambda i: sum(v[i] or 0 for _, v in series)) if series else 0
    alt = (
        f"Bar chart of cases opened per day over the {days} days to {last:%d %b}, by severity: {total:.0f} in all, "
        f"busiest {day_list[busiest]:%a %d %b}."
    )
    labels = tuple(f"{d:%d %b}" for d in day_list)
    return Chart(
        "cases_per_day",
        "Cases per day by severity",
        "stacked_bar",
        labels,
        series,
        "cases",
        alt,
        f"*Cases per day (last {days} days):* {total:.0f}; busiest {day_list[busiest]:%a %d %b}.",
    )


def _weeks(end_at: datetime) -> list[tuple[datetime, datetime]]:
    return [(end_at - timedelta(weeks=WEEKS - i), end_at - timedelta(weeks=WEEKS - i - 1)) for i in range(WEEKS)]


def _week_of(created: datetime, weeks: Sequence[tuple[datetime, datetime]]) -> int | None:
    first, last = weeks[0][0], weeks[-1][1]
    if not first <= created < last:
        return None
    return min(int((created - first) / timedelta(weeks=1)), len(weeks) - 1)


def response_times(
    cases: Sequence[tuple[int, datetime, str, datetime | None, datetime | None]],
    *,
    end_at: datetime,
    zone: ZoneInfo,
    severities: Sequence[str],
) -> Chart:
    """Median hours to acknowledge and to resolve, per severity, per week over 8 weeks."""
    weeks = _weeks(end_at)
    spans: dict[tuple[str, str, int], list[float]] = {}
    for _, created, severity, acked, resolved in cases:
        week = _week_of(created, weeks)
        if week is None:
            continue
        for measure, at in (("ack", acked), ("resolve", resolved)):
            if at is not None and at < end_at:
                spans.setdefault((measure, severity, week), []).append((at - created).total_seconds() / 3600)
    series = []
    for measure in ("ack", "resolve"):
        for severity in severities:
            found = [spans.get((measure, severity, w)) for w in range(len(weeks))]
            values = tuple(statistics.median(v) if v else None for v in found)
            if any(v is not None for v in values):
                series.append((f"{severity.upper()} {measure}", values))
    labels = tuple(f"{s.astimezone(zone):%d %b}" for s, _ in weeks)
    alt = "Line chart of the median hours to acknowledge and to resolve, per severity, for each of the last 8 weeks."
    latest = ", ".join(f"{name} {_fmt(v[-1], 'h')}" for name, v in series) or "no acknowledged cases"
    return Chart(
        "response_times",
        "Median time to acknowledge / resolve (hours)",
        "line",
        labels,
        tuple(series),
        "hours",
        alt,
        f"*Median response, latest week:* {latest}.",
    )


def sla_compliance(
    cases: Sequence[tuple[int, datetime, str, datetime | None, datetime | None]],
    breached: dict[str, set[int]],
    *,
    end_at: datetime,
    zone: ZoneInfo,
) -> Chart:
    """Per week: the share of cases met, of those settled (acknowledged / resolved) or breached by the end."""
    weeks = _weeks(end_at)
    met: dict[tuple[str, int], int] = {}
    missed: dict[tuple[str, int], int] = {}
    for case_id, created, _, acked, resolved in cases:
        week = _week_of(created, weeks)
        if week is None:
            continue
        for which, at in (("acknowledge", acked), ("resolve", resolved)):
            if case_id in breached[which]:
                missed[(which, week)] = missed.get((which, week), 0) + 1
            elif at is not None and at < end_at:
                met[(which, week)] = met.get((which, week), 0) + 1
    series = []
    for which in ("acknowledge", "resolve"):
        values: list[float | None] = []
        for w in range(len(weeks)):
            good, bad = met.get((which, w), 0), missed.get((which, w), 0)
            values.append(None if good + bad == 0 else 100 * good / (good + bad))
        series.append((which, tuple(values)))
    labels = tuple(f"{s.astimezone(zone):%d %b}" for s, _ in weeks)
    latest = ", ".join(f"{name} {_fmt(v[-1], '%')}" for name, v in series)
    alt = (
        "Line chart of SLA compliance (percent of cases whose SLA came due that met it), acknowledge and "
        "resolve, per week for 8 weeks."
    )
    return Chart(
        "sla_compliance",
        "SLA compliance per week (%)",
        "line",
        labels,
        tuple(series),
        "%",
        alt,
        f"*SLA compliance, latest week:* {latest}.",
    )


def burden_chart(result: Burden, *, top: int = 12) -> Chart:
    """Hours on call per person over the period, stacked by kind of time."""
    people = result.people[:top]
    labels = tuple(p.user_id for p in people)
    series = tuple((k.value, tuple(p.hours.get(k, 0.0) for p in people)) for k in KINDS)
    alt = (
        "Bar chart of hours on call per person over the week, split into weekday, weeknight, weekend and holiday: "
        + "; ".join(f"{p.user_id} {p.total_hours:g}h" for p in people)
    )[:1000]
    text = "*Hours on call this week:* " + (", ".join(f"<@{p.user_id}> {p.total_hours:g}h" for p in people) or "none")
    return Chart(
        "burden", "Hours on call per person, by kind of time", "stacked_bar", labels, series, "hours", alt, text
    )


@dataclass(frozen=True, slots=True)
class ChartFile:
    """A chart as its job left it: the Slack file uploaded (None when the upload failed for good) and its words."""

    name: str
    end_at: datetime
    title: str
    alt_text: str
    fallback: str
    file_id: str | None
