"""What the chart jobs left, on SQLite and Postgres: one row per report, channel and chart (a replayed job
adds nothing), the newest report's charts with an uploaded file preferred over a failed copy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.charts import ChartFile

END = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)


def chart(name: str, end_at: datetime, file_id: str | None) -> ChartFile:
    return ChartFile(name, end_at, f"{name} title", f"{name} alt", f"*{name}* text", file_id)


def test_the_newest_reports_charts_once_each_with_an_uploaded_file_preferred(store):
    with store.transaction() as tx:
        tx.chart_files.record(chart("burden", END - timedelta(weeks=1), "F1"), channel_id="C0LEADS", now=END)
        tx.chart_files.record(chart("burden", END, None), channel_id="C0OTHER", now=END)  # failed in one channel
        tx.chart_files.record(chart("burden", END, "F2"), channel_id="C0LEADS", now=END)
        tx.chart_files.record(chart("sla_compliance", END, None), channel_id="C0LEADS", now=END)
    with store.transaction() as tx:  # a replayed job (its send was repeated) records nothing more
        tx.chart_files.record(chart("burden", END, "F9"), channel_id="C0LEADS", now=END)
    with store.read() as tx:
        latest = {c.name: c for c in tx.chart_files.latest(before=END + timedelta(days=1))}
        older = tx.chart_files.latest(before=END - timedelta(days=1))
        assert tx.chart_files.latest(before=END - timedelta(weeks=2)) == []
    assert latest["burden"].file_id == "F2" and latest["sla_compliance"].file_id is None
    assert latest["sla_compliance"].fallback == "*sla_compliance* text"
    assert [(c.name, c.file_id) for c in older] == [("burden", "F1")]
