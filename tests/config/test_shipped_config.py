"""The configuration in this repository loads, so a broken flow fails CI rather than an intake."""

from zoneinfo import ZoneInfo

from bot.domain.flow import FieldKind, FieldRole

REQUIRED_FLOWS = {"prelaunch_review", "live_violation", "pr_risk", "restricted_category", "advertiser_appeal"}


def test_every_required_flow_ships(shipped_config):
    assert {f.id for f in shipped_config.flows} >= REQUIRED_FLOWS
    assert shipped_config.app.timezone == ZoneInfo("Asia/Singapore")


def test_every_flow_names_a_known_policy_and_has_guidance(shipped_config):
    for flow in shipped_config.flows:
        assert flow.policy in shipped_config.policies
        assert flow.guidance, flow.id
        assert flow.channel_id.startswith("C")


def test_every_flow_asks_for_advertiser_campaign_market_and_the_question(shipped_config):
    for flow in shipped_config.flows:
        roles = {f.role for f in flow.fields}
        assert {FieldRole.ADVERTISER, FieldRole.CAMPAIGN, FieldRole.MARKET, FieldRole.SUMMARY} <= roles, flow.id
        assert any(f.kind is FieldKind.SEVERITY for f in flow.fields), flow.id


def test_prelaunch_review_requires_a_deadline_and_raises_near_deadlines(shipped_config):
    flow = shipped_config.flow("prelaunch_review")
    deadline = flow.field_for(FieldRole.DEADLINE)
    assert deadline is not None and deadline.required
    assert [r.raise_to for r in flow.severity_rules if r.deadline_within] == ["sev2", "sev1"]


def test_severities_are_ordered_most_severe_first_with_tighter_slas(shipped_config):
    for flow in shipped_config.flows:
        acks = [s.acknowledge_within for s in flow.severities]
        assert acks == sorted(acks), flow.id


def test_aliases_find_flows(shipped_config):
    assert shipped_config.find_flow("appeal").id == "advertiser_appeal"
    assert shipped_config.find_flow("brand-safety").id == "live_violation"
    assert shipped_config.find_flow("nonsense") is None


def test_shipped_policies_page_the_duty_lead_layer_not_a_named_lead(shipped_config):
    from bot.domain.policy import Target, TargetKind

    lead = Target(TargetKind.SCHEDULE, "ads-policy-oncall", "lead")
    for policy in shipped_config.policies.values():
        targets = [t for level in policy.levels for t in level.targets]
        assert lead in targets, policy.id
        assert not [t for t in targets if t.kind is TargetKind.USER], policy.id
    assert not [w for w in shipped_config.warnings if "also in layer" in str(w)]
