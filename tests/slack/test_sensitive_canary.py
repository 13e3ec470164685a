"""A sensitive case whose every field and every later text carries one canary string, run through its
whole life; the canary may appear only in the restricted channel and in the DMs (and modals) of the
reporter and of the staff acting on the case — never in a public post, another DM, App Home, a log
line, /metrics, an export file or a BI view. On SQLite and Postgres."""

from __future__ import annotations

import json
import logging
import urllib.request
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from bot.clock import FakeClock
from bot.domain.digest_schedule import DAYS, DigestSchedule
from bot.export import export
from bot.services.digests import plan_digests
from bot.services.weekly import plan_weekly
from slack_standin import SlackStandIn
from tests.slack.conftest import open_flow, wait_until

SGT = ZoneInfo("Asia/Singapore")
CANARY = "KANARIE7Q"
RESTRICTED = "C0POLICY"
REPORTER = "U0REP1"
DIGESTS = (DigestSchedule(channel_id="C0LEADS", at=time(9, 0), days=DAYS["daily"], timezone=SGT),)
WEEKLY = (DigestSchedule(channel_id="C0LEADS", at=time(9, 30), days=frozenset({0}), timezone=SGT, kind="weekly"),)


def case(bot) -> Any:
    with bot.store.read() as tx:
        return tx.cases.get(1)


def root(standin: SlackStandIn, bot) -> dict[str, Any]:
    ref = wait_until(lambda: case(bot).root, timeout=30)  # Slack's ~1 post a second a channel
    return next(m for m in standin.messages(ref.channel_id) if m["ts"] == ref.ts)


def through_modal(standin: SlackStandIn, bot, user: str, action: str, values: dict[str, Any]) -> None:
    """Pick `action` on the root message (its button or the overflow menu) and submit its modal."""
    mark = len(standin.calls("views.open"))
    wait_until(lambda: f'"{action}:1"' in json.dumps(root(standin, bot)["blocks"]))  # the root is up to date
    elements = [e for b in root(standin, bot)["blocks"] for e in b.get("elements", [])]
    own = any(e.get("action_id") == "case_do" and e.get("value") == f"{action}:1" for e in elements)
    standin.user(user).click(root(standin, bot), "case_do" if own else "case_menu", value=f"{action}:1")
    wait_until(lambda: len(standin.calls("views.open")) > mark)
    assert standin.user(user).submit_view(values).status == 200


def run_jobs(bot) -> None:
    plan_digests(config=bot.config, store=bot.store, now=bot.clock.now())
    plan_weekly(config=bot.config, store=bot.store, now=bot.clock.now())
    bot.runner.run_due()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 2, 16, 0, tzinfo=SGT), ticking=True)  # a Wednesday afternoon


