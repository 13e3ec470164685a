"""The rep can always answer a question asked of them, in any state but closed (issue 14, item 8)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from slack_standin import SlackStandIn
from tests.slack.conftest import wait_until
from tests.slack.test_lifecycle import case, events, file_and_post, menu, root_message, thread_texts

SGT = ZoneInfo("Asia/Singapore")


def ask(standin: SlackStandIn, bot, question: str) -> dict:
    menu(standin, "U0SPEC1", bot, "request_info")
    standin.wait_for_call("views.open", where=lambda c: c.args["view"]["callback_id"] == "case_action")
    standin.user("U0SPEC1").submit_view({"case_text": question})
    wait_until(lambda: case(bot).status.value == "waiting_on_rep")
    return wait_until(lambda: [m for m in standin.dm_messages("U0REP1") if "needs more information" in m["text"]])[0]


def answer(standin: SlackStandIn, question: dict, text: str):
    rep = standin.user("U0REP1")
    mark = standin.calls()[-1].seq
    rep.click(question, "rep_reply", value="1")
    standin.wait_for_call("views.open", where=lambda c: c.seq > mark and "Your answer" in json.dumps(c.args["view"]))
    return rep.submit_view({"case_text": text})


@pytest.mark.parametrize(
    "moment",
    [datetime(2026, 12, 1, 11, 0, tzinfo=SGT), datetime(2026, 12, 5, 23, 30, tzinfo=SGT)],  # Tuesday; Saturday night
    ids=["business-hours", "weekend-night"],
)
def test_the_rep_answers_after_a_specialist_pressed_resume(standin: SlackStandIn, make_bot, moment):
    clock = FakeClock(moment, ticking=True)
    bot = make_bot(clock=clock)
    file_and_post(standin, clock, bot)
    question = ask(standin, bot, "Which markets will the spot run in?")
    menu(standin, "U0SPEC1", bot, "resume")
    wait_until(lambda: case(bot).status.value == "investigating")
    response = answer(standin, question, "SG and MY only")
    assert response.status == 200 and not response.errors
    wait_until(lambda: any("SG and MY only" in t for t in thread_texts(standin, bot)))
    assert case(bot).status.value == "investigating"
    assert [e.kind for e in events(bot)].count("rep_replied") == 1


def test_the_rep_answers_a_resolved_case_and_it_stays_resolved(standin: SlackStandIn, make_bot):
    clock = FakeClock(datetime(2026, 12, 1, 11, 0, tzinfo=SGT), ticking=True)
    bot = make_bot(clock=clock)
    file_and_post(standin, clock, bot)
    question = ask(standin, bot, "Is the landing page live yet?")
    menu(standin, "U0SPEC1", bot, "resolve")
    standin.wait_for_call("views.open", where=lambda c: "resolve" in json.dumps(c.args["view"]).lower())
    standin.user("U0SPEC1").submit_view({"case_outcome": "approved", "case_text": "Fine as it is"})
    wait_until(lambda: case(bot).status.value == "resolved")
    clock.advance(timedelta(hours=2))
    answer(standin, question, "Yes, since this morning")
    wait_until(lambda: any("since this morning" in t for t in thread_texts(standin, bot)))
    assert case(bot).status.value == "resolved"


def test_a_closed_case_can_no_longer_be_answered(standin: SlackStandIn, make_bot):
    clock = FakeClock(datetime(2026, 12, 1, 11, 0, tzinfo=SGT), ticking=True)
    bot = make_bot(clock=clock)
    file_and_post(standin, clock, bot)
    question = ask(standin, bot, "Is the landing page live yet?")
    menu(standin, "U0SPEC1", bot, "resolve")
    standin.wait_for_call("views.open", where=lambda c: "resolve" in json.dumps(c.args["view"]).lower())
    standin.user("U0SPEC1").submit_view({"case_outcome": "approved", "case_text": "Fine as it is"})
    wait_until(lambda: case(bot).status.value == "resolved")
    wait_until(lambda: "close:1" in json.dumps(root_message(standin, bot)["blocks"]))
    menu(standin, "U0SPEC1", bot, "close")
    wait_until(lambda: case(bot).status.value == "closed")
    standin.user("U0REP1").click(question, "rep_reply", value="1")
    told = wait_until(lambda: [e for e in standin.ephemerals("U0REP1") if "closed" in e["text"]])
    assert "cannot be answered by the rep" in told[-1]["text"]
