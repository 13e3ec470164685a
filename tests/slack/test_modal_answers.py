"""Every path that opens a modal answers the person when Slack does not open it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from slack_standin import SlackStandIn
from tests.slack import test_guide_review as review
from tests.slack.conftest import file_case, last_seq, wait_until

SGT = ZoneInfo("Asia/Singapore")
SAID = "Slack did not open the form (expired_trigger_id) — try again"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 1, 11, 0, tzinfo=SGT), ticking=True)


def whispered(standin: SlackStandIn, user: str) -> list[str]:
    return [str(e.get("text", "")) for e in standin.ephemerals(user)]


def test_a_case_action_whose_form_slack_refuses_tells_the_person(standin: SlackStandIn, make_bot, clock):
    bot = make_bot(clock=clock)
    file_case(standin, deadline=(clock.now() + timedelta(hours=3)).replace(microsecond=0))
    wait_until(lambda: _root(bot))
    root = next(m for m in standin.messages("C0ESCALATE") if m["ts"] == _root(bot).ts)
    standin.faults.add("views.open", error="expired_trigger_id")
    standin.user("U0SPEC2").click(root, "case_menu", value="change_severity:1", channel="C0ESCALATE")
    wait_until(lambda: [t for t in whispered(standin, "U0SPEC2") if SAID in t])


def _root(bot):
    with bot.store.read() as tx:
        return tx.cases.get(1).root


def test_oncall_override_whose_form_slack_refuses_tells_the_person(standin: SlackStandIn, make_bot, clock):
    make_bot(clock=clock)
    standin.faults.add("views.open", error="expired_trigger_id")
    standin.user("U0SPEC1").slash_command("/oncall", text="override", channel_id="C0SALES")
    wait_until(lambda: [t for t in whispered(standin, "U0SPEC1") if SAID in t])


def test_guide_draft_edit_whose_form_slack_refuses_says_so_on_the_home_tab(
    standin: SlackStandIn, make_bot, clock, drafts_dir
):
    bot = make_bot(clock=clock, guide_drafts_dir=drafts_dir)
    review.resolve_worth_a_guide(standin, bot, clock)
    lead_home = review.home(standin, "U0LEAD1")
    standin.faults.add("views.open", error="expired_trigger_id")
    mark = last_seq(standin)
    standin.user("U0LEAD1").click(lead_home, "guide_draft_edit", block_id="draft_actions_1")
    assert SAID in json.dumps(review.publish_after(standin, "U0LEAD1", mark), ensure_ascii=False)


@pytest.fixture
def drafts_dir(tmp_path):
    return tmp_path / "drafts"
