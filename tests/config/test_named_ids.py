"""The example ids check-config calls placeholders are exactly the ones the shipped files use."""

from __future__ import annotations

import re
from pathlib import Path

from bot.config.named_ids import EXAMPLE_CHANNELS, EXAMPLE_USERS, named_channels, named_people, placeholder_findings

ROOT = Path(__file__).resolve().parents[2]
SLACK_ID = re.compile(r"\b[UCW]0[A-Z0-9]+\b")


def test_every_id_in_the_shipped_files_is_a_known_example():
    shipped = set()
    for path in [ROOT / "app.yaml", *ROOT.glob("escalation_flows/*.yaml"), *ROOT.glob("oncall_schedules/*.yaml")]:
        shipped |= set(SLACK_ID.findall(path.read_text()))
    for path in ROOT.glob("policy_guides/*.md"):
        shipped |= set(SLACK_ID.findall(path.read_text()))
    assert shipped <= EXAMPLE_CHANNELS | EXAMPLE_USERS, shipped - (EXAMPLE_CHANNELS | EXAMPLE_USERS)


def test_the_shipped_configuration_is_all_placeholders(shipped_config):
    found = placeholder_findings(shipped_config)
    named = set(named_channels(shipped_config)) | set(named_people(shipped_config))
    assert len(found) == len(named)
