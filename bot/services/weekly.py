"""The weekly report as a durable job: one key per channel per week, like the daily digest."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.config.model import Config
from bot.domain import rota
from bot.domain.business import team_schedule
from bot.domain.case import MessageRef
from bot.domain.digest_input import Measure
from bot.domain.digest_schedule import scheduled
from bot.domain.job import Job
from bot.domain.weekly import GuidanceFigures, WeeklyReport, compliance, gap_topics, on_call_load
from bot.services.burden import build_burden
from bot.services.charts import enqueue_charts
from bot.services.digest_data import sla_dues
from bot.services.digests import plan_occurrences
from bot.services.guide_search import tokenize
from bot.store.effects import Effect
from bot.store.guides import GuideWeek
from bot.store.store import Store, Tx
from bot.store.weekly import weekly_figures

WEEKLY = "weekly.send"
PLAN_AHEAD = timedelta(days=8)
CATCH_UP = timedelta(days=2)


class WeeklySender(Protocol):
    """Posts the weekly report to its channel."""

    def post_weekly(self, report: WeeklyReport, *, channel_id: str) -> MessageRef | None: ...


def build_weekly(config: Config, store: Store, *, end_at: datetime) -> WeeklyReport:
    """The report for the seven days before `end_at`."""
    start_at = end_at - timedelta(days=7)
    with store.read(patient=True) as tx:
        figures = weekly_figures(tx.session, start_at=start_at, end_at=end_at)
        guides = tx.guides.week(start_at=start_at, end_at=end_at) if config.guides else None
    schedule = team_schedule(config.policies.values(), config.schedules)
    # Open cases with no breach recorded whose SLA fell due before the end (the breach job is late).
    overdue = {
        measure: sum(
            1
            for due in sla_dues(config, figures.unsettled[measure.value])
            if due.measure is measure and due.due_at <= end_at
        )
        for measure in (Measure.ACKNOWLEDGE, Measure.RESOLVE)
    }

    def in_hours(at: datetime) -> bool:
        return True if schedule is None else rota.is_business_hours(schedule, at)

    return WeeklyReport(
        start_at=start_at,
        end_at=end_at,
        opened=figures.opened,
        by_flow=figures.by_flow,
        by_market=figures.by_market,
        by_severity=figures.by_severity,
        acknowledge_compliance=compliance(
            figures.acknowledge_met, figures.acknowledge_breached + overdue[Measure.ACKNOWLEDGE]
        ),
        resolve_compliance=compliance(figures.resolve_met, figures.resolve_breached + overdue[Measure.RESOLVE]),
        deadlines_missed=figures.deadlines_missed,
        load=on_call_load(figures.pages, in_hours=in_hours),
        top_advertisers=figures.top_advertisers,
        guidance=_guidance(config, guides) if guides is not None else None,
        burden=build_burden(config, store, start_at=start_at, end_at=end_at),
        burden_quarter=build_burden(config, store, start_at=end_at - timedelta(days=91), end_at=end_at),
    )


def topic_of(question: str) -> str:
    """A question's topic: its search words, de-duplicated and sorted (word order and filler do not count)."""
    return " ".join(sorted(set(tokenize(question))))


def _guidance(config: Config, week: GuideWeek) -> GuidanceFigures:
    titles = {g.id: g.title for g in config.guides}
    return GuidanceFigures(
        answered=week.answered,
        withdrawn=week.withdrawn,
        gaps=gap_topics(week.gap_queries, topic=topic_of),
        escalated_anyway=tuple((titles.get(g, g), n) for g, n in week.escalated_anyway),
    )


def plan_weekly(*, config: Config, store: Store, now: datetime) -> int:
    """Enqueue each weekly report occurrence near `now` (idempotent, one key per channel per week)."""
    return plan_occurrences(config.app.weekly_reports, kind=WEEKLY, store=store, now=now, ahead=PLAN_AHEAD)


@dataclass
class WeeklyReports:
    """The weekly report job handler."""

    config: Config
    store: Store
    sender: WeeklySender
    clock: Callable[[], datetime] | None = None  # with it, a report more than CATCH_UP old is skipped

    def handlers(self) -> dict[str, Callable[[Job], Effect | None]]:
        return {WEEKLY: self.send}

    def send(self, job: Job) -> Effect | None:
        end_at = datetime.fromisoformat(str(job.payload["scheduled_at"]))
        if scheduled(self.config.app.weekly_reports, str(job.payload["channel"]), end_at) is None:
            return None  # the configuration changed since it was planned
        if self.clock is not None and self.clock() - end_at > CATCH_UP:
            return None  # planned before a long outage: next week's report follows
        report = build_weekly(self.config, self.store, end_at=end_at)
        channel = str(job.payload["channel"])
        posted = self.sender.post_weekly(report, channel_id=channel)
        thread_ts = posted.ts if posted is not None else None

        def charts(tx: Tx, now: datetime) -> None:  # committed with the report's job: each chart its own job
            enqueue_charts(tx, channel_id=channel, thread_ts=thread_ts, end_at=end_at, now=now)

        return charts
