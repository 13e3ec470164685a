"""Load app.yaml and the flow folder into validated, frozen objects, or list every problem."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from bot.config import schema
from bot.config.contacts import load_contacts
from bot.config.errors import ConfigError, ConfigProblem
from bot.config.flows import build_flow, build_policy
from bot.config.guides import load_guides
from bot.config.schedules import load_placeholders, load_schedules
from bot.config.yaml_source import Loc, YamlDocument, YamlSyntaxError, load_yaml
from bot.domain.contact import ContactBook
from bot.domain.digest_schedule import DAYS, WEEKDAY, DigestSchedule
from bot.domain.flow import Flow
from bot.domain.form_text import Catalog
from bot.domain.guide import Guide
from bot.domain.policy import Policy, TargetKind
from bot.domain.rota import Schedule

COMMON_FILE = "_common.yaml"
POLICIES_FILE = "_policies.yaml"
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class AppConfig:
    """The deployment's own settings from app.yaml."""

    team: str
    timezone: ZoneInfo
    case_prefix: str
    store_url: str
    slash_command: str
    oncall_command: str
    flows_dir: Path
    schedules_dir: Path
    escalations_channel: str
    leads_channel: str
    restricted_channel: str | None
    leads: tuple[str, ...]
    staff_usergroups: tuple[str, ...]
    holiday_country: str
    holiday_subdivision: str | None
    tick_seconds: float
    max_attempts: int
    lease: timedelta
    retry_base: timedelta
    digests: tuple[DigestSchedule, ...] = ()
    weekly_reports: tuple[DigestSchedule, ...] = ()
    rota_checks: tuple[DigestSchedule, ...] = ()  # the weekly rota check (gaps, placeholders)
    rota_check_weeks: int = 8
    public_url: str | None = None  # the bot's public base URL (calendar feed links)
    guides_dir: Path | None = None
    policy_command: str = "/ad-policy"
    guide_drafts_dir: Path | None = None
    # Every Slack send's own deadline: past it the job comes back later and reads history first.
    send_deadline: timedelta = timedelta(seconds=10)


@dataclass(frozen=True, slots=True)
class Config:
    """Everything the bot reads from the repository, validated."""

    app: AppConfig
    flows: tuple[Flow, ...]
    policies: Mapping[str, Policy]
    source: Path
    schedules: Mapping[str, Schedule] = field(default_factory=dict)
    warnings: tuple[ConfigProblem, ...] = ()
    placeholders: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    guides: tuple[Guide, ...] = ()
    contacts: ContactBook = field(default_factory=ContactBook)
    # The intake form's message catalogues by locale (escalation_flows/translations/<locale>.yaml).
    form_catalogs: Mapping[str, Catalog] = field(default_factory=dict)

    def flow(self, flow_id: str) -> Flow:
        for flow in self.flows:
            if flow.id == flow_id:
                return flow
        raise KeyError(flow_id)

    def find_flow(self, word: str) -> Flow | None:
        """The flow whose id or alias is `word` (case-insensitive), if any."""
        key = word.strip().lower().replace("-", "_")
        for flow in self.flows:
            names = {flow.id, *flow.aliases}
            if key in {n.replace("-", "_") for n in names}:
                return flow
        return None


def _known_keys() -> list[str]:
    keys: set[str] = set()
    for value in vars(schema).values():
        if isinstance(value, type) and issubclass(value, BaseModel):
            keys.update(value.model_fields)
    return sorted(keys)


def pydantic_problems(doc: YamlDocument, exc: ValidationError, prefix: Loc = ()) -> list[ConfigProblem]:
    """Turn pydantic's errors into file:line problems with a hint."""
    problems = []
    for err in exc.errors():
        loc: Loc = (*prefix, *(p for p in err["loc"] if isinstance(p, str | int)))
        kind, hint = err["type"], ""
        message = str(err["msg"]).removeprefix("Value error, ")
        if kind == "extra_forbidden":
            message = f"unknown key {loc[-1]!r}"
            close = difflib.get_close_matches(str(loc[-1]), _known_keys(), n=1)
            hint = f"did you mean {close[0]!r}?" if close else "remove it; see the configuration reference"
        elif kind == "missing":
            message = f"missing required key {loc[-1]!r}"
        elif kind == "string_pattern_mismatch" and "[UW]" in str(err.get("ctx", {}).get("pattern", "")):
            hint = "use a Slack user id such as U012ABCDEF"
        elif kind == "string_pattern_mismatch" and "[CGD]" in str(err.get("ctx", {}).get("pattern", "")):
            hint = "use a Slack channel id such as C012ABCDEF (channel details → About)"
        problems.append(doc.problem(loc, message, hint))
    # A misspelt key shows up twice (unknown 'teem', missing 'team'): keep the one with the hint.
    suggested = {p.where.rpartition(".")[0] + "." + p.hint.split("'")[1] for p in problems if "did you mean" in p.hint}
    return [p for p in problems if not (p.message.startswith("missing required key") and _dotted(p) in suggested)]


