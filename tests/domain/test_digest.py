"""Digest composition: order, folding, the quiet one-liner, late marking, sensitive cases."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain import digest as d
from bot.domain import digest_compose as dc
from bot.domain import digest_input as di
from bot.domain import digest_text as dt
from bot.domain import rota
from bot.domain.case import CaseStatus
from bot.domain.severity import Severity

SGT = ZoneInfo("Asia/Singapore")
NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # Wednesday 09:00 in Singapore
SINCE = NOW - timedelta(days=1)
H = timedelta(hours=1)
SEVERITIES = (
    Severity("sev2", "SEV2 · High", ":large_orange_circle:", 1, 30 * timedelta(minutes=1), 8 * H),
    Severity("sev1", "SEV1 · Critical", ":red_circle:", 0, 15 * timedelta(minutes=1), 4 * H),
    Severity("sev1", "SEV1 · Duplicate from another flow", ":x:", 0, H, H),
    Severity("sev3", "SEV3 · Normal", ":large_yellow_circle:", 2, 4 * H, 48 * H),
)


def open_case(n: int, severity: str = "sev2", *, age: timedelta = H, **extra) -> di.OpenCase:
    values = {
        "id": n,
        "human_id": f"ADS-{1000 + n}",
        "flow_id": "prelaunch_review",
        "severity_id": severity,
        "status": CaseStatus.NEW,
        "advertiser": f"Advertiser {n}",
        "campaign": f"Campaign {n}",
        "sensitive": False,
        "created_at": NOW - age,
        "permalink": f"https://slack.test/p{n}",
    }
    return di.OpenCase(**(values | extra))


def resolved_case(n: int, *, hours_ago: int, outcome: str | None = "approved", **extra) -> di.ResolvedCase:
    values = {
        "id": n,
        "human_id": f"ADS-{1000 + n}",
        "severity_id": "sev2",
        "status": CaseStatus.RESOLVED,
        "advertiser": f"Advertiser {n}",
        "campaign": f"Campaign {n}",
        "sensitive": False,
        "resolved_at": NOW - hours_ago * H,
        "outcome": outcome,
        "permalink": f"https://slack.test/p{n}",
    }
    return di.ResolvedCase(**(values | extra))


def compose(**given) -> d.Digest:
    cases = given.pop("open_cases", [])
    counts: dict[str, list[int]] = {}
    for case in cases:
        tally = counts.setdefault(case.severity_id, [0, 0])
        tally[0] += 1
        tally[1] += case.owner_id is None
    arguments = {
        "now": NOW,
        "since": SINCE,
        "late": False,
        "severities": SEVERITIES,
        "open_counts": [di.SeverityCount(s, n, u) for s, (n, u) in counts.items()],
        "open_cases": cases,
        "sla_dues": [],
        "breach_events": di.BreachCounts(),
        "deadlines": [],
        "resolved": di.Resolved(),
        "opened_since": 0,
        "response_times": [],
        "schedules": [],
        "overrides": {},
    }
    return dc.compose_digest(**(arguments | given))


def test_open_cases_are_tallied_in_severity_order_with_every_severity_shown():
    digest = compose(open_cases=[open_case(1, "sev3"), open_case(2, "sev1", owner_id="U0SPEC1"), open_case(3, "sev1")])
    assert [(t.severity_id, t.open, t.unowned) for t in digest.open_by_severity] == [
        ("sev1", 2, 1),
        ("sev2", 0, 0),
        ("sev3", 1, 1),
    ]
    assert digest.open_by_severity[0].label == "SEV1 · Critical"  # the first definition of an id wins
    assert (digest.open_total, digest.unowned_total) == (3, 2)


def test_a_severity_no_flow_knows_is_still_counted_last():
    digest = compose(open_counts=[di.SeverityCount("legacy", 4, 4)])
    assert [t.severity_id for t in digest.open_by_severity] == ["sev1", "sev2", "sev3", "legacy"]
    assert digest.open_total == 4


def test_most_urgent_are_most_severe_then_oldest_with_age_and_owner():
    digest = compose(
        open_cases=[
            open_case(1, "sev2", age=10 * H),
            open_case(2, "sev1", age=2 * H, owner_id="U0SPEC1"),
            open_case(3, "sev1", age=5 * H),
            open_case(4, "sev3", age=50 * H),
        ]
    )
    assert [u.case.human_id for u in digest.urgent.items] == ["ADS-1003", "ADS-1002", "ADS-1001", "ADS-1004"]
    assert digest.urgent.items[0].age == 5 * H
    assert digest.urgent.items[1].case.details == d.CaseDetails("Advertiser 2", "Campaign 2", "U0SPEC1")
    assert digest.urgent.items[0].case.details.owner_id is None  # shown as "unowned"


def test_long_lists_fold_into_a_count_of_the_rest():
    cases = [open_case(n, age=n * H) for n in range(1, 41)]
    dues = [di.SlaDue(n, di.Measure.ACKNOWLEDGE, NOW - n * timedelta(minutes=1)) for n in range(1, 41)]
    digest = compose(open_cases=cases, sla_dues=dues, limits=d.Limits(urgent=10, sla=15))
    assert (len(digest.urgent.items), digest.urgent.more, digest.urgent.total) == (10, 30, 40)
    assert (len(digest.breached.items), digest.breached.more) == (15, 25)
    assert digest.breached.items[0].case.human_id == "ADS-1040"  # longest past due first


def test_fold_keeps_the_first_items():
    assert d.fold(range(5), 2) == d.Folded((0, 1), 3)
    assert d.fold([], 3) == d.Folded((), 0)
    assert d.fold("ab", 5).total == 2


def test_sla_lines_split_into_breached_and_about_to_breach():
    cases = [open_case(n) for n in (1, 2, 3, 4)]
    dues = [
        di.SlaDue(1, di.Measure.ACKNOWLEDGE, NOW),  # due exactly now: breached
        di.SlaDue(2, di.Measure.RESOLVE, NOW + 4 * H),  # the last instant of "about to breach"
        di.SlaDue(3, di.Measure.RESOLVE, NOW + 4 * H + timedelta(seconds=1)),  # later: not shown
        di.SlaDue(4, di.Measure.ACKNOWLEDGE, NOW + H),
        di.SlaDue(99, di.Measure.ACKNOWLEDGE, NOW - H),  # not among the open cases: ignored
    ]
    digest = compose(open_cases=cases, sla_dues=dues)
    assert [(s.case.human_id, s.measure) for s in digest.breached.items] == [("ADS-1001", di.Measure.ACKNOWLEDGE)]
    assert [(s.case.human_id, s.due_at) for s in digest.due_soon.items] == [
        ("ADS-1004", NOW + H),
        ("ADS-1002", NOW + 4 * H),
    ]


def test_deadlines_are_those_of_the_next_24_hours_soonest_first():
    deadlines = [
        open_case(1, deadline_at=NOW + 20 * H),
        open_case(2, deadline_at=NOW + H),
        open_case(3, deadline_at=NOW + 24 * H),  # the window is half-open
        open_case(4, deadline_at=NOW - H),
    ]
    digest = compose(deadlines=deadlines)
    assert [(x.case.human_id, x.deadline_at) for x in digest.deadlines.items] == [
        ("ADS-1002", NOW + H),
        ("ADS-1001", NOW + 20 * H),
    ]


def test_resolved_cases_carry_outcome_labels_newest_first_and_keep_the_total():
    resolved = di.Resolved(
        total=20,
        by_outcome=(("approved", 12), ("rejected", 5), (None, 1), ("something_new", 2)),
        latest=tuple(resolved_case(n, hours_ago=n) for n in (3, 1, 2)),
    )
    digest = compose(resolved=resolved, limits=d.Limits(resolved=2))
    assert [(r.case.human_id, r.outcome) for r in digest.resolved.items] == [
        ("ADS-1001", "Approved"),
        ("ADS-1002", "Approved"),
    ]
    assert digest.resolved.total == 20 and digest.resolved.more == 18
    assert digest.resolved_by_outcome == (
        ("Approved", 12),
        ("Rejected", 5),
        ("something_new", 2),
        ("No outcome recorded", 1),
    )


def test_sensitive_cases_keep_only_id_severity_and_status():
    secret = {"sensitive": True, "advertiser": "Hush Co", "campaign": "Quiet", "owner_id": "U0SPEC9"}
    digest = compose(
        open_cases=[open_case(1, **secret, deadline_at=NOW + H)],
        sla_dues=[di.SlaDue(1, di.Measure.ACKNOWLEDGE, NOW - H)],
        deadlines=[open_case(1, **secret, deadline_at=NOW + H)],
        resolved=di.Resolved(
            total=1,
            by_outcome=(("rejected", 1),),
            latest=(resolved_case(2, hours_ago=1, sensitive=True, advertiser="Hush Co", outcome="rejected"),),
        ),
    )
    lines = [
        digest.urgent.items[0].case,
        digest.breached.items[0].case,
        digest.deadlines.items[0].case,
        digest.resolved.items[0].case,
    ]
    for line in lines:
        assert line.sensitive and line.details is None
        assert {f.name for f in fields(line)} == {"human_id", "severity_id", "status", "permalink", "details"}
    assert digest.resolved.items[0].outcome is None
    assert "Hush" not in repr(digest) and "Quiet" not in repr(digest) and "U0SPEC9" not in repr(digest)


def test_nothing_to_report_is_one_line_not_silence():
    digest = compose(breach_events=di.BreachCounts(), opened_since=0)
    assert digest.quiet
    assert (
        dt.summary_line(digest, tz=SGT)
        == "Nothing to report: no open cases, nothing resolved since Tue 24 Nov 09:00 +08."
    )


def test_a_resolved_case_alone_makes_the_day_worth_reporting():
    digest = compose(
        resolved=di.Resolved(total=1, by_outcome=(("approved", 1),), latest=(resolved_case(1, hours_ago=2),))
    )
    assert not digest.quiet
    assert dt.summary_line(digest, tz=SGT) == "No open cases, 0 past SLA, 1 resolved since Tue 24 Nov 09:00 +08."


def test_a_late_digest_is_marked_late():
    planned = NOW - 3 * H
    quiet = compose(late=True, scheduled_at=planned)
    busy = compose(late=True, open_cases=[open_case(1, "sev1")], sla_dues=[di.SlaDue(1, di.Measure.ACKNOWLEDGE, NOW)])
    assert quiet.late and quiet.scheduled_at == planned
    assert dt.summary_line(quiet, tz=SGT).startswith("Late digest — Nothing to report")
    assert (
        dt.summary_line(busy, tz=SGT)
        == "Late digest — 1 open (1 SEV1), 1 past SLA, 0 resolved since Tue 24 Nov 09:00 +08."
    )
    assert not dt.summary_line(compose(), tz=SGT).startswith("Late")


def test_response_times_are_ordered_by_severity_measure_and_day():
    def row(severity, measure, day):
        return di.ResponseTime(severity, day, measure, 1, H, H)

    digest = compose(
        response_times=[
            row("sev3", di.Measure.ACKNOWLEDGE, di.DayKind.WEEKDAY),
            row("sev1", di.Measure.RESOLVE, di.DayKind.HOLIDAY),
            row("sev1", di.Measure.ACKNOWLEDGE, di.DayKind.WEEKEND),
            row("sev1", di.Measure.ACKNOWLEDGE, di.DayKind.WEEKDAY),
        ]
    )
    assert [(r.severity_id, r.measure.value, r.day.value) for r in digest.response_times] == [
        ("sev1", "acknowledge", "weekday"),
        ("sev1", "acknowledge", "weekend"),
        ("sev1", "resolve", "holiday"),
        ("sev3", "acknowledge", "weekday"),
    ]


def test_on_call_now_and_next_for_each_layer():
    schedule = rota.Schedule(
        id="s",
        title="Ads policy",
        timezone=SGT,
        layers=(
            rota.Layer(
                "primary", (rota.Rotation("daily", ("U0A", "U0B"), timedelta(days=1), time(9), date(2026, 11, 1)),)
            ),
            rota.Layer("lead", (rota.Rotation("lead", ("U0L",), timedelta(days=7), time(9), date(2026, 11, 1)),)),
        ),
    )
    cover = rota.Override(1, "s", "primary", "U0C", None, NOW + H, NOW + 2 * H)
    digest = compose(schedules=[schedule], overrides={"s": [cover]})
    primary, lead = digest.on_call
    # 25 November is turn 24 from 1 November: U0A until 10:00, when the override starts
    assert (primary.layer, primary.users, primary.until, primary.next_users) == ("primary", ("U0A",), NOW + H, ("U0C",))
    assert (lead.users, lead.next_users) == (("U0L",), ())  # a one-person rota never changes hands


def test_day_kind_puts_holidays_before_weekends():
    holidays = frozenset({date(2026, 11, 21), date(2026, 11, 19)})
    assert di.day_kind(date(2026, 11, 19), holidays) is di.DayKind.HOLIDAY
    assert di.day_kind(date(2026, 11, 21), holidays) is di.DayKind.HOLIDAY  # a Saturday holiday
    assert di.day_kind(date(2026, 11, 22), holidays) is di.DayKind.WEEKEND
    assert di.day_kind(date(2026, 11, 20), holidays) is di.DayKind.WEEKDAY


def test_day_spans_follow_local_midnights_across_dst():
    london = ZoneInfo("Europe/London")
    start = datetime(2026, 3, 28, 12, 0, tzinfo=london)  # Saturday; clocks go forward early Sunday
    spans = di.day_spans(start, datetime(2026, 3, 30, 0, 30, tzinfo=london), london, frozenset())
    assert [(s.astimezone(london).isoformat(), kind.value) for s, _, kind in spans] == [
        ("2026-03-28T00:00:00+00:00", "weekend"),
        ("2026-03-29T00:00:00+00:00", "weekend"),
        ("2026-03-30T00:00:00+01:00", "weekday"),
    ]
    assert spans[1][1] - spans[1][0] == timedelta(hours=23)
    assert all(s.tzinfo is UTC for s, _, _ in spans)


def test_outcome_labels():
    assert dc.outcome_label("no_violation") == "No violation found"
    assert dc.outcome_label("later_invented") == "later_invented"
    assert dc.outcome_label(None) == "No outcome recorded"
