"""Guide events and drafts, and the weekly guidance figures, on real SQLite files and real Postgres."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.guidance import DraftChanged, DraftState, DraftText, GuideEvent, GuideEventKind, GuideSource
from bot.services.weekly import build_weekly
from bot.slack.blocks.weekly import build_weekly as render
from tests.store.test_cases import NOW, intake

SGT = ZoneInfo("Asia/Singapore")
MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=SGT)
E, S = GuideEventKind, GuideSource
TEXT = DraftText(
    guide_id="gin-spin-offs-singapore",
    title="Gin spin-offs in Singapore",
    policy_area="alcohol",
    markets=("SG",),
    flows=("prelaunch_review",),
    keywords=("gin", "spin-off"),
    body="**Short answer:** treat it as alcohol.",
    policy_url="https://policies.example.com/ads/alcohol",
)


def event(kind: GuideEventKind, **fields) -> GuideEvent:
    user_id, source = fields.pop("user_id", "U0REP1"), fields.pop("source", S.COMMAND)
    return GuideEvent(kind=kind, user_id=user_id, source=source, **fields)


def test_events_are_recorded_in_order_with_their_details(store):
    with store.transaction() as tx:
        case = tx.cases.add(intake(), now=NOW)
        first = tx.guides.record(
            event(
                E.SEARCHED,
                query="alcohol in SG?",
                locale="ja-JP",
                guide_ids=("alcohol-sg-hours", "alcohol-th"),
                top_guide_id="alcohol-sg-hours",
                top_score=6.5,
                good_match=True,
            ),
            now=NOW,
        )
        tx.guides.record(event(E.WITHDRAWN, source=S.INTAKE, case_id=case.id, top_guide_id="x"), now=NOW)
    with store.read() as tx:
        searched = tx.guides.event(first)
        assert searched is not None and searched.guide_ids == ("alcohol-sg-hours", "alcohol-th")
        assert searched.locale == "ja-JP" and searched.top_score == 6.5 and searched.at == NOW
        assert [e.kind for e in tx.guides.events()] == [E.SEARCHED, E.WITHDRAWN]
        assert [e.case_id for e in tx.guides.events(case_id=case.id)] == [case.id]
        assert tx.guides.events(kind=E.ANSWERED) == []


def test_drafts_queue_once_per_case_and_change_only_at_their_version(store):
    with store.transaction() as tx:
        case = tx.cases.add(intake(), now=NOW)
        other = tx.cases.add(intake(campaign="Other"), now=NOW)
        draft = tx.guides.add_draft(case.id, TEXT, created_by="U0SPEC1", now=NOW)
        again = tx.guides.add_draft(case.id, replace(TEXT, title="Again"), created_by="U0SPEC2", now=NOW)
        tx.guides.add_draft(other.id, replace(TEXT, guide_id="second"), created_by="U0SPEC1", now=NOW)
    assert again == draft and draft.state is DraftState.PENDING and draft.version == 1
    with store.transaction() as tx:
        assert [d.case_id for d in tx.guides.pending_drafts()] == [case.id, other.id]
        assert tx.guides.count_pending() == 2
        edited = tx.guides.edit(draft.id, 1, replace(TEXT, title="Edited", markets=("SG", "MY")))
    assert edited.version == 2 and edited.text.title == "Edited" and edited.text.markets == ("SG", "MY")
    with pytest.raises(DraftChanged, match="someone else got there first"), store.transaction() as tx:
        tx.guides.approve(draft.id, 1, by="U0LEAD1", now=NOW, guide_id="edited")  # stale version
    with store.transaction() as tx:
        approved = tx.guides.approve(draft.id, 2, by="U0LEAD1", now=NOW, guide_id="edited")
    assert approved.state is DraftState.APPROVED and approved.reviewed_by == "U0LEAD1" and approved.reviewed_at == NOW
    with pytest.raises(DraftChanged), store.transaction() as tx:
        tx.guides.discard(draft.id, 3, by="U0LEAD1", now=NOW)  # no longer pending
    with store.read() as tx:
        assert tx.guides.approved_ids() == {"edited"}
        assert tx.guides.count_pending() == 1
        assert tx.guides.draft_for_case(case.id) == approved


def seed_week(store) -> None:
    """One week of guidance: answered, withdrawn, gaps (one from a sensitive case), escalated anyway."""
    day = MONDAY + timedelta(days=1)
    with store.transaction() as tx:
        withdrawn = tx.cases.add(intake(campaign="W"), now=day)
        tx.cases.change(withdrawn.id, now=day, answered_by_guide="alcohol-sg-hours")
        escalated = tx.cases.add(intake(campaign="E"), now=day)
        secret = tx.cases.add(replace(intake(campaign="S"), sensitive=True), now=day)
        rows = [
            event(E.ANSWERED, top_guide_id="crypto-ads"),
            event(E.ANSWERED, source=S.INTAKE_FORM, top_guide_id="gambling"),
            event(E.ANSWERED, source=S.INTAKE, top_guide_id="gambling", case_id=escalated.id),  # too late: paged
            event(E.WITHDRAWN, source=S.INTAKE, top_guide_id="alcohol-sg-hours", case_id=withdrawn.id),
            event(E.SEARCHED, query="Can I run unicorn ads in Vietnam?"),
            event(E.SEARCHED, query="unicorn ads vietnam??"),
            event(E.SEARCHED, query="Unicorn ads in Vietnam"),
            event(E.SEARCHED, query="moon rides", source=S.INTAKE, case_id=escalated.id),
            event(E.SEARCHED, query="secret brand launch details", source=S.INTAKE, case_id=secret.id),
            event(E.SEARCHED, query="alcohol in SG", good_match=True, top_guide_id="alcohol-sg-hours"),
            event(E.ESCALATED, top_guide_id="crypto-ads", good_match=True),
            event(E.ESCALATED, top_guide_id="crypto-ads", good_match=True, case_id=escalated.id),
            event(E.ESCALATED, top_guide_id="gambling", good_match=True),
            event(E.ESCALATED, top_guide_id="alcohol-sg-hours", good_match=True, case_id=withdrawn.id),
            event(E.ESCALATED, top_guide_id="weapons", good_match=False),
        ]
        for row in rows:
            tx.guides.record(row, now=day)
        tx.guides.record(event(E.ANSWERED, top_guide_id="crypto-ads"), now=MONDAY - timedelta(days=1))  # last week


def test_week_counts_answered_withdrawn_gaps_and_escalations_anyway(store):
    seed_week(store)
    with store.read() as tx:
        week = tx.guides.week(start_at=MONDAY.astimezone(UTC), end_at=(MONDAY + timedelta(days=7)).astimezone(UTC))
    assert (week.answered, week.withdrawn) == (2, 1)
    assert dict(week.gap_queries) == {
        "Can I run unicorn ads in Vietnam?": 1,
        "unicorn ads vietnam??": 1,
        "Unicorn ads in Vietnam": 1,
        "moon rides": 1,
    }  # no good matches, and nothing from the sensitive case
    assert week.escalated_anyway == (("crypto-ads", 2), ("gambling", 1))  # not the withdrawn case's


def test_weekly_report_shows_the_guidance_figures(store, shipped_config):
    seed_week(store)
    report = build_weekly(shipped_config, store, end_at=MONDAY + timedelta(days=7))
    guidance = report.guidance
    assert guidance is not None
    assert guidance.answered_without_escalation == 3
    assert guidance.gaps == (("unicorn ads vietnam??", 3), ("moon rides", 1))  # grouped by words; shortest wording
    assert guidance.escalated_anyway[0] == (
        next(g.title for g in shipped_config.guides if g.id == "crypto-ads"),
        2,
    )
    _, blocks = render(report, tz=SGT)
    shown = str(blocks[-1])
    assert "3 question(s) answered without an escalation" in shown
    assert "unicorn ads vietnam?? (3)" in shown and "moon rides (1)" in shown
    assert "still led to an escalation" in shown and "(2)" in shown
    assert len(blocks) <= 50 and all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
