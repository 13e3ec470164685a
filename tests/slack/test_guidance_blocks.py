"""Guidance Block Kit stays within Slack's limits however long the articles, questions and drafts are."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.domain.guidance import DraftState, DraftText, GuideDraft
from bot.services.guidance import Answer
from bot.services.guide_search import GuideIndex
from bot.slack.blocks.guidance import build_policy_answer, guide_mrkdwn
from bot.slack.blocks.guide_review import SHOWN, build_draft_edit_modal, build_export_dm, review_queue

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def sections(blocks: list[dict]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


def test_a_long_answer_stays_within_limits(shipped_config):
    long_guides = [replace(g, body=g.body * 20) for g in shipped_config.guides]
    hits = GuideIndex(long_guides).search("alcohol ads Singapore Thailand Indonesia Malaysia beer")
    _, blocks = build_policy_answer(Answer("alcohol " * 400, tuple(hits), 12), locale="ja-JP")
    assert len(blocks) <= 50 and all(len(s) <= 3000 for s in sections(blocks))
    buttons = [b["accessory"] for b in blocks if b.get("accessory")]
    assert buttons and all(len(b["text"]["text"]) <= 75 and len(b["value"]) <= 2000 for b in buttons)


def test_guide_markdown_becomes_escaped_mrkdwn():
    shown = guide_mrkdwn("## Rules\n**Short answer:** <b>no</b> & never\n- one\n* two")
    assert shown == "*Rules*\n*Short answer:* &lt;b&gt;no&lt;/b&gt; &amp; never\n• one\n• two"


def draft(n: int) -> GuideDraft:
    text = DraftText(f"draft-{n}", "T" * 150, "alcohol", ("SG",), ("prelaunch_review",), ("k",) * 30, "x" * 3000)
    return GuideDraft(n, n, DraftState.PENDING, text, "U0SPEC1", NOW)


def test_the_review_queue_and_its_modal_fit_slack():
    blocks = [b.to_dict() for b in review_queue([draft(n) for n in range(1, 21)], total=20, prefix="ADS")]
    assert len(blocks) == 2 + 3 * SHOWN + 1 and all(len(s) <= 3000 for s in sections(blocks))
    assert "…and 12 more" in str(blocks[-1])
    assert "needs a link to the full policy" in str(blocks)
    modal = build_draft_edit_modal(draft(1))
    assert len(modal["title"]["text"]) <= 24 and len(modal["private_metadata"]) <= 3000


def test_a_long_export_dm_is_split_into_code_blocks():
    _, blocks = build_export_dm(guide_id="g", path="/var/guide_drafts/g.md", markdown="line ``` <x>\n" * 2000)
    assert len(blocks) <= 50 and all(len(s) <= 3000 for s in sections(blocks))
    assert all(s.startswith("```") and s.endswith("```") for s in sections(blocks)[1:])
    assert "```" not in "".join(s[3:-3] for s in sections(blocks)[1:]) and "&lt;x&gt;" in str(blocks)
