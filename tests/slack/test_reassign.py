"""Reassign is a page (issue 14, item 3): only to someone who may act on the case; the new owner is
paged with Acknowledge; unacknowledged after the level's wait, paging returns to the policy."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from slack_standin import SlackStandIn
from tests.slack.conftest import file_case, last_seq, wait_until
from tests.slack.test_lifecycle import case, events, menu, root_message, thread_texts
from tests.slack.test_paging import dms, on_call

SGT = ZoneInfo("Asia/Singapore")
SATURDAY_NIGHT = datetime(2026, 11, 28, 22, 0, tzinfo=SGT)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(SATURDAY_NIGHT, ticking=True)


@pytest.fixture
def bot(make_bot, clock):
    return make_bot(clock=clock)


def advance(bot, clock: FakeClock, minutes: float) -> None:
    clock.advance(timedelta(minutes=minutes))
    bot.ticker.kick()


def reassign(standin: SlackStandIn, bot, to: str, *, by: str = "U0LEAD1"):
    mark = last_seq(standin)
    menu(standin, by, bot, "reassign")
    standin.wait_for_call("views.open", where=lambda c: c.seq > mark and c.args["view"]["callback_id"] == "case_action")
    return standin.user(by).submit_view({"case_user": to})


def file_sev1_and_page(standin: SlackStandIn, bot, clock) -> str:
    file_case(standin, deadline=(clock.now() + timedelta(hours=3)).replace(microsecond=0))
    wait_until(lambda: len(dms(standin)) == 1)
    return dms(standin)[0][0]


def bystander(bot, clock) -> str:
    """A specialist who is neither primary nor secondary now (staff, but not paged)."""
    busy = set(on_call(bot, "primary", clock.now())) | set(on_call(bot, "secondary", clock.now()))
    return next(u for u in ("U0SPEC1", "U0SPEC2", "U0SPEC3") if u not in busy)


def test_reassigning_to_a_sales_rep_is_refused_in_the_modal_and_paging_goes_on(standin: SlackStandIn, bot, clock):
    primary = file_sev1_and_page(standin, bot, clock)
    version = case(bot).version
    refused = reassign(standin, bot, "U0REP2")
    assert "cannot act on ADS-1001" in refused.errors["case_user"]
    assert case(bot).version == version and case(bot).owner_id is None
    advance(bot, clock, 5)
    wait_until(lambda: [c for c in standin.calls("chat.postMessage") if c.args["text"].startswith("Paged again")])
    assert primary


def test_the_new_owner_is_paged_and_the_old_page_loses_its_buttons(standin: SlackStandIn, bot, clock):
    primary = file_sev1_and_page(standin, bot, clock)
    new_owner = bystander(bot, clock)
    response = reassign(standin, bot, new_owner)
    assert response.status == 200 and not response.errors
    page = wait_until(
        lambda: [m for m in standin.dm_messages(new_owner) if "reassigned to you" in json.dumps(m.get("blocks"))]
    )
    assert "case_ack" in json.dumps(page[0]["blocks"])
    assert case(bot).owner_id == new_owner and case(bot).acknowledged_by is None
    # The primary's page now says who has it, and has nothing left to press.
    old = wait_until(
        lambda: [
            c
            for c in standin.calls("chat.update")
            if c.args["channel"].startswith("D") and "reassigned to" in json.dumps(c.args["blocks"])
        ]
    )
    assert "case_ack" not in json.dumps(old[-1].args["blocks"])
    assert f"<@{new_owner}>" in json.dumps(old[-1].args["blocks"])
    # The policy stopped: no re-page of the primary at 5 minutes.
    mark = last_seq(standin)
    advance(bot, clock, 5)
    bot.runner.run_due()
    standin.user(new_owner).click(page[0], "case_ack", value="1")
    wait_until(lambda: case(bot).acknowledged_by == new_owner)
    assert [u for u, _ in dms(standin, after=mark)] == []
    advance(bot, clock, 20)  # past the level's wait: nothing returns to the policy
    bot.runner.run_due()
    assert [u for u, _ in dms(standin, after=mark)] == []
    assert case(bot).owner_id == new_owner
    # The new owner may work it: Take is accepted.
    standin.user(new_owner).click(root_message(standin, bot), "case_take", value="1", channel="C0ESCALATE")
    wait_until(lambda: case(bot).status.value == "investigating")
    assert primary != new_owner


def test_an_unacknowledged_reassignment_returns_to_the_policy_after_the_levels_wait(standin: SlackStandIn, bot, clock):
    primary = file_sev1_and_page(standin, bot, clock)
    new_owner = bystander(bot, clock)
    reassign(standin, bot, new_owner)
    wait_until(lambda: any("reassigned to you" in json.dumps(m.get("blocks")) for m in standin.dm_messages(new_owner)))
    mark = last_seq(standin)
    advance(bot, clock, 14)
    bot.runner.run_due()
    assert dms(standin, after=mark) == []
    advance(bot, clock, 1.5)  # level 1's wait (15 min) is over
    wait_until(lambda: [u for u, _ in dms(standin, after=mark)] == [primary])
    wait_until(lambda: case(bot).owner_id is None)
    wait_until(lambda: any("did not acknowledge the reassignment" in t for t in thread_texts(standin, bot)))
    assert "reassign_unacknowledged" in [e.kind for e in events(bot)]
