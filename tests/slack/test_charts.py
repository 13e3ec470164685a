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


def chart_files(bot) -> list:
    with bot.store.read() as tx:
        return tx.chart_files.latest(before=MONDAY + timedelta(days=1))


def home_blocks(standin: SlackStandIn, user: str) -> list[dict]:
    responses = standin.user(user).open_home()
    assert all(r.status == 200 for r in responses)
    publish = standin.wait_for_call("views.publish", where=lambda c: c.args.get("user_id") == user and c.ok)
    return list(publish.args["view"]["blocks"])


def test_the_leads_home_shows_the_weeks_uploaded_charts_by_file_id_without_uploading_again(
    standin: SlackStandIn, make_bot
):
    bot, report = run_report(standin, make_bot)
    wait_until(lambda: len([f for f in chart_files(bot) if f.file_id]) == 4, timeout=30)
    shared = {f["id"]: f for m in standin.messages("C0LEADS", report["ts"]) for f in m.get("files", [])}
    assert len(shared) == 4
    standin.reset_calls()
    blocks = home_blocks(standin, "U0LEAD1")
    images = [b for b in blocks if b["type"] == "image"]
    assert {b["slack_file"]["id"] for b in images} == set(shared)
    assert {b["alt_text"] for b in images} == {f["alt_txt"] for f in shared.values()}
    assert all(b["title"]["text"] == shared[b["slack_file"]["id"]]["title"] for b in images)
    assert not [c for c in standin.calls() if c.method.startswith("files.")]  # opening Home uploads nothing


def test_a_chart_that_failed_to_upload_shows_in_home_as_its_text(standin: SlackStandIn, make_bot):
    standin.faults.add(
        "files.completeUploadExternal",
        error="invalid_arguments",
        times=None,
        where=lambda args: args.get("channel_id") == "C0LEADS",
    )
    bot, report = run_report(standin, make_bot)
    in_thread = lambda: [m for m in standin.messages("C0LEADS", report["ts"]) if m["text"].startswith("*")]  # noqa: E731
    wait_until(lambda: len(in_thread()) >= 4, timeout=30)
    wait_until(lambda: len(chart_files(bot)) == 4)
    blocks = home_blocks(standin, "U0LEAD1")
    assert not [b for b in blocks if b["type"] == "image"]
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section" and b.get("block_id", "").startswith("chart_")]
    assert len(texts) == 4 and any(t.startswith("*Cases per day") for t in texts)


def test_before_any_weekly_report_the_leads_home_says_when_the_charts_come(standin: SlackStandIn, make_bot):
    make_bot(clock=FakeClock(MONDAY))
    blocks = home_blocks(standin, "U0LEAD1")
    assert not [b for b in blocks if b["type"] == "image"]
    assert any("come with the first weekly report" in b.get("text", {}).get("text", "") for b in blocks)
    assert not standin.calls("files.getUploadURLExternal")


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
