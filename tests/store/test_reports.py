"""Digest aggregates on real SQLite and Postgres, against a hand-written week of cases.

The week: `NOW` is Wednesday 25 November 2026, 09:00 in Singapore; the last digest was a day
earlier; response times cover the 7 days from Wednesday 18 November 09:00. Thursday 19 November
is made a public holiday for these tests. Case n is ADS-(1000+n); every figure below is counted
by hand from the table.
"""

from __future__ import annotations

import random
import statistics
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.case import CaseStatus
from bot.domain.digest_input import BreachCounts, DayKind, Measure, ResponseTime, SeverityCount
from bot.domain.intake import Intake
from bot.domain.rota import Override
from bot.domain.severity import Severity
from bot.services.digest_data import digest_flows, load_digest, read_digest
from bot.store.reports import ReportRepo, interpolate

SGT = ZoneInfo("Asia/Singapore")
HOLIDAYS = frozenset({date(2026, 11, 19)})
M = timedelta(minutes=1)
H = timedelta(hours=1)


def sgt(day: int, hour: int, minute: int = 0) -> datetime:
    """A November 2026 Singapore wall time, as UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=SGT).astimezone(UTC)


NOW = sgt(25, 9)
SINCE = sgt(24, 9)
WEEK_START = NOW - timedelta(days=7)
SEVERITIES = {
    s.id: s
    for s in (
        Severity("sev1", "SEV1 · Critical", ":red_circle:", 0, 15 * M, 4 * H),
        Severity("sev2", "SEV2 · High", ":large_orange_circle:", 1, 30 * M, 8 * H),
        Severity("sev3", "SEV3 · Normal", ":large_yellow_circle:", 2, 4 * H, 48 * H),
        Severity("sev4", "SEV4 · Low", ":white_circle:", 3, 24 * H, 120 * H),
    )
}
LIVE, REVIEW = "live_violation", "prelaunch_review"

# n: (flow, severity, created, status, owner, acknowledged, resolved, outcome, deadline, sensitive)
CASES = {
    # open
    1: (LIVE, "sev1", sgt(25, 8), "new", None, None, None, None, sgt(25, 20), False),
    2: (LIVE, "sev1", sgt(24, 20), "investigating", "U0SPEC1", sgt(24, 20, 10), None, None, sgt(26, 9), False),
    3: (REVIEW, "sev2", sgt(23, 10), "investigating", "U0SPEC2", sgt(23, 10, 20), None, None, sgt(26, 8, 59), False),
    4: (REVIEW, "sev2", sgt(24, 15), "new", None, None, None, None, sgt(25, 12), True),
    5: (REVIEW, "sev3", sgt(21, 11), "acknowledged", None, sgt(21, 12), None, None, None, False),
    6: (REVIEW, "sev3", sgt(25, 8, 30), "new", None, None, None, None, sgt(25, 8), False),
    7: (REVIEW, "sev4", sgt(19, 10), "waiting_on_rep", "U0SPEC3", sgt(19, 14), None, None, None, False),
    # resolved or closed
    8: (
        REVIEW,
        "sev1",
        sgt(20, 10),
        "resolved",
        "U0SPEC1",
        sgt(20, 10, 5),
        sgt(20, 12),
        "approved",
        sgt(25, 10),
        False,
    ),
    9: (REVIEW, "sev1", sgt(20, 14), "closed", "U0SPEC1", sgt(20, 14, 15), sgt(20, 18), "rejected", None, False),
    10: (REVIEW, "sev1", sgt(23, 9), "resolved", "U0SPEC2", sgt(23, 9, 30), sgt(23, 17), "approved", None, False),
    11: (REVIEW, "sev1", sgt(24, 10), "resolved", "U0SPEC2", sgt(24, 10, 45), sgt(24, 22), "approved", None, False),
    # Saturday 01:00 in Singapore is still Friday in UTC: the local date decides
    12: (REVIEW, "sev2", sgt(21, 1), "resolved", "U0SPEC3", sgt(21, 1, 40), sgt(21, 5), "no_violation", None, False),
    13: (
        REVIEW,
        "sev2",
        sgt(22, 23, 30),
        "resolved",
        "U0SPEC3",
        sgt(23, 0, 30),
        SINCE,
        "approved_with_changes",
        None,
        True,
    ),
    14: (
        REVIEW,
        "sev3",
        sgt(19, 0, 30),
        "resolved",
        "U0SPEC1",
        sgt(19, 2, 30),
        sgt(19, 6, 30),
        "referred",
        None,
        False,
    ),
    15: (REVIEW, "sev4", sgt(17, 10), "resolved", "U0SPEC1", sgt(17, 10, 30), sgt(24, 11), "approved", None, False),
    16: (REVIEW, "sev2", sgt(18, 8, 59), "resolved", "U0SPEC2", sgt(18, 9, 10), sgt(18, 12), "rejected", None, False),
}

# (case, kind, at, data)
EVENTS = [
    (1, "sla_breach", sgt(25, 8, 15), {"which": "acknowledge"}),
    (1, "sla_breach", sgt(25, 8, 50), {"which": "acknowledge"}),  # again after a change: still one case
    (4, "sla_breach", sgt(24, 15, 30), {"which": "acknowledge"}),
    (4, "sla_breach", sgt(24, 23), {"which": "resolve"}),
    (3, "sla_breach", sgt(23, 18), {"which": "resolve"}),  # before the last digest
    (11, "sla_breach", sgt(24, 18), {"which": "resolve"}),  # resolved since, still counted
    (6, "deadline_passed", sgt(25, 8), {"name": "passed"}),
    (6, "sla_breach", NOW, {"which": "acknowledge"}),  # at `now`: the next digest's
    (2, "sla_warning", sgt(24, 23), {"which": "resolve"}),
    (2, "paged", sgt(24, 20), {"user": "U0SPEC1", "round": 1, "level": 1}),
]


def seed(store) -> dict[int, int]:
    """Insert the table above; returns case number → stored id."""
    ids = {}
    with store.transaction(patient=True) as tx:  # a bulk seed, not an ack path
        for n, (flow, sev, created, status, owner, acked, resolved, outcome, deadline, sensitive) in CASES.items():
            case = tx.cases.add(
                Intake(
                    flow_id=flow,
                    reporter_id="U0REP1",
                    severity=SEVERITIES[sev],
                    severity_reasons=("flow default",),
                    advertiser=f"Advertiser {n}",
                    campaign=f"Campaign {n}",
                    market="SG",
                    deadline_at=deadline,
                    summary="?",
                    sensitive=sensitive,
                ),
                now=created,
            )
            ids[n] = case.id
            changes: dict = {"status": status, "owner_id": owner, "outcome": outcome, "resolved_at": resolved}
            if acked:
                changes.update(acknowledged_by=owner or "U0SPEC1", acknowledged_at=acked)
            if status == "waiting_on_rep":
                changes["pauses"] = ((sgt(19, 15), None),)
            tx.cases.change(case.id, now=resolved or acked or created, **changes)
            tx.cases.set_permalink(case.id, f"https://team.slack.test/archives/C0ESCALATE/p{n}", now=created)
        for n, kind, at, data in EVENTS:
            tx.cases.add_event(ids[n], kind=kind, now=at, data=data)
    assert list(ids.values()) == list(range(1, len(CASES) + 1))  # so case n is ADS-(1000+n)
    return ids


@pytest.fixture
def seeded(store):
    seed(store)
    return store


def test_open_cases_are_counted_per_severity_with_the_unowned(seeded):
    with seeded.read() as tx:
        counts = sorted(ReportRepo(tx.session).open_counts(), key=lambda c: c.severity_id)
    assert counts == [
        SeverityCount("sev1", open=2, unowned=1),
        SeverityCount("sev2", open=2, unowned=1),
        SeverityCount("sev3", open=2, unowned=2),
        SeverityCount("sev4", open=1, unowned=0),
    ]


def test_open_cases_carry_what_the_digest_shows(seeded):
    with seeded.read() as tx:
        cases = ReportRepo(tx.session).open_cases()
    assert [c.human_id for c in cases] == [f"ADS-{1000 + n}" for n in range(1, 8)]
    unowned = [c.human_id for c in cases if c.owner_id is None]
    assert unowned == ["ADS-1001", "ADS-1004", "ADS-1005", "ADS-1006"]
    first = cases[0]
    assert (first.status, first.created_at, first.permalink) == (
        CaseStatus.NEW,
        sgt(25, 8),
        "https://team.slack.test/archives/C0ESCALATE/p1",
    )
    assert cases[3].sensitive and not first.sensitive
    assert cases[6].pauses == ((sgt(19, 15), None),)
    assert cases[6].acknowledged_by == "U0SPEC3"


def test_deadlines_in_the_next_24_hours_are_only_those_of_open_cases(seeded):
    with seeded.read() as tx:
        due = ReportRepo(tx.session).deadlines_between(NOW, NOW + timedelta(hours=24))
    # 4 (12:00) and 1 (20:00) today, 3 at 08:59 tomorrow; 2's deadline is exactly 24 h away (excluded),
    # 6's passed an hour ago, and 8 is resolved.
    assert [(c.human_id, c.deadline_at) for c in due] == [
        ("ADS-1004", sgt(25, 12)),
        ("ADS-1001", sgt(25, 20)),
        ("ADS-1003", sgt(26, 8, 59)),
    ]


def test_resolved_since_the_last_digest_with_outcomes(seeded):
    with seeded.read() as tx:
        resolved = ReportRepo(tx.session).resolved_since(SINCE, now=NOW)
    assert resolved.total == 3
    assert sorted(resolved.by_outcome) == [("approved", 2), ("approved_with_changes", 1)]
    # newest first; 13 was resolved exactly at the last digest and belongs to this one
    assert [(r.human_id, r.outcome, r.resolved_at) for r in resolved.latest] == [
        ("ADS-1011", "approved", sgt(24, 22)),
        ("ADS-1015", "approved", sgt(24, 11)),
        ("ADS-1013", "approved_with_changes", SINCE),
    ]
    assert resolved.latest[2].sensitive


def test_resolved_since_keeps_the_total_when_the_list_is_cut(seeded):
    with seeded.read() as tx:
        resolved = ReportRepo(tx.session).resolved_since(SINCE, now=NOW, limit=1)
    assert resolved.total == 3 and [r.human_id for r in resolved.latest] == ["ADS-1011"]


def test_cases_opened_since_the_last_digest(seeded):
    with seeded.read() as tx:
        assert ReportRepo(tx.session).opened_since(SINCE, now=NOW) == 5  # 1, 2, 4, 6, 11


def test_breach_events_count_cases_per_clock_since_the_last_digest(seeded):
    with seeded.read() as tx:
        counts = ReportRepo(tx.session).breach_events_since(SINCE, now=NOW)
    assert counts == BreachCounts(acknowledge=2, resolve=2, deadlines_passed=1)  # {1, 4}, {4, 11}, {6}


def test_a_flow_filter_narrows_every_figure(seeded):
    with seeded.read() as tx:
        live = ReportRepo(tx.session, flow_ids={LIVE})
        assert live.open_counts() == [SeverityCount("sev1", open=2, unowned=1)]
        assert live.breach_events_since(SINCE, now=NOW) == BreachCounts(acknowledge=1)
        assert live.resolved_since(SINCE, now=NOW).total == 0
        assert live.opened_since(SINCE, now=NOW) == 2


def test_response_times_per_severity_and_kind_of_local_day(seeded):
    with seeded.read() as tx:
        found = ReportRepo(tx.session).response_times(WEEK_START, NOW, tz=SGT, holidays=HOLIDAYS)
    table = {(r.severity_id, r.measure, r.day): r for r in found}
    a, r = Measure.ACKNOWLEDGE, Measure.RESOLVE
    wd, we, hol = DayKind.WEEKDAY, DayKind.WEEKEND, DayKind.HOLIDAY
    expected = [
        # 5, 10, 15, 30, 45 min (cases 8, 2, 9, 10, 11): median 15; p90 at rank 3.6 → 30 + 0.6 * 15
        ResponseTime("sev1", wd, a, 5, 15 * M, 39 * M),
        # 2, 4, 8, 12 h (8, 9, 10, 11): median (4 + 8) / 2; p90 at rank 2.7 → 8 + 0.7 * 4
        ResponseTime("sev1", wd, r, 4, 6 * H, 10 * H + 48 * M),
        ResponseTime("sev2", wd, a, 1, 20 * M, 20 * M),  # 3 (4 is unacknowledged; 16 opened before the week)
        # 40, 60 min (12 on Saturday 01:00 local, 13 on Sunday 23:30): median 50; p90 40 + 0.9 * 20
        ResponseTime("sev2", we, a, 2, 50 * M, 58 * M),
        # 4 h and 33.5 h: median 18.75 h; p90 4 + 0.9 * 29.5 = 30.55 h
        ResponseTime("sev2", we, r, 2, 18 * H + 45 * M, 30 * H + 33 * M),
        ResponseTime("sev3", we, a, 1, 60 * M, 60 * M),  # 5
        ResponseTime("sev3", hol, a, 1, 2 * H, 2 * H),  # 14, opened 00:30 on the holiday (still the 18th in UTC)
        ResponseTime("sev3", hol, r, 1, 6 * H, 6 * H),
        ResponseTime("sev4", hol, a, 1, 4 * H, 4 * H),  # 7; 15 opened before the week
    ]
    assert len(found) == len(expected)
    for want in expected:
        assert table[(want.severity_id, want.measure, want.day)] == want


def test_interpolation_matches_percentile_cont():
    values = [5.0, 10.0, 15.0, 30.0, 45.0]
    assert interpolate(dict(enumerate(values)), 5, 50) == 15.0
    assert interpolate(dict(enumerate(values)), 5, 90) == pytest.approx(39.0)
    assert interpolate({0: 7.0}, 1, 90) == 7.0


def test_load_digest_computes_sla_due_times_with_the_flows_calendars(seeded, shipped_config):
    with seeded.read() as tx:
        digest = load_digest(tx, shipped_config, now=NOW, since=SINCE, late=False, overrides={}, holidays=HOLIDAYS)

    def lines(folded):
        return [(s.case.human_id, s.measure.value, s.due_at) for s in folded.items]

    # live_violation counts wall time; prelaunch_review SEV1/SEV2 wall time too, SEV3/SEV4 business hours
    # (Mon-Fri 09:00-18:00 in Singapore), where a day is a business day
    assert lines(digest.breached) == [
        ("ADS-1003", "resolve", sgt(23, 18)),  # SEV2: 8 h from Monday 10:00
        ("ADS-1004", "acknowledge", sgt(24, 15, 30)),
        ("ADS-1005", "resolve", sgt(24, 18)),  # SEV3: 2 business days from Saturday: Monday and Tuesday
        ("ADS-1004", "resolve", sgt(24, 23)),  # SEV2: 8 h of wall time from Tuesday 15:00
        ("ADS-1002", "resolve", sgt(25, 0)),  # 4 h of wall time from Tuesday 20:00
        ("ADS-1001", "acknowledge", sgt(25, 8, 15)),
    ]
    # 6: 4 business hours from Wednesday 09:00; 7 waits on the rep
    assert lines(digest.due_soon) == [("ADS-1001", "resolve", sgt(25, 12)), ("ADS-1006", "acknowledge", sgt(25, 13))]
    assert [u.case.human_id for u in digest.urgent.items] == [f"ADS-{1000 + n}" for n in (2, 1, 3, 4, 5, 6, 7)]
    assert digest.urgent.items[1].age == H
    assert [(t.severity_id, t.open, t.unowned) for t in digest.open_by_severity] == [
        ("sev1", 2, 1),
        ("sev2", 2, 1),
        ("sev3", 2, 2),
        ("sev4", 1, 0),
    ]
    assert [x.case.human_id for x in digest.deadlines.items] == ["ADS-1004", "ADS-1001", "ADS-1003"]
    assert digest.resolved_by_outcome == (("Approved", 2), ("Approved with changes", 1))
    assert digest.opened_since == 5 and digest.breach_events == BreachCounts(2, 2, 1)
    assert {layer.layer for layer in digest.on_call} == {"primary", "secondary", "lead"}
    sensitive = next(line.case for line in digest.breached.items if line.case.human_id == "ADS-1004")
    assert sensitive.details is None


def test_load_digest_for_an_empty_store_is_quiet(store, shipped_config):
    with store.read() as tx:
        digest = load_digest(tx, shipped_config, now=NOW, since=SINCE, late=True, overrides={}, holidays=HOLIDAYS)
    assert digest.quiet and digest.late
    assert digest.response_times == () and digest.open_total == 0


def test_percentiles_agree_with_statistics_quantiles_on_random_delays(store):
    rng = random.Random(7)
    delays: dict[tuple[str, DayKind], list[float]] = {}
    with store.transaction(patient=True) as tx:  # a bulk seed, not an ack path
        for n in range(60):
            sev = rng.choice(["sev1", "sev2"])
            created = WEEK_START + timedelta(minutes=rng.randint(0, 7 * 24 * 60 - 600))
            delay = timedelta(seconds=rng.randint(30, 30_000))
            case = tx.cases.add(
                Intake(
                    flow_id=REVIEW,
                    reporter_id="U0REP1",
                    severity=SEVERITIES[sev],
                    severity_reasons=(),
                    advertiser=f"A{n}",
                    campaign=f"C{n}",
                    market="SG",
                    deadline_at=None,
                    summary="?",
                    sensitive=False,
                ),
                now=created,
            )
            tx.cases.change(case.id, now=created + delay, acknowledged_by="U0SPEC1", acknowledged_at=created + delay)
            kind = DayKind.WEEKEND if created.astimezone(SGT).weekday() >= 5 else DayKind.WEEKDAY
            delays.setdefault((sev, kind), []).append(delay.total_seconds())
    with store.read() as tx:
        found = ReportRepo(tx.session).response_times(WEEK_START, NOW, tz=SGT, holidays=frozenset())
    assert {(r.severity_id, r.day) for r in found} == set(delays)
    for row in found:
        values = delays[(row.severity_id, row.day)]
        assert row.count == len(values)
        assert row.median.total_seconds() == pytest.approx(statistics.median(values), abs=0.01)
        if len(values) > 1:
            p90 = statistics.quantiles(values, n=10, method="inclusive")[8]
            assert row.p90.total_seconds() == pytest.approx(p90, abs=0.01)


def test_digest_flows_follow_the_channel(shipped_config):
    assert digest_flows(shipped_config, None) is None
    assert digest_flows(shipped_config, shipped_config.app.leads_channel) is None
    assert digest_flows(shipped_config, "C0NOFLOWS") is None  # no flow posts there: the whole picture
    escalations = {f.id for f in shipped_config.flows if f.channel_id == "C0ESCALATE"}
    assert digest_flows(shipped_config, "C0ESCALATE") == frozenset(escalations)


def test_read_digest_reads_one_snapshot_with_the_overrides(seeded, shipped_config):
    schedule = next(iter(shipped_config.schedules.values()))
    with seeded.transaction() as tx:
        tx.overrides.add(
            Override(None, schedule.id, "primary", "U0COVER", None, NOW - H, NOW + H), created_by="U0LEAD1", now=NOW
        )
    digest = read_digest(seeded, shipped_config, now=NOW, since=SINCE, late=True, scheduled_at=NOW - 2 * H)
    primary = next(layer for layer in digest.on_call if layer.layer == "primary")
    assert primary.users == ("U0COVER",) and primary.until == NOW + H
    assert digest.late and digest.scheduled_at == NOW - 2 * H and digest.open_total == 7
