"""Cases and their audit trail on real SQLite files and real Postgres."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.case import CaseStatus, MessageRef
from bot.domain.events import CaseEvent
from bot.domain.intake import Intake
from bot.domain.severity import Severity

NOW = datetime(2026, 11, 25, 1, 30, tzinfo=UTC)
SEV2 = Severity("sev2", "SEV2 · High", ":large_orange_circle:", 1, timedelta(minutes=30), timedelta(hours=8))


def intake(advertiser="Acme Foods", campaign="Spring launch", reporter="U0REP1", **extra):
    return Intake(
        flow_id="prelaunch_review",
        reporter_id=reporter,
        severity=SEV2,
        severity_reasons=("flow default",),
        advertiser=advertiser,
        campaign=campaign,
        market="SG",
        deadline_at=datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Singapore")),
        summary="Can this run?",
        sensitive=False,
        values={"ad_formats": ["video"], "when": NOW},
        **extra,
    )


def test_cases_get_sequential_human_ids_and_keep_aware_times(store):
    with store.transaction() as tx:
        first = tx.cases.add(intake(), now=NOW, intake_key="view:V1:h1")
        second = tx.cases.add(intake(campaign="Autumn"), now=NOW, intake_key="view:V2:h1")
    assert (first.human_id, second.human_id) == ("ADS-1001", "ADS-1002")
    with store.transaction() as tx:
        loaded = tx.cases.get(first.id)
    assert loaded.deadline_at == datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    assert loaded.deadline_at.tzinfo is not None
    assert loaded.created_at == NOW
    assert loaded.status is CaseStatus.NEW
    assert loaded.values == {"ad_formats": ["video"], "when": NOW.isoformat()}
    assert loaded.followers == ("U0REP1",)


def test_opening_records_an_audit_event(store):
    with store.transaction() as tx:
        case = tx.cases.add(intake(), now=NOW)
        events = tx.cases.events(case.id)
    assert events == [
        CaseEvent(
            at=NOW, kind="opened", actor_id="U0REP1", data={"severity": "sev2", "severity_reasons": ["flow default"]}
        )
    ]


def test_intake_key_is_unique(store):
    with store.transaction() as tx:
        case = tx.cases.add(intake(), now=NOW, intake_key="view:V1:h1")
    with store.transaction() as tx:
        assert tx.cases.by_intake_key("view:V1:h1").id == case.id
        assert tx.cases.by_intake_key("view:V1:other") is None
    with pytest.raises(Exception, match=r"(?i)unique"), store.transaction() as tx:
        tx.cases.add(intake(), now=NOW, intake_key="view:V1:h1")
    with store.transaction() as tx:
        assert tx.cases.count() == 1


def test_root_message_permalink_and_followers_are_saved(store):
    with store.transaction() as tx:
        case = tx.cases.add(intake(), now=NOW)
    with store.transaction() as tx:
        tx.cases.set_root(case.id, MessageRef("C0ESCALATE", "1764034200.000100"), now=NOW)
        tx.cases.set_permalink(case.id, "https://slack.test/archives/C0ESCALATE/p1", now=NOW)
        assert tx.cases.add_follower(case.id, "U0REP2", now=NOW) is True
        assert tx.cases.add_follower(case.id, "U0REP2", now=NOW) is False
    with store.transaction() as tx:
        loaded = tx.cases.get(case.id)
    assert loaded.root == MessageRef("C0ESCALATE", "1764034200.000100")
    assert loaded.permalink.endswith("/p1")
    assert loaded.followers == ("U0REP1", "U0REP2")


def test_a_failed_transaction_leaves_nothing_behind(store):
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.cases.add(intake(), now=NOW)
        raise RuntimeError("crash before commit")
    with store.transaction() as tx:
        assert tx.cases.count() == 0


def test_request_keys_remember_deliveries(store):
    with store.transaction() as tx:
        assert tx.first_time("action:1700000050.123456", now=NOW) is True
    with store.transaction() as tx:
        assert tx.first_time("action:1700000050.123456", now=NOW) is False
        assert tx.forget_request_keys(before=NOW + timedelta(days=1)) == 1


def test_naive_datetimes_are_refused(store):
    with pytest.raises(Exception, match="naive"), store.transaction() as tx:
        tx.cases.add(intake(), now=datetime(2026, 1, 1))  # noqa: DTZ001


def test_a_batch_of_cases_reads_as_each_case_does_alone(store):
    """`get_many` (a job batch's one read of its cases) gives exactly what `get` gives, followers too."""
    with store.transaction() as tx:
        first = tx.cases.add(intake(), now=NOW)
        second = tx.cases.add(intake(advertiser="Beta Drinks"), now=NOW)
        tx.cases.set_root(first.id, MessageRef("C0ESCALATE", "1764034200.000100"), now=NOW)
        tx.cases.add_follower(first.id, "U0REP2", now=NOW)
        tx.cases.acknowledge(second.id, "U0SPEC1", now=NOW)
    with store.read() as tx:
        alone = {case_id: tx.cases.get(case_id) for case_id in (first.id, second.id)}
        together = tx.cases.get_many([second.id, first.id, second.id, 999])
    assert together == alone
    assert together[first.id].followers == ("U0REP1", "U0REP2")
