"""Every Slack id the configuration names (people and channels, with where), and which are placeholders."""

from __future__ import annotations

from bot.config.model import Config
from bot.domain.policy import TargetKind

# The ids the shipped example configuration uses (app.yaml, escalation_flows/, oncall_schedules/,
# policy_guides/). A deployment that still names one of them would page nobody or post nowhere, so
# `check-config` fails on them. tests/config/test_named_ids.py keeps this list complete.
EXAMPLE_CHANNELS = frozenset({"C0ESCALATE", "C0LEADS", "C0POLICY"})
EXAMPLE_USERS = frozenset(
    {"U0LEAD1", "U0LEAD2", "U0SPEC1", "U0SPEC2", "U0SPEC3"} | {f"U0POLICY{n}" for n in range(1, 10)}
)


def named_people(config: Config) -> dict[str, set[str]]:
    """Every Slack id or e-mail in schedules, policies, app.yaml and guide owners, with where it is named."""
    found: dict[str, set[str]] = {}
    for schedule in config.schedules.values():
        for layer in schedule.layers:
            for rotation in layer.rotations:
                for member in rotation.members:
                    found.setdefault(member, set()).add(f"{schedule.id}/{layer.name}/{rotation.name}")
    for policy in config.policies.values():
        for level in policy.levels:
            for target in level.targets:
                if target.kind is TargetKind.USER:
                    found.setdefault(target.ref, set()).add(f"policy {policy.id}")
    for lead in config.app.leads:
        found.setdefault(lead, set()).add("app.yaml leads")
    for guide in config.guides:
        if guide.owner:
            found.setdefault(guide.owner, set()).add(f"guide {guide.id} owner")
    return found


def named_channels(config: Config) -> dict[str, set[str]]:
    """Every channel id the bot posts to, with where it is named."""
    found: dict[str, set[str]] = {}

    def add(channel: str | None, where: str) -> None:
        if channel:
            found.setdefault(channel, set()).add(where)

    add(config.app.escalations_channel, "app.yaml channels.escalations")
    add(config.app.leads_channel, "app.yaml channels.leads")
    add(config.app.restricted_channel, "app.yaml channels.restricted")
    for flow in config.flows:
        add(flow.channel_id, f"flow {flow.id}")
    for schedule in config.schedules.values():
        add(schedule.channel_id, f"schedule {schedule.id}")
    for digest in config.app.digests:
        add(digest.channel_id, "app.yaml digests")
    for report in config.app.weekly_reports:
        add(report.channel_id, "app.yaml weekly_reports")
    return found


def placeholder_findings(config: Config) -> list[str]:
    """One line per example id still in place (the shipped ones, or a schedule's `placeholders:`)."""
    declared = {member for members in config.placeholders.values() for member in members}
    lines = []
    for channel, where in sorted(named_channels(config).items()):
        if channel in EXAMPLE_CHANNELS:
            lines.append(f"channel {channel} ({', '.join(sorted(where))}) is the example's placeholder")
    for person, where in sorted(named_people(config).items()):
        if person in EXAMPLE_USERS or person in declared:
            lines.append(f"user {person} ({', '.join(sorted(where))}) is a placeholder")
    return lines
