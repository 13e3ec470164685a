"""Turn one flow file (with the shared `_common.yaml`) into a frozen domain Flow."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from bot.config import schema
from bot.config.errors import ConfigProblem
from bot.config.model import AppConfig
from bot.config.problems import pydantic_problems
from bot.config.yaml_source import YamlDocument
from bot.domain.flow import FieldKind, FieldRole, Flow, GuidanceLink, IntakeField, Option
from bot.domain.policy import PageTiming, Policy, PolicyLevel, Target, TargetKind
from bot.domain.severity import Severity, SeverityRule


def _expand_uses(doc: YamlDocument, common: schema.CommonSpec, problems: list[ConfigProblem]) -> bool:
    """Replace `- use: advertiser` items with the shared field, overridden by the item's own keys."""
    fields = doc.data.get("fields")
    if not isinstance(fields, list):
        return True
    ok = True
    for index, item in enumerate(fields):
        if isinstance(item, dict) and "use" in item:
            name = item["use"]
            base = common.fields.get(str(name))
            if base is None:
                known = ", ".join(sorted(common.fields)) or "none"
                problems.append(doc.problem(("fields", index, "use"), f"no shared field {name!r}", f"shared: {known}"))
                ok = False
                continue
            merged: dict[str, Any] = {"id": name, **base}
            merged.update({k: v for k, v in item.items() if k != "use"})
            fields[index] = merged
    return ok


def _field(spec: schema.FieldSpec) -> IntakeField:
    role = FieldRole.SEVERITY if spec.kind is FieldKind.SEVERITY else spec.role
    return IntakeField(
        id=spec.id,
        kind=spec.kind,
        label=spec.label,
        required=spec.required,
        role=role,
        placeholder=spec.placeholder,
        hint=spec.hint,
        min_length=spec.min_length,
        max_length=spec.max_length,
        options=tuple(Option(o.value, o.label) for o in spec.options),
        allowed_hosts=tuple(h.lower() for h in spec.allowed_hosts),
        prefill_from_text=spec.prefill_from_text,
    )


def _severities(specs: list[schema.SeveritySpec]) -> tuple[Severity, ...]:
    return tuple(
        Severity(s.id, s.label, s.emoji, rank, s.acknowledge_within, s.resolve_within) for rank, s in enumerate(specs)
    )


def _sla_clocks(
    named: str | Mapping[str, str] | None, severity_ids: list[str], policy: Policy | None
) -> tuple[tuple[str, str], ...]:
    """Per severity: the clock named in the flow, else the policy's timing (a severity paged at any
    hour counts every hour; one held for business hours counts business hours)."""
    if isinstance(named, str):
        return ()
    chosen = dict(named or {})
    ids = severity_ids + [s for s in chosen if s not in severity_ids]  # unknown ones are reported
    return tuple((s, chosen.get(s) or _by_timing(policy, s)) for s in ids)


def _by_timing(policy: Policy | None, severity_id: str) -> str:
    if policy is not None and policy.timing_for(severity_id) is PageTiming.BUSINESS_HOURS:
        return "business_hours"
    return "wall"


