"""The escalation policies (`_policies.yaml`) and their checks against the on-call schedules."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from bot.config import schema
from bot.config.errors import ConfigProblem
from bot.config.flows import build_policy
from bot.config.problems import parse_model, read_mapping
from bot.config.yaml_source import load_yaml
from bot.domain.policy import Policy, TargetKind
from bot.domain.rota import Schedule

POLICIES_FILE = "_policies.yaml"


def load_policies(folder: Path, problems: list[ConfigProblem]) -> dict[str, Policy]:
    """The policies of `folder`/_policies.yaml by name; its problems go to `problems`."""
    path = folder / POLICIES_FILE
    if not path.exists():
        problems.append(ConfigProblem(path, None, "", "missing", "every flow names a policy from this file"))
        return {}
    doc = read_mapping(path, problems)
    spec = parse_model(doc, schema.PoliciesSpec, problems) if doc else None
    if spec is None:
        return {}
    return {name: build_policy(name, p) for name, p in spec.policies.items()}


def check_policy_targets(
    path: Path, policies: Mapping[str, Policy], schedules: Mapping[str, Schedule], schedules_dir: Path
) -> list[ConfigProblem]:
    """Every schedule target names a schedule and one of its layers (a schedule file that failed to
    load has reported its own problem already)."""
    if not policies:
        return []
    doc = load_yaml(path)
    found = []
    for name, policy in policies.items():
        for i, level in enumerate(policy.levels):
            for j, target in enumerate(level.targets):
                loc = ("policies", name, "levels", i, "targets", j)
                if target.kind is not TargetKind.SCHEDULE:
                    continue
                schedule = schedules.get(target.ref)
                if schedule is None and (schedules_dir / f"{target.ref}.yaml").exists():
                    continue
                if schedule is None:
                    known = ", ".join(sorted(schedules)) or "none"
                    found.append(
                        doc.problem((*loc, "schedule"), f"unknown schedule {target.ref!r}", f"schedules: {known}")
                    )
                elif target.layer not in {layer.name for layer in schedule.layers}:
                    layers = ", ".join(layer.name for layer in schedule.layers)
                    found.append(
                        doc.problem(
                            (*loc, "layer"),
                            f"schedule {target.ref!r} has no layer {target.layer!r}",
                            f"layers: {layers}",
                        )
                    )
    return found


def people_also_in_layers(
    path: Path, policies: Mapping[str, Policy], schedules: Mapping[str, Schedule]
) -> list[ConfigProblem]:
    """A step that names a person who is also in a layer of a schedule the policy pages bypasses the
    rota: that person is paged every week, whoever is on duty (a warning, not an error)."""
    if not policies or not schedules:
        return []
    doc = load_yaml(path)
    found = []
    for name, policy in policies.items():
        named = {t.ref for level in policy.levels for t in level.targets if t.kind is TargetKind.SCHEDULE}
        for i, level in enumerate(policy.levels):
            for j, target in enumerate(level.targets):
                if target.kind is not TargetKind.USER:
                    continue
                for schedule_id in sorted(named):
                    schedule = schedules.get(schedule_id)
                    layers = [
                        layer.name
                        for layer in (schedule.layers if schedule else ())
                        if any(target.ref in r.members for r in layer.rotations)
                    ]
                    if layers:
                        found.append(
                            doc.problem(
                                ("policies", name, "levels", i, "targets", j, "user"),
                                f"{target.ref} is also in layer {layers[0]!r} of schedule {schedule_id!r}: "
                                "they are paged every time, whoever the rota puts on duty",
                                f"page the layer instead: {{schedule: {schedule_id}, layer: {layers[0]}}}",
                            )
                        )
    return found
