"""Load app.yaml and the folders it names into one validated Config, or raise with every problem found."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from bot.config import schema
from bot.config.app import build_app_config
from bot.config.contacts import load_contacts
from bot.config.errors import ConfigError, ConfigProblem
from bot.config.flows import build_flow
from bot.config.guides import load_guides
from bot.config.model import Config
from bot.config.policies import POLICIES_FILE, check_policy_targets, load_policies, people_also_in_layers
from bot.config.problems import parse_model, read_mapping
from bot.config.schedules import load_placeholders, load_schedules
from bot.config.yaml_source import load_yaml
from bot.domain.flow import Flow
from bot.domain.form_text import Catalog
from bot.domain.rota import Schedule

COMMON_FILE = "_common.yaml"


def load_config(path: Path, *, env: Mapping[str, str] | None = None, now: datetime | None = None) -> Config:
    """Load and check everything; raise ConfigError listing every problem found.

    `now` (default: the system clock) decides which policy guides are past their review date.
    """
    env = env if env is not None else {}
    now = now if now is not None else datetime.now(UTC)
    problems: list[ConfigProblem] = []
    path = path.resolve()
    doc = read_mapping(path, problems)
    app_spec = parse_model(doc, schema.AppSpec, problems) if doc else None
    if app_spec is None:
        raise ConfigError(problems)
    app = build_app_config(app_spec, path.parent, env)
    if not app.flows_dir.is_dir():
        raise ConfigError([doc.problem(("paths", "flows"), f"folder {app.flows_dir} does not exist")])  # type: ignore[union-attr]

    common_doc = read_mapping(app.flows_dir / COMMON_FILE, problems)
    common = parse_model(common_doc, schema.CommonSpec, problems) if common_doc else None
    policies = load_policies(app.flows_dir, problems)
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
    problems.extend(check_policy_targets(app.flows_dir / POLICIES_FILE, policies, schedules, app.schedules_dir))
    warnings.extend(people_also_in_layers(app.flows_dir / POLICIES_FILE, policies, schedules))
    flows: list[Flow] = []
    seen: dict[str, Path] = {}
    for flow_path in sorted(app.flows_dir.glob("*.yaml")):
        if flow_path.name.startswith("_"):
            continue
        flow_doc = read_mapping(flow_path, problems)
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
        doc = read_mapping(path, problems)
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
