from datetime import UTC, datetime, timedelta

from bot.domain.severity import Severity, SeverityRule, decide_severity

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SEVERITIES = tuple(
    Severity(f"sev{i + 1}", f"SEV{i + 1}", ":x:", i, timedelta(minutes=15 * (i + 1)), timedelta(hours=4 * (i + 1)))
    for i in range(4)
)
RULES = (
    SeverityRule(raise_to="sev2", deadline_within=timedelta(hours=24), reason="live within 24 h"),
    SeverityRule(raise_to="sev1", deadline_within=timedelta(hours=4), reason="live within 4 h"),
    SeverityRule(raise_to="sev1", field_id="category", values=frozenset({"malware"}), reason="malware"),
)


def decide(chosen=None, deadline=None, values=None):
    return decide_severity(
        severities=SEVERITIES,
        default_id="sev3",
        chosen_id=chosen,
        rules=RULES,
        deadline_at=deadline,
        values=values or {},
        now=NOW,
    )


def test_flow_default_applies_when_nothing_else_does():
    decision = decide()
    assert decision.severity.id == "sev3"
    assert decision.reasons == ("flow default",)


def test_deadline_within_a_day_raises_to_sev2():
    assert decide(deadline=NOW + timedelta(hours=23)).severity.id == "sev2"
    assert decide(deadline=NOW + timedelta(hours=25)).severity.id == "sev3"


def test_deadline_within_four_hours_raises_to_sev1_with_both_reasons():
    decision = decide(deadline=NOW + timedelta(hours=3))
    assert decision.severity.id == "sev1"
    assert decision.reasons[-2:] == ("live within 24 h", "live within 4 h")


def test_rules_never_lower_the_reporters_choice():
    assert decide(chosen="sev1", deadline=NOW + timedelta(days=5)).severity.id == "sev1"


def test_reporters_lower_choice_is_still_raised_by_a_rule():
    assert decide(chosen="sev4", deadline=NOW + timedelta(hours=10)).severity.id == "sev2"


def test_field_rule_matches_single_and_multi_values():
    assert decide(values={"category": "malware"}).severity.id == "sev1"
    assert decide(values={"category": ["adult", "malware"]}).severity.id == "sev1"
    assert decide(values={"category": "adult"}).severity.id == "sev3"


def test_unknown_choice_falls_back_to_default():
    assert decide(chosen="sev9").severity.id == "sev3"


def test_deadline_raises_are_planned_for_rules_that_will_hold_later_soonest_first():
    from datetime import UTC, datetime, timedelta

    from bot.domain.severity import Severity, SeverityRule, deadline_raises

    h = timedelta(hours=1)
    scale = (
        Severity("sev1", "SEV1", ":r:", 0, 15 * h / 60, 4 * h),
        Severity("sev2", "SEV2", ":o:", 1, h / 2, 8 * h),
        Severity("sev3", "SEV3", ":y:", 2, 4 * h, 48 * h),
    )
    rules = (
        SeverityRule(raise_to="sev2", deadline_within=24 * h, reason="within 24 h"),
        SeverityRule(raise_to="sev1", deadline_within=4 * h, reason="within 4 h"),
        SeverityRule(raise_to="sev1", field_id="kind", values=frozenset({"x"})),
    )
    now = datetime(2026, 12, 4, 11, tzinfo=UTC)
    deadline = now + 61 * h
    raises = deadline_raises(severities=scale, current_id="sev3", rules=rules, deadline_at=deadline, now=now)
    assert [(r.at, r.raise_to, r.reason) for r in raises] == [
        (deadline - 24 * h, "sev2", "within 24 h"),
        (deadline - 4 * h, "sev1", "within 4 h"),
    ]
    assert deadline_raises(severities=scale, current_id="sev1", rules=rules, deadline_at=deadline, now=now) == ()
    late = deadline - 10 * h  # the 24 h rule holds already (intake applied it): only the 4 h one is ahead
    assert [
        r.raise_to
        for r in deadline_raises(severities=scale, current_id="sev2", rules=rules, deadline_at=deadline, now=late)
    ] == ["sev1"]