def _dotted(problem: ConfigProblem) -> str:
    parent, _, key = problem.where.rpartition(".")
    return f"{parent}.{key}"


def parse_model(doc: YamlDocument, model: type[M], problems: list[ConfigProblem], prefix: Loc = ()) -> M | None:
    """Validate `doc.data` (or a part of it) into `model`, recording problems."""
    data: Any = doc.data
    for part in prefix:
        data = data[part]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems.extend(pydantic_problems(doc, exc, prefix))
        return None


def _read(path: Path, problems: list[ConfigProblem]) -> YamlDocument | None:
    try:
        doc = load_yaml(path)
    except YamlSyntaxError as exc:
        problems.append(exc.problem)
        return None
    except OSError as exc:
        problems.append(ConfigProblem(path, None, "", f"cannot read: {exc.strerror}"))
        return None
    if not isinstance(doc.data, dict):
        problems.append(ConfigProblem(path, 1, "", "expected a mapping of keys at the top level"))
        return None
    return doc


def _store_url(url: str, base: Path) -> str:
    """Relative SQLite paths are relative to app.yaml, not to wherever the bot was started."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        return prefix + str((base / url.removeprefix(prefix)).resolve())
    return url


def _app_config(spec: schema.AppSpec, base: Path, env: Mapping[str, str]) -> AppConfig:
    return AppConfig(
        team=spec.team,
        timezone=ZoneInfo(spec.timezone),
        case_prefix=spec.case_prefix,
        store_url=_store_url(env.get("DATABASE_URL") or spec.store_url, base),
        slash_command=spec.slash_command,
        oncall_command=spec.oncall_command,
        flows_dir=(base / spec.paths.flows).resolve(),
        schedules_dir=(base / spec.paths.schedules).resolve(),
        guides_dir=(base / spec.paths.guides).resolve(),
        policy_command=spec.policy_command,
        guide_drafts_dir=(base / spec.paths.guide_drafts).resolve(),
        escalations_channel=spec.channels.escalations,
        leads_channel=spec.channels.leads,
        restricted_channel=spec.channels.restricted,
        leads=tuple(spec.leads),
        staff_usergroups=tuple(spec.staff_usergroups),
        holiday_country=spec.holidays.country,
        holiday_subdivision=spec.holidays.subdivision,
        tick_seconds=spec.jobs.tick_seconds,
        max_attempts=spec.jobs.max_attempts,
        lease=spec.jobs.lease,
        retry_base=spec.jobs.retry_base,
        send_deadline=spec.jobs.send_deadline,
        digests=tuple(
            DigestSchedule(
                channel_id=d.channel,
                at=time.fromisoformat(d.at),
                days=DAYS[d.days],
                timezone=ZoneInfo(spec.timezone),
            )
            for d in spec.digests
        ),
        weekly_reports=tuple(
            DigestSchedule(
                channel_id=w.channel,
                at=time.fromisoformat(w.at),
                days=frozenset({WEEKDAY[w.day]}),
                timezone=ZoneInfo(spec.timezone),
                kind="weekly",
            )
            for w in spec.weekly_reports
        ),
        rota_checks=tuple(
            DigestSchedule(
                channel_id=r.channel or spec.channels.leads,
                at=time.fromisoformat(r.at),
                days=frozenset({WEEKDAY[r.day]}),
                timezone=ZoneInfo(spec.timezone),
                kind="rota_check",
            )
            for r in ([spec.rota_check] if spec.rota_check else [])
        ),
        rota_check_weeks=spec.rota_check.weeks if spec.rota_check else 8,
        public_url=spec.public_url,
    )


def _load_policies(folder: Path, problems: list[ConfigProblem]) -> dict[str, Policy]:
    path = folder / POLICIES_FILE
    if not path.exists():
        problems.append(ConfigProblem(path, None, "", "missing", "every flow names a policy from this file"))
        return {}
    doc = _read(path, problems)
    spec = parse_model(doc, schema.PoliciesSpec, problems) if doc else None
    if spec is None:
        return {}
    return {name: build_policy(name, p) for name, p in spec.policies.items()}


def load_config(path: Path, *, env: Mapping[str, str] | None = None, now: datetime | None = None) -> Config:
    """Load and check everything; raise ConfigError listing every problem found.

    `now` (default: the system clock) decides which policy guides are past their review date.
    """
    env = env if env is not None else {}
    now = now if now is not None else datetime.now(UTC)
    problems: list[ConfigProblem] = []
    path = path.resolve()
    doc = _read(path, problems)
    app_spec = parse_model(doc, schema.AppSpec, problems) if doc else None
    if app_spec is None:
        raise ConfigError(problems)
    app = _app_config(app_spec, path.parent, env)
    if not app.flows_dir.is_dir():
        raise ConfigError([doc.problem(("paths", "flows"), f"folder {app.flows_dir} does not exist")])  # type: ignore[union-attr]

    common_doc = _read(app.flows_dir / COMMON_FILE, problems)
    common = parse_model(common_doc, schema.CommonSpec, problems) if common_doc else None
    policies = _load_policies(app.flows_dir, problems)
    schedules: dict[str, Schedule] = {}
    warnings: list[ConfigProblem] = []
    placeholders: dict[str, tuple[str, ...]] = {}
    if app.schedules_dir.is_dir():
        schedules = load_schedules(
            app.schedules_dir,
            problems,
            default_country=app.holiday_country,
            default_subdivision=app.holiday_subdivision,
            warnings=warnings,
        )
        placeholders = load_placeholders(app.schedules_dir)
    else:
        problems.append(doc.problem(("paths", "schedules"), f"folder {app.schedules_dir} does not exist"))  # type: ignore[union-attr]
    problems.extend(_check_policy_targets(app.flows_dir / POLICIES_FILE, policies, schedules, app.schedules_dir))
    warnings.extend(_people_also_in_layers(app.flows_dir / POLICIES_FILE, policies, schedules))
    flows: list[Flow] = []
    seen: dict[str, Path] = {}
    for flow_path in sorted(app.flows_dir.glob("*.yaml")):
        if flow_path.name.startswith("_"):
            continue
        flow_doc = _read(flow_path, problems)
        if flow_doc is None or common is None or common_doc is None:
            continue
        flow = build_flow(flow_doc, common, app, policies, problems)
        if flow is None:
            continue
        names = [("id",), *(("aliases", i) for i in range(len(flow.aliases)))]
        for loc, name in zip(names, (flow.id, *flow.aliases), strict=True):
            if name in seen:
                problems.append(flow_doc.problem(loc, f"flow id or alias {name!r} is also used in {seen[name].name}"))
            seen[name] = flow_path
        flows.append(flow)
    known_flows = {f.id for f in flows}
    for flow in flows:
        for i, other in enumerate(flow.duplicates_of):
            # A flow file that failed to load has reported its own problem already.
            if other not in known_flows and not (app.flows_dir / f"{other}.yaml").exists():
                problems.append(
                    load_yaml(app.flows_dir / f"{flow.id}.yaml").problem(
                        ("duplicates_of", i), f"unknown flow {other!r}", "flows: " + ", ".join(sorted(known_flows))
                    )
                )
    for flow in flows:
        if flow.sla_schedule is not None and flow.sla_schedule not in schedules:
            path = app.flows_dir / f"{flow.id}.yaml"
            problems.append(
                load_yaml(path).problem(
                    ("sla", "schedule"),
                    f"unknown schedule {flow.sla_schedule!r}",
                    "schedules: " + (", ".join(sorted(schedules)) or "none"),
                )
            )
    guides = load_guides(
        app.guides_dir or path.parent / "policy_guides",
        flow_ids={p.stem for p in app.flows_dir.glob("*.yaml") if not p.name.startswith("_")},
        today=now.astimezone(app.timezone).date(),
        problems=problems,
        warnings=warnings,
    )
    contacts = load_contacts(path.parent, problems, severity_ids={s.id for f in flows for s in f.severities})
    catalogs = _load_catalogs(app.flows_dir / TRANSLATIONS_DIR, problems)
    if not flows and not problems:
        problems.append(ConfigProblem(app.flows_dir, None, "", "no flows found", "add a <flow>.yaml file"))
    if len(flows) > 100:
        problems.append(ConfigProblem(app.flows_dir, None, "", "more than 100 flows cannot fit one menu"))
    if problems:
        raise ConfigError(problems)
    return Config(
        app=app,
        flows=tuple(flows),
        policies=policies,
        source=path,
        schedules=schedules,
        warnings=tuple(warnings),
        placeholders=placeholders,
        guides=guides,
        contacts=contacts,
        form_catalogs=catalogs,
    )


TRANSLATIONS_DIR = "translations"
_LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def _load_catalogs(folder: Path, problems: list[ConfigProblem]) -> dict[str, Catalog]:
    """`<locale>.yaml` files mapping each English string of the form to its translation."""
    catalogs: dict[str, Catalog] = {}
    if not folder.is_dir():
        return catalogs
    for path in sorted(folder.glob("*.yaml")):
        if not _LOCALE.match(path.stem):
            problems.append(ConfigProblem(path, None, "", "name a catalogue after its Slack locale", "e.g. ja-JP.yaml"))
            continue
        doc = _read(path, problems)
        if doc is None:
            continue
        strings: dict[str, str] = {}
        for english, translated in doc.data.items():
            if not isinstance(english, str) or not isinstance(translated, str) or not translated.strip():
                problems.append(doc.problem((str(english),), "expected the English text: its translation"))
                continue
            strings[english] = translated
        catalogs[path.stem] = Catalog(path.stem, strings)
    return catalogs


def _check_policy_targets(
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


def _people_also_in_layers(
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