def _check_flow(doc: YamlDocument, flow: Flow, policies: dict[str, Policy]) -> list[ConfigProblem]:
    problems = []
    ids = [f.id for f in flow.fields]
    for index, field_id in enumerate(ids):
        if field_id in ids[:index]:
            problems.append(doc.problem(("fields", index, "id"), f"field id {field_id!r} is used twice"))
    roles = [f.role for f in flow.fields if f.role]
    for index, field in enumerate(flow.fields):
        if field.role and roles.count(field.role) > 1 and roles.index(field.role) != index:
            problems.append(doc.problem(("fields", index, "role"), f"only one field may have role {field.role}"))
        if field.role is FieldRole.DEADLINE and field.kind is not FieldKind.DATETIME:
            problems.append(doc.problem(("fields", index, "kind"), "the deadline field must be a datetime"))
    severity_ids = [s.id for s in flow.severities]
    if flow.default_severity not in severity_ids:
        problems.append(
            doc.problem(
                ("severity", "default"),
                f"unknown severity {flow.default_severity!r}",
                "one of " + ", ".join(severity_ids),
            )
        )
    for index, rule in enumerate(flow.severity_rules):
        loc = ("severity", "rules", index)
        if rule.raise_to not in severity_ids:
            problems.append(
                doc.problem(
                    (*loc, "raise_to"), f"unknown severity {rule.raise_to!r}", "one of " + ", ".join(severity_ids)
                )
            )
        if rule.field_id is not None and rule.field_id not in ids:
            problems.append(doc.problem((*loc, "when", "field"), f"no field {rule.field_id!r} in this flow"))
        if rule.deadline_within is not None and flow.field_for(FieldRole.DEADLINE) is None:
            problems.append(doc.problem((*loc, "when"), "deadline rule but the flow has no deadline field"))
    for severity_id, _clock in flow.sla_clocks:
        if severity_id not in severity_ids:
            problems.append(
                doc.problem(("sla", "clock", severity_id), f"unknown severity {severity_id!r}", ", ".join(severity_ids))
            )
    if flow.policy not in policies and policies:
        problems.append(
            doc.problem(
                ("policy",),
                f"unknown policy {flow.policy!r}",
                "defined in _policies.yaml: " + ", ".join(sorted(policies)),
            )
        )
    return problems


def build_flow(
    doc: YamlDocument,
    common: schema.CommonSpec,
    app: AppConfig,
    policies: dict[str, Policy],
    problems: list[ConfigProblem],
) -> Flow | None:
    """Validate one flow file; append its problems and return None if it has any."""
    if not _expand_uses(doc, common, problems):
        return None
    try:
        spec = schema.FlowSpec.model_validate(doc.data)
    except ValidationError as exc:
        problems.extend(pydantic_problems(doc, exc))
        return None
    if spec.id != doc.path.stem:
        problems.append(
            doc.problem(
                ("id",),
                f"id {spec.id!r} differs from the file name",
                f"rename the file to {spec.id}.yaml or the id to {doc.path.stem!r}",
            )
        )
        return None
    flow = Flow(
        id=spec.id,
        title=spec.title,
        description=spec.description,
        channel_id=spec.channel or app.escalations_channel,
        policy=spec.policy,
        fields=tuple(_field(f) for f in spec.fields),
        severities=_severities(spec.severities or common.severities),
        default_severity=spec.severity.default,
        severity_rules=tuple(
            SeverityRule(
                raise_to=r.raise_to,
                deadline_within=r.when.deadline_within,
                field_id=r.when.field,
                values=frozenset(r.when.values),
                reason=r.reason,
            )
            for r in spec.severity.rules
        ),
        guidance=tuple(GuidanceLink(g.title, g.url) for g in spec.guidance),
        aliases=tuple(spec.aliases),
        duplicates_of=tuple(spec.duplicates_of),
        sensitive=spec.sensitive,
        sla_clock=spec.sla.clock if isinstance(spec.sla.clock, str) else "wall",
        sla_clocks=_sla_clocks(
            spec.sla.clock, [s.id for s in spec.severities or common.severities], policies.get(spec.policy)
        ),
        sla_skip_holidays=spec.sla.skip_holidays,
        sla_schedule=spec.sla.schedule,
    )
    found = _check_flow(doc, flow, policies)
    problems.extend(found)
    return None if found else flow


def build_policy(name: str, spec: schema.PolicySpec) -> Policy:
    """A frozen Policy from its YAML spec."""

    def target(t: schema.TargetSpec) -> Target:
        if t.schedule:
            return Target(TargetKind.SCHEDULE, t.schedule, t.layer)
        if t.user:
            return Target(TargetKind.USER, t.user)
        return Target(TargetKind.USERGROUP, str(t.usergroup))

    return Policy(
        id=name,
        description=spec.description,
        levels=tuple(PolicyLevel(tuple(target(t) for t in lv.targets), lv.wait, lv.repage_after) for lv in spec.levels),
        repeat=spec.repeat,
        timing=tuple((sev, PageTiming(t)) for sev, t in spec.timing.items()),
        deadline_margin=spec.deadline_margin,
    )
