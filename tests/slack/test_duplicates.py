"""Duplicates that help (issue 14, item 9): the flow family, names that mean the same, the second rep's
question kept, a notice that says what the open case is, and the same rep told it is their own."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from slack_standin import SlackStandIn
from tests.slack.conftest import file_case, last_seq, open_flow, prelaunch_values, wait_until

SGT = ZoneInfo("Asia/Singapore")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 1, 11, 0, tzinfo=SGT), ticking=True)  # Tuesday, business hours


@pytest.fixture
def bot(make_bot, clock):
    return make_bot(clock=clock)


def cases(bot) -> int:
    with bot.store.read() as tx:
        return tx.cases.count()


def first(bot):
    with bot.store.read() as tx:
        return tx.cases.get(1)


def thread(standin: SlackStandIn, bot) -> list[str]:
    root = first(bot).root
    return [m["text"] for m in standin.messages(root.channel_id, thread_ts=root.ts)] if root else []


def file_first(standin: SlackStandIn, bot, clock, **values) -> None:
    deadline = (clock.now() + timedelta(days=5)).replace(microsecond=0)  # SEV3
    file_case(standin, "U0REP1", advertiser="Acme Foods Pte Ltd", deadline=deadline, **values)
    wait_until(lambda: first(bot).permalink)


def test_token_similar_names_are_offered_with_type_severity_status_and_owner(standin: SlackStandIn, bot, clock):
    file_first(standin, bot, clock)
    person = open_flow(standin, "U0REP2", "prelaunch_review")
    deadline = (clock.now() + timedelta(days=5)).replace(microsecond=0)
    person.submit_view(prelaunch_values(advertiser="ACME Foods", campaign="Spring Launch!", deadline=deadline))
    notice = json.dumps(person.open_view()["blocks"][0])
    assert "ADS-1001" in notice and "already open" in notice
    assert "Pre-launch creative / policy review" in notice and "SEV3" in notice
    assert "new" in notice and "no owner yet" in notice
    assert cases(bot) == 1


def test_a_restricted_category_question_is_in_the_prelaunch_family(standin: SlackStandIn, bot, clock):
    file_first(standin, bot, clock)
    person = open_flow(standin, "U0REP2", "restricted_category")
    person.submit_view(
        {
            "field_advertiser": "Acme Foods",
            "field_campaign": "Spring launch",
            "field_market": "SG",
            "field_category": "alcohol",
            "field_question": "May the alcohol spot run before 10 pm?",
        }
    )
    assert "ADS-1001" in json.dumps(person.open_view()["blocks"][0])
    assert cases(bot) == 1


def test_a_live_violation_is_not_offered_as_a_follow_of_a_prelaunch_review(standin: SlackStandIn, bot, clock):
    file_first(standin, bot, clock)
    person = open_flow(standin, "U0REP2", "live_violation")
    response = person.submit_view(
        {
            "field_advertiser": "Acme Foods",
            "field_campaign": "Spring launch",
            "field_market": "SG",
            "field_violation_type": "malware",
            "field_question": "The landing page serves a fake antivirus download.",
            "field_creative_url": "https://cdn.adsco.test/acme/landing.png",
        }
    )
    assert response.status == 200
    assert "ADS-1002" in json.dumps(response.json()["view"])  # filed at once, as its own SEV1
    assert cases(bot) == 2


def test_following_keeps_the_second_reps_question_market_and_links(standin: SlackStandIn, bot, clock):
    file_first(standin, bot, clock)
    person = open_flow(standin, "U0REP2", "prelaunch_review")
    deadline = (clock.now() + timedelta(days=5)).replace(microsecond=0)
    values = prelaunch_values(
        advertiser="acme foods",
        market="MY",
        deadline=deadline,
        question="Does the MY version need a halal notice?",
        creative_url="https://cdn.adsco.test/acme/spring-my.mp4",
    )
    person.submit_view(values)
    response = person.submit_view({"duplicate_choice": "follow"})
    assert "You now follow *ADS-1001*" in json.dumps(response.json()["view"])
    said = wait_until(lambda: [t for t in thread(standin, bot) if "reported this too" in t])
    assert "halal notice" in said[0] and "Market: MY" in said[0] and "spring-my.mp4" in said[0]
    with bot.store.read() as tx:
        followed = [e.data for e in tx.cases.events(1) if e.kind == "followed"]
    assert followed[0]["question"] == "Does the MY version need a halal notice?" and followed[0]["market"] == "MY"
    assert "https://cdn.adsco.test/acme/spring-my.mp4" in followed[0]["links"]


def test_the_same_rep_filing_twice_is_told_it_is_their_own_case_and_gets_the_link(standin: SlackStandIn, bot, clock):
    file_first(standin, bot, clock)
    permalink = first(bot).permalink
    person = open_flow(standin, "U0REP1", "prelaunch_review")
    deadline = (clock.now() + timedelta(days=5)).replace(microsecond=0)
    person.submit_view(prelaunch_values(deadline=deadline, question="Also: can the 15 s cut run on CTV?"))
    notice = json.dumps(person.open_view()["blocks"][0])
    assert "You filed *ADS-1001* yourself" in notice and permalink in notice
    mark = last_seq(standin)
    response = person.submit_view({"duplicate_choice": "follow"})
    view = json.dumps(response.json()["view"])
    assert "your own case" in view and permalink in view
    wait_until(lambda: any("15 s cut" in t for t in thread(standin, bot)))
    assert cases(bot) == 1
    dms = [c for c in standin.calls("chat.postMessage") if c.seq > mark and c.args["channel"] == "U0REP1"]
    assert not [c for c in dms if "You now follow" in c.args.get("text", "")]


def test_following_is_confirmed_in_the_reps_language(standin: SlackStandIn, bot, clock):
    file_first(standin, bot, clock)
    standin.workspace.users["U0REP2"].locale = "zh-CN"
    person = standin.user("U0REP2")
    mark = last_seq(standin)
    person.slash_command("/ad-escalate", channel_id="C0SALES")
    standin.wait_for_call("views.update", where=lambda c: c.seq > mark and c.ok)  # redrawn in Chinese
    mark = last_seq(standin)
    person.select(person.open_view(), block_id="flow_pick", action_id="flow_pick", value="prelaunch_review")
    standin.wait_for_call("views.update", where=lambda c: c.seq > mark and c.ok)
    person.submit_view(
        prelaunch_values(advertiser="acme foods", deadline=(clock.now() + timedelta(days=5)).replace(microsecond=0))
    )
    response = person.submit_view({"duplicate_choice": "follow"})
    assert "你现在关注 *ADS-1001*" in json.dumps(response.json()["view"], ensure_ascii=False)
    dm = wait_until(lambda: [m for m in standin.dm_messages("U0REP2") if "ADS-1001" in m["text"]])
    assert dm[0]["text"] == "你已关注 ADS-1001" and "结果会在这里通知你" in json.dumps(
        dm[0]["blocks"], ensure_ascii=False
    )
    # The Follow button on the case's root message answers in the rep's language too.
    standin.workspace.users["U0REP3"].locale = "th-TH"
    root = next(m for m in standin.messages("C0ESCALATE") if "case_follow" in json.dumps(m.get("blocks")))
    standin.user("U0REP3").click(root, "case_follow", value="1", channel="C0ESCALATE")
    said = wait_until(lambda: [e for e in standin.ephemerals("U0REP3") if "ADS-1001" in e["text"]])
    assert said[0]["text"].startswith(":eyes: คุณติดตาม ADS-1001")
