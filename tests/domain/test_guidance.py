"""Guide drafts as articles: ids, the exported Markdown (which the guide loader must accept), and who may
withdraw a case; the weekly gap topics."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.config.guides import load_guides
from bot.domain.case import Case, CaseStatus
from bot.domain.flow import Flow
from bot.domain.guidance import DraftIncomplete, DraftText, guide_markdown, missing_for_export, slugify, unique_id
from bot.domain.lifecycle import RESOLVE_OUTCOMES, Action, InvalidTransition, Outcome, next_status
from bot.domain.permissions import Actor, may
from bot.domain.weekly import gap_topics
from bot.services.guide_drafts import draft_from_case
from bot.services.weekly import topic_of

TEXT = DraftText(
    guide_id="brand-extensions-sg",
    title='Brand extensions: "0.0" beers # and other spin-offs — 日本語も',
    policy_area="alcohol",
    markets=("SG", "ALL"),
    flows=("prelaunch_review",),
    keywords=("0.0", "spin-off: low", "ビール"),
    body="**Short answer:** treat it as alcohol.\n\n---\n\n- one\n- two",
    policy_url="https://policies.example.com/ads/alcohol#brand-extensions",
)
CASE = Case(
    id=7,
    human_id="ADS-1007",
    flow_id="prelaunch_review",
    status=CaseStatus.RESOLVED,
    severity_id="sev3",
    reporter_id="U0REP1",
    advertiser="Acme",
    campaign="Spring",
    market="SG",
    summary="Can the gin brand run a video ad in Singapore at 8 pm? It is a low-alcohol spin-off.",
    deadline_at=None,
    sensitive=False,
    created_at=datetime(2026, 11, 25, tzinfo=UTC),
    outcome="approved_with_changes",
    guidance="Treat it as alcohol. Video only after 22:00.",
    policy_ref="Alcohol policy §4",
)


def test_slugs_are_short_ascii_and_unique():
    assert slugify("Can alcohol ads run in Singapore before 10 pm?") == "alcohol-ads-run-singapore-before-10-pm"
    assert slugify("暗号資産の広告") == ""
    assert unique_id("gin", {"gin", "gin-2"}) == "gin-3" and unique_id("gin", set()) == "gin"


def test_exported_markdown_loads_with_the_guide_loader_whatever_the_text(tmp_path: Path):
    (tmp_path / "brand-extensions-sg.md").write_text(
        guide_markdown(TEXT, owner="U0LEAD1", reviewed_on=date(2026, 12, 1)), encoding="utf-8"
    )
    problems: list = []
    [guide] = load_guides(
        tmp_path, flow_ids={"prelaunch_review"}, today=date(2026, 12, 1), problems=problems, warnings=[]
    )
    assert problems == []
    assert (guide.id, guide.title, guide.markets, guide.keywords) == (
        "brand-extensions-sg",
        TEXT.title,
        ("SG", "ALL"),
        ("0.0", "spin-off: low", "ビール"),
    )
    assert guide.body == TEXT.body and guide.owner == "U0LEAD1" and guide.policy_url == TEXT.policy_url


def test_a_draft_missing_what_the_loader_needs_is_not_exported():
    incomplete = replace(TEXT, policy_url=None, markets=())
    assert missing_for_export(incomplete) == ["at least one market (or ALL)", "a link to the full policy (https://…)"]
    with pytest.raises(DraftIncomplete, match="a link to the full policy"):
        guide_markdown(incomplete, owner="U0LEAD1", reviewed_on=date(2026, 12, 1))


def test_a_draft_from_a_case_carries_its_question_outcome_guidance_and_market(shipped_config):
    flow: Flow = shipped_config.flow("prelaunch_review")
    text = draft_from_case(CASE, flow, guides=shipped_config.guides)
    assert text.title == "Can the gin brand run a video ad in Singapore at 8 pm?"
    assert text.guide_id == "gin-brand-run-video-ad-singapore-8"
    assert text.markets == ("SG",) and text.flows == ("prelaunch_review",) and text.policy_area == "alcohol"
    assert "gin" in text.keywords and "singapore" not in text.keywords
    assert "**Short answer:** Approved with changes." in text.body and "Alcohol policy §4" in text.body
    assert text.policy_url == flow.guidance[0].url  # the reference is not a link: the flow's own guidance
    linked = draft_from_case(replace(CASE, policy_ref="https://p.example.com/x", market="XX"), flow, guides=())
    assert linked.policy_url == "https://p.example.com/x" and linked.markets == ("ALL",)
    assert linked.policy_area == "general"


def test_only_the_reporter_or_staff_may_withdraw_and_only_while_new():
    new = replace(CASE, status=CaseStatus.NEW, followers=("U0REP1", "U0REP2"))
    assert may(Actor("U0REP1", False), Action.WITHDRAW, new)
    assert not may(Actor("U0REP2", False), Action.WITHDRAW, new)  # a follower
    assert may(Actor("U0SPEC1", True), Action.WITHDRAW, new)
    assert next_status(CaseStatus.NEW, Action.WITHDRAW) is CaseStatus.CLOSED
    with pytest.raises(InvalidTransition, match=r"A case that is acknowledged cannot be withdrawn\."):
        next_status(CaseStatus.ACKNOWLEDGED, Action.WITHDRAW)
    assert Outcome.ANSWERED_BY_GUIDANCE not in RESOLVE_OUTCOMES


def test_gap_topics_group_wordings_and_keep_the_top_five():
    queries = [
        ("Can I run crypto ads in Vietnam?", 2),
        ("crypto ads vietnam", 1),
        ("vietnam crypto", 1),
        ("???", 5),
    ] + [(f"topic number {word}", 1) for word in ("alpha", "bravo", "charlie", "delta", "echo")]
    gaps = gap_topics(queries, topic=topic_of)
    assert gaps[0] == ("Can I run crypto ads in Vietnam?", 4)
    assert len(gaps) == 5 and all(n == 1 for _, n in gaps[1:])
