"""Reopen and severity changes re-plan everything (issue 14, item 4): whoever works the case is told,
SLA timers are planned from the new state without the time spent resolved or waiting on the rep,
and an SLA already past its new due time alerts at once."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import FakeClock
from slack_standin import SlackStandIn
from tests.slack.conftest import file_case, last_seq, wait_until
from tests.slack.test_lifecycle import case, events, menu, root_message, thread_texts
from tests.slack.test_paging import on_call

SGT = ZoneInfo("Asia/Singapore")
TUESDAY_11 = datetime(2026, 12, 1, 11, 0, tzinfo=SGT)


def sla_jobs(bot) -> dict[str, str]:
    with bot.store.read() as tx:
        return {k: s for k, s in tx.jobs.states(case_id=1, kind="case.sla").items() if s == "pending"}


def pending_due(bot, name: str) -> datetime:
    with bot.store.read() as tx:
        jobs = [j for j in tx.jobs.pending_for_case(1, kind="case.sla") if f":{name}:" in j.key]
    (job,) = jobs
    return job.due_at


def take(standin: SlackStandIn, bot, user: str) -> None:
    standin.user(user).click(root_message(standin, bot), "case_take", value="1", channel="C0ESCALATE")
    wait_until(lambda: case(bot).owner_id == user)


def modal(standin: SlackStandIn, bot, user: str, action: str, values: dict) -> None:
    mark = last_seq(standin)
    menu(standin, user, bot, action)
    standin.wait_for_call("views.open", where=lambda c: c.seq > mark and c.args["view"]["callback_id"] == "case_action")
    response = standin.user(user).submit_view(values)
    assert response.status == 200 and not response.errors, response.errors


def told(standin: SlackStandIn, user: str, words: str) -> list[dict]:
    return [m for m in standin.dm_messages(user) if words in m["text"]]


def test_an_upgrade_five_hours_after_take_alerts_the_past_sla_at_once_and_tells_the_owner(
    standin: SlackStandIn, make_bot
):
    clock = FakeClock(TUESDAY_11, ticking=True)
    bot = make_bot(clock=clock)
    file_case(standin, deadline=(clock.now() + timedelta(days=5)).replace(microsecond=0))  # SEV3
    wait_until(lambda: case(bot).root)
    take(standin, bot, "U0SPEC2")
    clock.advance(timedelta(hours=5))  # Tuesday 16:00
    modal(standin, bot, "U0LEAD1", "change_severity", {"case_severity": "sev1", "case_text": "Press picked it up"})
    wait_until(lambda: case(bot).severity_id == "sev1")
    # SEV1 resolves within 4 h on the wall clock from 11:00: breached at 15:00, so the leads hear now.
    wait_until(lambda: any("Resolve sla breached" in t for t in thread_texts(standin, bot)))
    standin.wait_for_call(
        "chat.postMessage",
        where=lambda c: c.args["channel"] == "C0LEADS" and "time-to-resolve SLA is breached" in c.args["text"],
    )
    dm = wait_until(lambda: told(standin, "U0SPEC2", "severity changed"))
    assert "SEV1" in json.dumps(dm[0]["blocks"]) and "it is yours" in json.dumps(dm[0]["blocks"])


def test_a_reopen_two_weeks_later_at_night_plans_the_rest_of_the_sla_and_tells_the_on_call(
    standin: SlackStandIn, make_bot
):
    clock = FakeClock(TUESDAY_11, ticking=True)
    bot = make_bot(clock=clock)
    file_case(standin, deadline=(clock.now() + timedelta(days=20)).replace(microsecond=0))  # SEV3
    wait_until(lambda: case(bot).root)
    reopened_at = datetime(2026, 12, 15, 22, 0, tzinfo=SGT)
    night = on_call(bot, "primary", reopened_at)
    owner = next(u for u in ("U0SPEC1", "U0SPEC2", "U0SPEC3") if u not in night)  # off shift then
    take(standin, bot, owner)
    clock.set(datetime(2026, 12, 1, 12, 0, tzinfo=SGT))  # one business hour of work
    modal(standin, bot, owner, "resolve", {"case_outcome": "approved", "case_text": "Fine as it is"})
    wait_until(lambda: case(bot).status.value == "resolved")
    wait_until(lambda: not sla_jobs(bot))
    # Two weeks later, Tuesday 22:00: the rep follows up; the owner is off shift.
    clock.set(reopened_at)
    outcome = wait_until(lambda: [m for m in standin.dm_messages("U0REP1") if "is resolved" in m["text"]])[0]
    standin.user("U0REP1").click(outcome, "rep_follow_up", value="1")
    standin.wait_for_call("views.open", where=lambda c: "What is still open?" in json.dumps(c.args["view"]))
    standin.user("U0REP1").submit_view({"case_text": "The advertiser also asks about TH"})
    wait_until(lambda: case(bot).status.value == "investigating")
    # 2 business days are 18 h; 1 h was used on 1 Dec; the 14 days resolved do not count:
    # Wed 16 Dec 09:00-18:00 (9 h), Thu 17 Dec 09:00-17:00 (8 h).
    wait_until(lambda: any(":resolve:breach:" in k for k in sla_jobs(bot)))
    due = pending_due(bot, "resolve:breach")  # (the ticking clock adds fractions of a second)
    assert abs(due - datetime(2026, 12, 17, 17, 0, tzinfo=SGT)) < timedelta(seconds=10)
    dm = wait_until(lambda: told(standin, night[0], "reopened"))
    words = json.dumps(dm[0]["blocks"])
    assert "asks about TH" in words and f"its owner <@{owner}> is off shift" in words
    assert not told(standin, owner, "reopened")
    wait_until(lambda: "owner_told" in [e.kind for e in events(bot)])  # recorded after Slack's answer
