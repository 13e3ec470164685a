"""The weekly report's charts: rendered with matplotlib (Agg), uploaded through files.getUploadURLExternal,
the upload and files.completeUploadExternal into the report's thread with alt text, each a durable job;
an upload that fails for good leaves the chart's text in the thread instead."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import FakeClock
from bot.domain.digest_schedule import DigestSchedule
from bot.services.weekly import plan_weekly
from slack_standin import SlackStandIn
from tests.slack.conftest import file_case, wait_until

SGT = ZoneInfo("Asia/Singapore")
WEEKLY = (DigestSchedule(channel_id="C0LEADS", at=time(9, 30), days=frozenset({0}), timezone=SGT, kind="weekly"),)
MONDAY = datetime(2026, 11, 30, 9, 29, tzinfo=SGT)


def run_report(standin: SlackStandIn, make_bot) -> tuple[object, dict]:
    clock = FakeClock(MONDAY - timedelta(days=2), ticking=True)
    bot = make_bot(clock=clock, weekly_reports=WEEKLY)
    file_case(standin, deadline=(clock.now() + timedelta(days=3)).replace(microsecond=0))
    wait_until(lambda: standin.calls("chat.getPermalink"))
    clock.set(MONDAY)
    plan_weekly(config=bot.config, store=bot.store, now=clock.now())
    clock.set(MONDAY + timedelta(minutes=1, seconds=5))
    bot.ticker.kick()
    [report] = wait_until(
        lambda: [m for m in standin.messages("C0LEADS") if m["text"].startswith("Weekly report")], timeout=10
    )
    return bot, report


def test_each_chart_is_uploaded_in_three_steps_into_the_reports_thread_with_alt_text(standin: SlackStandIn, make_bot):
    _, report = run_report(standin, make_bot)
    shared = wait_until(
        lambda: (
            (found := [m for m in standin.messages("C0LEADS", report["ts"]) if m.get("files")])
            and len(found) == 4
            and found
        ),
        timeout=30,
    )
    titles = {m["files"][0]["title"] for m in shared}
    assert titles == {
        "Cases per day by severity",
        "Median time to acknowledge / resolve (hours)",
        "SLA compliance per week (%)",
        "Hours on call per person, by kind of time",
    }
    assert all(m["files"][0]["alt_txt"] and m["files"][0]["mimetype"] == "image/png" for m in shared)
    urls = [c for c in standin.calls("files.getUploadURLExternal") if c.ok]
    uploads = [c for c in standin.calls("files.upload_url") if c.status == 200]
    completes = [c for c in standin.calls("files.completeUploadExternal") if c.ok]
    assert len(urls) == len(uploads) == len(completes) == 4
    assert all(c.body.startswith(b"\x89PNG") for c in uploads)
    assert all(c.args["thread_ts"] == report["ts"] for c in completes)


def test_a_chart_whose_upload_fails_for_good_falls_back_to_its_text(standin: SlackStandIn, make_bot):
    standin.faults.add(
        "files.completeUploadExternal",
        error="invalid_arguments",
        times=None,
        where=lambda args: args.get("channel_id") == "C0LEADS",
    )
    _, report = run_report(standin, make_bot)
    texts = wait_until(
        lambda: (
            (found := [m["text"] for m in standin.messages("C0LEADS", report["ts"]) if not m.get("files")])
            and len(found) >= 5
            and found
        ),
        timeout=30,
    )
    assert any(t.startswith("*Cases per day") for t in texts)
    assert any(t.startswith("*Hours on call this week") for t in texts)
    assert not [m for m in standin.messages("C0LEADS", report["ts"]) if m.get("files")]