def test_a_sensitive_case_text_stays_in_the_restricted_channel_and_the_dms_of_its_people(
    store_url, standin: SlackStandIn, make_bot, clock, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO)
    bot = make_bot(store_url=store_url, clock=clock, digests=DIGESTS, weekly_reports=WEEKLY, max_attempts=12)

    # Filing: every field carries the canary.
    person = open_flow(standin, REPORTER, "live_violation", text=f"{CANARY} prefilled words")
    filed = person.submit_view(
        {
            "field_advertiser": f"{CANARY} Brand",
            "field_campaign": f"{CANARY} promo",
            "field_market": "SG",
            "field_violation_type": "brand_safety",
            "field_impressions": f"{CANARY} 10k",
            "field_question": f"The {CANARY} ad runs next to unsafe content",
            "field_creative_url": f"https://cdn.adsco.test/{CANARY}.mp4",
            "field_salesforce_url": f"https://acme.my.salesforce.com/0065g00000AbCdE?from={CANARY}",
            "field_sensitive": ["yes"],
        }
    )
    assert filed.status == 200, filed.body
    wait_until(lambda: [m for m in standin.messages(RESTRICTED) if CANARY in json.dumps(m)])

    # Paged, and acknowledged by the person paged.
    def paged() -> list[str]:
        with bot.store.read() as tx:
            return [page.user_id for page in tx.cases.pages(1)]

    specialist = wait_until(paged)[0]
    page = wait_until(lambda: [m for m in standin.dm_messages(specialist) if "paged" in m["text"].lower()])[0]
    standin.user(specialist).click(page, "case_ack", value="1")
    wait_until(lambda: case(bot).acknowledged_by == specialist)

    # Request info, and the rep's answer.
    through_modal(standin, bot, specialist, "request_info", {"case_text": f"Which {CANARY} markets?"})
    question = wait_until(lambda: [m for m in standin.dm_messages(REPORTER) if "needs more information" in m["text"]])
    standin.user(REPORTER).click(question[0], "rep_reply", value="1")
    standin.wait_for_call("views.open", where=lambda c: "Your answer" in json.dumps(c.args["view"]))
    standin.user(REPORTER).submit_view({"case_text": f"Only SG, {CANARY}"})
    wait_until(lambda: case(bot).status.value == "investigating")

    # A note, a severity change with its reason, a reassignment.
    through_modal(standin, bot, specialist, "add_note", {"case_text": f"Checked {CANARY} landing page"})
    through_modal(standin, bot, "U0LEAD1", "change_severity", {"case_severity": "sev1", "case_text": f"{CANARY} press"})
    wait_until(lambda: case(bot).severity_id == "sev1")
    through_modal(standin, bot, "U0LEAD1", "reassign", {"case_user": "U0SPEC3"})
    wait_until(lambda: case(bot).owner_id == "U0SPEC3")
    # The rep asks for an update from the slash command.
    standin.user(REPORTER).slash_command("/ad-escalate", text=f"update ADS-1001 {CANARY} call", channel_id="C0SALES")

    # The next morning: SLA and deadline alerts, handoffs, the daily digest (also asked for by a rep).
    clock.set(datetime(2026, 12, 3, 9, 0, 5, tzinfo=SGT))
    run_jobs(bot)
    wait_until(lambda: [c for c in standin.calls("chat.postMessage") if "Escalations digest" in json.dumps(c.args)])
    standin.user("U0REP2").slash_command("/ad-escalate", text="digest", channel_id="C0SALES")
    standin.user("U0LEAD1").slash_command("/ad-escalate", text="digest", channel_id="C0LEADS")
    standin.user("U0REP3").slash_command("/ad-escalate", text="find kanarie", channel_id="C0SALES")
    wait_until(lambda: standin.ephemerals("U0REP3"))

    # Resolved with guidance and a policy reference ("worth a guide" is not offered on a sensitive case);
    # reopened by the rep; resolved again.
    through_modal(
        standin,
        bot,
        "U0SPEC3",
        "resolve",
        {
            "case_outcome": "rejected",
            "case_text": f"Pull the {CANARY} ad",
            "case_policy": f"Brand safety {CANARY} §2",
        },
    )
    wait_until(lambda: case(bot).status.value == "resolved")
    assert not [c for c in standin.calls("views.open") if "case_worth_a_guide" in json.dumps(c.args)]
    outcome = wait_until(lambda: [m for m in standin.dm_messages(REPORTER) if "is resolved" in m["text"]])[0]
    standin.user(REPORTER).click(outcome, "rep_follow_up", value="1")
    standin.wait_for_call("views.open", where=lambda c: "What is still open?" in json.dumps(c.args["view"]))
    standin.user(REPORTER).submit_view({"case_text": f"The {CANARY} advertiser objects"})
    wait_until(lambda: case(bot).status.value == "investigating")
    through_modal(standin, bot, "U0SPEC3", "resolve", {"case_outcome": "rejected", "case_text": f"Final {CANARY}"})
    wait_until(lambda: case(bot).status.value == "resolved")

    # The weekly report, App Home for a rep and a lead.
    clock.set(datetime(2026, 12, 7, 9, 30, 5, tzinfo=SGT))
    run_jobs(bot)
    wait_until(lambda: [c for c in standin.calls("chat.postMessage") if "Weekly report" in c.args.get("text", "")])
    for user in (REPORTER, "U0LEAD1", specialist):
        mark = len(standin.calls("views.publish"))
        standin.send_event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D0HOME"})
        wait_until(lambda mark=mark: len(standin.calls("views.publish")) > mark)

    # Everything the bot sent to Slack.
    staff_acting = {specialist, "U0LEAD1", "U0SPEC3"}
    dms = {REPORTER} | staff_acting
    wait_until(lambda: notes_sent(bot), timeout=60)  # Slack takes about one post a second a channel
    for call in standin.calls():
        args = json.dumps(call.args, ensure_ascii=False)
        if CANARY not in args:
            continue
        where = call.args.get("channel") or call.args.get("user_id") or ""
        if call.method.startswith("chat."):
            assert where == RESTRICTED or where in dms or _dm_of(standin, where) in dms, (call.method, where, args)
        elif call.method in ("views.open", "views.update", "views.push"):
            pass  # modals are shown to the person who opened them: checked by who could open them below
        else:
            pytest.fail(f"{CANARY} in {call.method} to {where}: {args[:300]}")
    for shown in standin.ephemerals():
        if CANARY in json.dumps(shown):
            assert shown["user"] in dms, shown
    for user in ("U0REP2", "U0REP3", "U0LEAD2", "U0SPEC2"):
        assert all(CANARY not in json.dumps(m) for m in standin.dm_messages(user)), user
    for channel in ("C0ESCALATE", "C0LEADS", "C0SALES"):
        assert CANARY not in json.dumps(standin.messages(channel)), channel
        for message in standin.messages(channel):
            assert CANARY not in json.dumps(standin.messages(channel, thread_ts=message["ts"])), channel
    assert CANARY in json.dumps(thread_texts(standin, RESTRICTED))  # the later texts did go somewhere

    # /metrics, export files, BI views, logs.
    assert bot.http is not None
    with urllib.request.urlopen(f"{bot.http.url.rsplit('/slack', 1)[0]}/metrics", timeout=5) as reply:
        assert CANARY not in reply.read().decode()
    for fmt in ("csv", "jsonl"):
        files, cases, _ = export(
            bot.store, since=date(2026, 12, 1), until=date(2026, 12, 8), tz=SGT, fmt=fmt, out_dir=tmp_path / fmt
        )
        assert cases == 1
        for path in files:
            assert CANARY not in path.read_text(encoding="utf-8"), path
    with bot.store.read() as tx:
        for view in ("bi_cases", "bi_events", "bi_pages", "bi_sla_outcomes"):
            assert CANARY not in repr(tx.session.execute(text(f"SELECT * FROM {view}")).all()), view
    for record in caplog.records:
        line = record.getMessage() + (record.exc_text or "")
        assert CANARY.lower() not in line.lower(), (record.name, line[:300])


def notes_sent(bot) -> bool:
    with bot.store.read() as tx:
        states = tx.session.execute(text("SELECT state FROM jobs WHERE kind = 'case.thread_note'")).scalars().all()
    return bool(states) and all(state == "done" for state in states)


def thread_texts(standin: SlackStandIn, channel: str) -> list[str]:
    found = []
    for message in standin.messages(channel):
        found += [json.dumps(m, ensure_ascii=False) for m in standin.messages(channel, thread_ts=message["ts"])]
    return found


def _dm_of(standin: SlackStandIn, channel_id: str) -> str | None:
    """The person a DM channel id (D…) belongs to, else None."""
    with standin.state.lock:
        channel = standin.workspace.resolve(channel_id)
        if channel is None or not channel.is_im:
            return None
        return next((m for m in channel.members if m != standin.workspace.bot.user_id), None)
