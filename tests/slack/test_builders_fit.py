"""Property: the longest legal inputs, full of characters that grow when escaped, never make a message
Slack would refuse — every block within its limits, and the whole message within budget once folded."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.config.loader import load_config
from bot.config.model import Config
from bot.domain.case import Case, CaseStatus, MessageRef
from bot.services.ports import DeliveryFailure, LeadsAlert, ThreadNote
from bot.slack.blocks import budget, ops_alert
from bot.slack.blocks import case_actions as actions
from bot.slack.blocks import case_message as msg
from bot.slack.blocks import page_message as pages
from bot.slack.blocks.digest import build_digest
from bot.slack.escape import escape_mrkdwn, fit
from slack_standin.blockkit.checks import check_message_blocks
from slack_standin.web_api.chat import MAX_BLOCKS_TEXT, blocks_text_size
from tests.slack.test_digest_blocks import busy_digest

ROOT = Path(__file__).resolve().parents[2]
SGT = ZoneInfo("Asia/Singapore")
NOW = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
LONGEST = 3000  # a modal's plain_text_input takes at most 3,000 characters
# Characters that grow when escaped (&amp; is five times "&"), mentions, and wide characters.
GROWING = st.sampled_from(["&", "<", ">", "<!channel>", "<@U0BOSS>", "é", "字", "\n", "x", " ", "|", "*"])


def long_text(max_size: int = LONGEST) -> st.SearchStrategy[str]:
    """Exactly `max_size` characters: a random pattern of growing characters, repeated."""
    return st.lists(GROWING, min_size=1, max_size=24).map(lambda parts: ("".join(parts) * max_size)[:max_size])


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(ROOT / "app.yaml", env={})


def _case(config: Config, text: str) -> Case:
    flow = next(iter(config.flows))
    return Case(
        id=1,
        human_id="ADS-1042",
        flow_id=flow.id,
        status=CaseStatus.RESOLVED,
        severity_id=flow.severities[0].id,
        reporter_id="U0REP1",
        advertiser=text[:150],
        campaign=text[:150],
        market="SG",
        summary=text,
        deadline_at=NOW + timedelta(days=2),
        sensitive=False,
        created_at=NOW,
        root=MessageRef("C0ESCALATE", "1700000000.000100"),
        permalink="https://team.slack.test/archives/C0ESCALATE/p1700000000000100",
        acknowledged_by="U0SPEC1",
        acknowledged_at=NOW,
        owner_id="U0SPEC1",
        outcome="approved",
        guidance=text,
        policy_ref=text,
        resolved_by="U0SPEC1",
        resolved_at=NOW,
    )


def assert_slack_takes(built: tuple[str, list[dict[str, Any]]]) -> None:
    _, blocks = built
    assert check_message_blocks(blocks) == [], check_message_blocks(blocks)[:3]
    folded = budget.fold(blocks)
    assert check_message_blocks(folded) == []
    assert len(folded) <= budget.MAX_MESSAGE_BLOCKS
    assert blocks_text_size(folded) <= MAX_BLOCKS_TEXT


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=long_text())
@example(text="\n" * LONGEST)  # only line breaks: a section must not end up without text
@example(text=" \n" * (LONGEST // 2))
def test_every_case_message_builder_fits_slack_with_the_longest_typed_text(config: Config, text: str):
    case = _case(config, text)
    flow = config.flow(case.flow_id)
    assert_slack_takes(msg.build_case_root(case, flow, tz=SGT))
    assert_slack_takes(msg.build_case_details(case, flow, tz=SGT))
    assert_slack_takes(msg.build_reporter_confirmation(case, flow, permalink=case.permalink or "", tz=SGT))
    assert_slack_takes(msg.build_follow_confirmation(case, permalink=case.permalink))
    assert_slack_takes(ops_alert.build_failure_report(DeliveryFailure(what=text, error=text, attempts=5, case=case)))
    assert_slack_takes(actions.build_rep_question(case, flow, question=text, asked_by="U0SPEC1"))
    assert_slack_takes(actions.build_outcome(case, flow))
    assert_slack_takes(pages.build_page(case, flow, round=2, level=3, tz=SGT, again=True))
    assert_slack_takes(pages.build_page_update(case, flow, user_id="U0SPEC1", round=1, level=1, tz=SGT))
    for what in ("reopen", "severity"):
        assert_slack_takes(
            pages.build_change_dm(case, flow, what=what, by="U0SPEC1", text=text, instead_of="U0SPEC2", terms=None)
        )
    assert_slack_takes(pages.build_leads_alert(LeadsAlert("unanswered", case, 3, 3), flow))
    note = pages.note_text(ThreadNote(kind="declined", users=("U0SPEC1",), text=text, detail=text[:150]), tz=SGT)
    assert len(note) <= 4000


@settings(max_examples=5, deadline=None)
@given(text=long_text(250))
def test_the_digest_of_a_very_busy_day_splits_into_messages_slack_takes(text: str):
    digest = busy_digest(500)
    digest = replace(digest, on_call=digest.on_call)
    _, blocks = build_digest(digest, tz=SGT)
    assert check_message_blocks(blocks) == []
    parts = budget.split(blocks)
    assert len(parts) >= 2  # a parent and at least one thread reply, nothing folded away
    for part in parts:
        assert check_message_blocks(part) == []
        assert blocks_text_size(part) <= MAX_BLOCKS_TEXT and len(part) <= budget.MAX_MESSAGE_BLOCKS


@given(text=long_text(), limit=st.integers(min_value=1, max_value=3000))
def test_fit_escapes_then_cuts_never_inside_an_escape(text: str, limit: int):
    shown = fit(text, limit)
    assert len(shown) <= limit
    assert "<" not in shown and ">" not in shown
    body = shown.removesuffix("…")
    assert escape_mrkdwn(text).startswith(body)
    tail = body[body.rfind("&") :] if "&" in body else ""
    assert not tail or tail.startswith(("&amp;", "&lt;", "&gt;")), tail


def test_a_long_question_full_of_ampersands_stays_within_a_section():
    config = load_config(ROOT / "app.yaml", env={})
    case = _case(config, "ok")
    _, blocks = actions.build_rep_question(case, config.flow(case.flow_id), question="&" * 3000, asked_by="U0SPEC1")
    assert check_message_blocks(blocks) == []
    assert len(blocks[0]["text"]["text"]) <= 3000
