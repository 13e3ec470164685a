"""The weekly report's charts as durable jobs: one job per chart per report (its key), rendered from the
store when it runs, uploaded with Slack's file API into the report's thread; when the upload fails for
good, the chart's text goes there instead. Either way the job records what it left (chart_files), and
the leads' App Home shows those files again by id: nothing is uploaded when a Home tab opens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.config.model import Config
from bot.domain import charts as c
from bot.domain.job import Job
from bot.services.burden import build_burden
from bot.services.digest_data import day_calendar
from bot.services.ports import DeliveryError
from bot.store.effects import Effect
from bot.store.store import Store, Tx
from bot.store.weekly import chart_rows

CHART = "chart.upload"
NAMES = ("cases_per_day", "response_times", "sla_compliance", "burden")


class ChartSender(Protocol):
    def upload_chart(
        self, png: bytes, *, filename: str, title: str, alt_text: str, channel_id: str, thread_ts: str | None
    ) -> str:
        """Upload the PNG into the thread; the Slack file's id."""
        ...

    def post_chart_text(self, text: str, *, channel_id: str, thread_ts: str | None) -> None: ...


def build_charts(config: Config, store: Store, *, end_at: datetime, names: tuple[str, ...] = NAMES) -> list[c.Chart]:
    """The charts of the report ending at `end_at`, from one read of the store."""
    zone, _ = day_calendar(config)
    severities = list(dict.fromkeys(s.id for f in config.flows for s in f.severities))
    found = []
    if set(names) - {"burden"}:
        with store.read(patient=True) as tx:  # a chart job: nobody waits on it
            rows = chart_rows(tx.session, start_at=end_at - timedelta(weeks=c.WEEKS), end_at=end_at)
        for name in names:
            if name == "cases_per_day":
                found.append(c.cases_per_day(rows.cases, end_at=end_at, zone=zone, severities=severities))
            elif name == "response_times":
                found.append(c.response_times(rows.cases, end_at=end_at, zone=zone, severities=severities))
            elif name == "sla_compliance":
                found.append(c.sla_compliance(rows.cases, rows.breached, end_at=end_at, zone=zone))
    if "burden" in names:
        found.append(c.burden_chart(build_burden(config, store, start_at=end_at - timedelta(days=7), end_at=end_at)))
    return found


def enqueue_charts(tx: Tx, *, channel_id: str, thread_ts: str | None, end_at: datetime, now: datetime) -> None:
    """One job per chart, keyed by channel, report and chart: a replica or a retry adds no second one."""
    for name in NAMES:
        tx.jobs.enqueue(
            kind=CHART,
            key=f"{CHART}:{channel_id}:{end_at.isoformat()}:{name}",
            due_at=now,
            now=now,
            payload={"chart": name, "channel": channel_id, "thread_ts": thread_ts, "end_at": end_at.isoformat()},
            max_attempts=4,
        )


@dataclass
class Charts:
    """The chart job handler."""

    config: Config
    store: Store
    sender: ChartSender

    def handlers(self) -> dict[str, Callable[[Job], Effect | None]]:
        return {CHART: self.send}

    def send(self, job: Job) -> Effect | None:
        from bot.charts import render_png  # matplotlib only when a chart is drawn

        name = str(job.payload["chart"])
        channel = str(job.payload["channel"])
        thread_ts = str(job.payload["thread_ts"]) if job.payload.get("thread_ts") else None
        end_at = datetime.fromisoformat(str(job.payload["end_at"]))
        [chart] = build_charts(self.config, self.store, end_at=end_at, names=(name,))
        file_id: str | None = None
        try:
            file_id = self.sender.upload_chart(
                render_png(chart),
                filename=f"{name}-{end_at:%Y%m%d}.png",
                title=chart.title,
                alt_text=chart.alt_text,
                channel_id=channel,
                thread_ts=thread_ts,
            )
        except DeliveryError as failed:
            if failed.retryable and not job.is_last_attempt:
                raise
            self.sender.post_chart_text(chart.fallback, channel_id=channel, thread_ts=thread_ts)
        done = c.ChartFile(chart.name, end_at, chart.title, chart.alt_text, chart.fallback, file_id)

        def record(tx: Tx, now: datetime) -> None:
            """Durable output of the job: App Home reuses the uploaded file (or the text) of this week."""
            tx.chart_files.record(done, channel_id=channel, now=now)

        return record
