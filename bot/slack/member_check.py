"""`check-config --slack`: every person named in the configuration exists in the workspace."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config.loader import Config
from bot.domain import rota
from bot.domain.policy import TargetKind


def named_people(config: Config) -> dict[str, set[str]]:
    """Every Slack id or e-mail in schedules, policies and app.yaml, with where it is named."""
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
    return found


def unresolved_people(config: Config, client: WebClient) -> list[str]:
    """One line per person Slack does not know (or who is deactivated)."""
    problems = []
    for person, where in sorted(named_people(config).items()):
        try:
            if rota.is_email(person):
                user = client.users_lookupByEmail(email=person)["user"]
            else:
                user = client.users_info(user=person)["user"]
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else str(exc)
            problems.append(f"{person} ({', '.join(sorted(where))}): Slack says {error}")
            continue
        if user.get("deleted"):
            problems.append(f"{person} ({', '.join(sorted(where))}): deactivated in Slack")
    return problems
