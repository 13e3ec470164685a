"""From resolution to guidance, through signed requests: "worth a guide" on resolve drafts an article,
a lead edits and approves it in App Home, and the exported file loads with the guide loader."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from bot.config.guides import load_guides
from bot.domain.guidance import DraftState
from slack_standin import SlackStandIn
from slack_standin.people import payloads
from tests.slack.conftest import file_case, last_seq, wait_until

SGT = ZoneInfo("Asia/Singapore")
QUESTION = "Can the gin brand run a video ad in Singapore at 8 pm? It is a low-alcohol spin-off."
GUIDANCE = "Treat it as alcohol: same logo. Video may serve only between 22:00 and 06:00 SGT, 18+ targeting."


def dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 1, 11, 0, tzinfo=SGT), ticking=True)  # a Tuesday morning


@pytest.fixture
def drafts_dir(tmp_path: Path) -> Path:
    return tmp_path / "guide_drafts"


@pytest.fixture
def bot(make_bot, clock, drafts_dir):
    return make_bot(clock=clock, guide_drafts_dir=drafts_dir)


def drafts(bot):
    with bot.store.read() as tx:
        return tx.guides.pending_drafts(), tx.guides.draft(1)


def root_of(bot):
    with bot.store.read() as tx:
        return tx.cases.get(1).root


def resolve_worth_a_guide(standin: SlackStandIn, bot, clock) -> None:
    file_case(standin, deadline=(clock.now() + timedelta(hours=3)).replace(microsecond=0), question=QUESTION)
    root_ts = wait_until(lambda: root_of(bot)).ts
    root = next(m for m in standin.messages("C0ESCALATE") if m["ts"] == root_ts)
    spec = standin.user("U0SPEC1")
    spec.click(root, "case_do", value="resolve:1", channel="C0ESCALATE")
    modal = standin.wait_for_call("views.open", where=lambda c: c.args["view"]["callback_id"] == "case_action")
    assert "Worth a guide" in dump(modal.args["view"])
    spec.submit_view(
        {
            "case_outcome": "approved_with_changes",
            "case_text": GUIDANCE,
            "case_policy": "Alcohol policy §4",
            "case_worth_a_guide": ["worth_a_guide"],
        }
    )
    wait_until(lambda: drafts(bot)[1])


def home(standin: SlackStandIn, user: str) -> dict:
    mark = last_seq(standin)
    assert standin.user(user).open_home()[0].status == 200
    standin.wait_for_call("views.publish", where=lambda c: c.seq > mark and c.args["user_id"] == user)
    return standin.home_view(user)


def click_in_old_view(standin: SlackStandIn, user: str, view: dict, action_id: str, value: str) -> None:
    """A click on a button of `view` as it was (the stand-in's own click uses the view as it is now)."""
    person = standin.user(user)
    action = {"type": "button", "action_id": action_id, "block_id": "draft_actions_1", "value": value}
    payload = payloads.view_actions(person.actor, view, action, standin.mint_trigger(user))
    person._ctx.sender.signed(payloads.interaction_body(payload), kind="block_actions")


def publish_after(standin: SlackStandIn, user: str, mark: int) -> dict:
    call = standin.wait_for_call("views.publish", where=lambda c: c.seq > mark and c.args["user_id"] == user)
    return call.args["view"]


def test_a_resolved_case_becomes_an_approved_guide_through_the_leads_review(
    standin: SlackStandIn, bot, clock, drafts_dir: Path
):
    resolve_worth_a_guide(standin, bot, clock)
    _, draft = drafts(bot)
    assert draft.state is DraftState.PENDING and draft.created_by == "U0SPEC1"
    assert draft.text.title == "Can the gin brand run a video ad in Singapore at 8 pm?"
    assert draft.text.markets == ("SG",) and draft.text.flows == ("prelaunch_review",)
    assert draft.text.policy_area == "alcohol" and "gin" in draft.text.keywords
    assert GUIDANCE in draft.text.body and "Approved with changes" in draft.text.body
    assert draft.text.policy_url == "https://support.example.com/ads-policy/creative"  # the flow's guidance link

    assert "Guide drafts to review" not in dump(home(standin, "U0REP1"))
    lead_home = home(standin, "U0LEAD1")
    assert "Guide drafts to review* (1)" in dump(lead_home) and draft.text.title in dump(lead_home)

    lead = standin.user("U0LEAD1")
    lead.click(lead_home, "guide_draft_edit", block_id="draft_actions_1")
    standin.wait_for_call("views.open", where=lambda c: c.args["view"].get("callback_id") == "guide_draft_edit")
    mark = last_seq(standin)
    lead.submit_view(
        {
            "guide_title": "Low-alcohol spin-offs of alcohol brands in Singapore",
            "guide_area": "alcohol",
            "guide_markets": ["SG", "MY"],
            "guide_keywords": "gin, spin-off, low-alcohol, 0.0",
            "guide_url": "https://policies.example.com/ads/alcohol#brand-extensions",
            "guide_body": "**Short answer:** treat it as alcohol.\n\n- Video only 22:00 to 06:00 SGT\n- 18+ only",
        }
    )
    edited_home = publish_after(standin, "U0LEAD1", mark)
    assert "Saved" in dump(edited_home)
    edited = drafts(bot)[1]
    assert edited.version == 2 and edited.text.markets == ("SG", "MY")
    assert edited.text.keywords == ("gin", "spin-off", "low-alcohol", "0.0")

    mark = last_seq(standin)
    lead.click(standin.home_view("U0LEAD1"), "guide_draft_approve", block_id="draft_actions_1")
    approved_home = dump(publish_after(standin, "U0LEAD1", mark))
    assert "Approved *low-alcohol-spin-offs-alcohol-brands-singapore*" in approved_home
    assert "Nothing to review" in approved_home
    assert drafts(bot)[1].state is DraftState.APPROVED and drafts(bot)[1].reviewed_by == "U0LEAD1"

    path = drafts_dir / "low-alcohol-spin-offs-alcohol-brands-singapore.md"
    problems: list = []
    warnings: list = []
    [guide] = load_guides(
        drafts_dir,
        flow_ids={f.id for f in bot.config.flows},
        today=date(2026, 12, 1),
        problems=problems,
        warnings=warnings,
    )
    assert problems == [] and warnings == []
    assert guide.id == path.stem and guide.title == "Low-alcohol spin-offs of alcohol brands in Singapore"
    assert guide.markets == ("SG", "MY") and guide.owner == "U0LEAD1" and guide.last_reviewed == date(2026, 12, 1)
    assert guide.body.startswith("**Short answer:** treat it as alcohol.")

    dm = wait_until(lambda: [m for m in standin.dm_messages("U0LEAD1") if "Approved guide" in m["text"]])
    text = dump(dm[0]["blocks"])
    assert "```---" in text and 'title: \\"Low-alcohol spin-offs' in text and "policy_guides/" in text


def test_non_leads_cannot_review_and_a_stale_click_changes_nothing(standin: SlackStandIn, bot, clock):
    resolve_worth_a_guide(standin, bot, clock)
    lead_home = home(standin, "U0LEAD1")
    assert "Guide drafts to review" not in dump(home(standin, "U0SPEC1"))
    # Slack never shows a person someone else's Home tab: this is a forged click by a specialist.
    mark = last_seq(standin)
    click_in_old_view(standin, "U0SPEC1", lead_home, "guide_draft_approve", "1:1")
    refused = dump(publish_after(standin, "U0SPEC1", mark))
    assert "Only the ads policy leads can review guide drafts" in refused
    assert drafts(bot)[1].state is DraftState.PENDING and drafts(bot)[1].version == 1

    lead = standin.user("U0LEAD1")
    mark = last_seq(standin)
    lead.click(lead_home, "guide_draft_discard", block_id="draft_actions_1")
    assert "Discarded" in dump(publish_after(standin, "U0LEAD1", mark))
    mark = last_seq(standin)
    click_in_old_view(standin, "U0LEAD1", lead_home, "guide_draft_approve", "1:1")  # a Home tab not yet refreshed
    assert "someone else got there first" in dump(publish_after(standin, "U0LEAD1", mark))
    assert drafts(bot)[1].state is DraftState.DISCARDED
