from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.intake import IntakeInvalid, clean_text, match_key, validate_intake

NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


def valid_values(**overrides):
    values = {
        "advertiser": "Acme Foods",
        "campaign": "Spring launch",
        "market": "SG",
        "deadline": NOW + timedelta(days=3),
        "severity": None,
        "question": "Can this alcohol creative run before 10 pm in Singapore?",
        "ad_formats": ["video"],
        "salesforce_url": "https://acme.my.salesforce.com/0065g00000AbCdE",
        "creative_url": "https://cdn.example.com/creative.mp4",
    }
    values.update(overrides)
    return values


def test_valid_submission_becomes_an_intake(shipped_config):
    flow = shipped_config.flow("prelaunch_review")
    intake = validate_intake(flow, valid_values(), reporter_id="U0REP1", now=NOW)
    assert intake.advertiser == "Acme Foods"
    assert intake.market == "SG"
    assert intake.severity.id == "sev3"
    assert intake.values["ad_formats"] == ["video"]


def test_deadline_within_24_hours_raises_severity(shipped_config):
    flow = shipped_config.flow("prelaunch_review")
    intake = validate_intake(flow, valid_values(deadline=NOW + timedelta(hours=20)), reporter_id="U1", now=NOW)
    assert intake.severity.id == "sev2"
    assert "campaign goes live within 24 h" in intake.severity_reasons


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("advertiser", "   ", "Advertiser is required"),
        ("deadline", NOW - timedelta(minutes=1), "The deadline is in the past"),
        ("creative_url", "not a link", "Enter a full link"),
        ("creative_url", "javascript:alert(1)", "Enter a full link"),
        ("salesforce_url", "https://evil.example.com/006", "Use a link on salesforce.com or force.com"),
        ("advertiser", "A" * 121, "Keep it under 120 characters"),
        ("market", "XX", "Pick one of the options"),
        ("question", "short", "Write at least 10 characters"),
        ("ad_formats", ["video", "hologram"], "Pick from the options"),
        ("severity", "sev9", "Pick one of the severities"),
    ],
)
def test_each_bad_field_gets_its_own_message(shipped_config, field, value, message):
    flow = shipped_config.flow("prelaunch_review")
    with pytest.raises(IntakeInvalid) as caught:
        validate_intake(flow, valid_values(**{field: value}), reporter_id="U1", now=NOW)
    assert list(caught.value.errors) == [field]
    assert caught.value.errors[field].startswith(message)


def test_several_bad_fields_are_reported_together(shipped_config):
    flow = shipped_config.flow("prelaunch_review")
    with pytest.raises(IntakeInvalid) as caught:
        validate_intake(flow, valid_values(advertiser="", creative_url="nope"), reporter_id="U1", now=NOW)
    assert set(caught.value.errors) == {"advertiser", "creative_url"}


def test_sensitive_checkbox_marks_the_case(shipped_config):
    flow = shipped_config.flow("live_violation")
    values = {
        "advertiser": "Acme",
        "campaign": "C",
        "market": "MY",
        "violation_type": "misleading",
        "question": "Ad claims a cure for diabetes",
        "creative_url": "https://x.example/ad",
        "sensitive": True,
    }
    intake = validate_intake(flow, values, reporter_id="U1", now=NOW)
    assert intake.sensitive is True


def test_flow_level_sensitive_marks_every_case(shipped_config):
    flow = shipped_config.flow("pr_risk")
    values = {
        "advertiser": "Acme",
        "campaign": "C",
        "market": "SG",
        "audience": "press",
        "question": "A journalist asks why the ad ran",
    }
    intake = validate_intake(flow, values, reporter_id="U1", now=NOW)
    assert intake.sensitive is True
    assert intake.severity.id == "sev1"


def test_clean_text_drops_control_characters_and_normalises():
    assert clean_text("  Cafe\u0301\x00\x07 ") == "Café"


def test_match_key_ignores_case_spacing_and_punctuation():
    assert match_key("  ACME   Foods, Inc. ") == match_key("acme foods inc")
    assert match_key("Spring-Launch 2026") == "spring launch 2026"
