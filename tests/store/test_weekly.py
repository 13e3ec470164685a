"""The weekly report's figures against a hand-computed week, on SQLite and Postgres."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.case import CaseStatus, MessageRef
from bot.domain.intake import Intake
from bot.services.weekly import build_weekly
from bot.slack.blocks.weekly import build_weekly as render
from tests.store.test_cases import SEV2

SGT = ZoneInfo("Asia/Singapore")
MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=SGT)  # the report covers the week before the next Monday


def seed(store) -> None:
    rows = [  # (flow, market, advertiser, day offset, resolved, breach, missed, sensitive, acknowledged)
        ("prelaunch_review", "SG", "Acme", 0, True, None, False, False, True),
        ("prelaunch_review", "SG", "ACME", 1, True, "acknowledge", False, False, True),
        ("live_violation", "MY", "Beta", 2, False, "resolve", True, False, True),
        ("restricted_category", "TH", "Acme", 3, False, None, False, False, True),
        ("pr_risk", "SG", "Secret Co", 4, False, None, False, True, False),
    ]
    with store.transaction() as tx:
        for flow, market, advertiser, day, resolved, breach, missed, sensitive, acked in rows:
            now = MONDAY + timedelta(days=day)
            case = tx.cases.add(
                Intake(flow, "U0REP1", SEV2, (), advertiser, "C", market, None, "q", sensitive), now=now
            )
            if acked:
                acked_at = now + timedelta(minutes=10)
                tx.cases.change(
                    case.id,
                    now=acked_at,
                    status=CaseStatus.ACKNOWLEDGED,
                    acknowledged_by="U0SPEC1",
                    acknowledged_at=acked_at,
                )
            if resolved:
                tx.cases.change(case.id, now=now, status=CaseStatus.RESOLVED, resolved_at=now + timedelta(hours=2))
            if breach:
                tx.cases.add_event(case.id, kind="sla_breach", now=now, data={"which": breach})
            if missed:
                tx.cases.add_event(case.id, kind="deadline_passed", now=now, data={"name": "passed"})
            tx.cases.record_page(
                case.id,
                generation=1,
                round=1,
                level=1,
                user_id="U0SPEC1" if day < 3 else "U0SPEC2",
                ref=MessageRef("D1", f"{day}.1"),
                now=now + timedelta(hours=12),
            )  # 21:30: after hours
        old = tx.cases.add(
            Intake("pr_risk", "U0REP1", SEV2, (), "Old", "C", "SG", None, "q", False), now=MONDAY - timedelta(days=3)
        )
        assert old.id == 6


def test_weekly_report_counts_the_week(store, shipped_config):
    seed(store)
    report = build_weekly(shipped_config, store, end_at=MONDAY + timedelta(days=7))
    assert report.opened == 5
    assert dict(report.by_flow) == {"prelaunch_review": 2, "live_violation": 1, "restricted_category": 1, "pr_risk": 1}
    assert dict(report.by_market) == {"SG": 3, "MY": 1, "TH": 1}
    # Acknowledge: met by 1, 3, 4; missed by 2 (breach) and 5 (never acknowledged, its SLA long due).
    # Resolve: met by 1, 2; missed by 3 (breach), 4 and 5 (open, 8h SLA long due, breach not yet recorded).
    assert report.acknowledge_compliance == 0.6 and report.resolve_compliance == 0.4
    assert report.deadlines_missed == 1
    assert [(p.user_id, p.pages, p.out_of_hours) for p in report.load] == [("U0SPEC1", 3, 3), ("U0SPEC2", 2, 2)]
    assert report.top_advertisers[0] == ("ACME", 3) or report.top_advertisers[0] == ("Acme", 3)
    assert all("Secret" not in name for name, _ in report.top_advertisers)  # sensitive cases stay out
    text, blocks = render(report, tz=SGT)
    assert "5 cases" in text and len(blocks) == 7  # burden, then policy guidance (the shipped config has guides)
    assert "0 question(s) answered without an escalation" in str(blocks[-1])
    assert "acknowledge 60%" in str(blocks) and "3 out of hours" in str(blocks)


def test_compliance_leaves_out_cases_whose_sla_has_not_come_due(store, shipped_config):
    end_at = MONDAY + timedelta(days=7)
    with store.transaction() as tx:
        met = tx.cases.add(Intake("prelaunch_review", "U0REP1", SEV2, (), "A", "C", "SG", None, "q", False), now=MONDAY)
        tx.cases.change(met.id, now=MONDAY, status=CaseStatus.RESOLVED, acknowledged_at=MONDAY, resolved_at=MONDAY)
        # Filed ten minutes before the report: its 30-minute acknowledge SLA has not come due.
        fresh = end_at - timedelta(minutes=10)
        tx.cases.add(Intake("prelaunch_review", "U0REP1", SEV2, (), "B", "C", "SG", None, "q", False), now=fresh)
    report = build_weekly(shipped_config, store, end_at=end_at)
    assert report.opened == 2
    assert report.acknowledge_compliance == 1.0 and report.resolve_compliance == 1.0
