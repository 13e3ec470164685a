"""Load `oncall_schedules/*.yaml` into frozen Schedules; every mistake names its file, line and fix."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from bot.config.errors import ConfigProblem
from bot.config.holidays import holidays_for
from bot.config.schedule_schema import (
    DEFAULT_HINT,
    FULL_DAY_NAMES,
    RotationSpec,
    ScheduleSpec,
    WindowSpec,
    spec_problems,
)
from bot.config.yaml_source import Loc, YamlDocument, YamlSyntaxError, load_yaml
from bot.domain import rota

CHECK_WEEKS = 52  # reachability is checked over a year from the newest rotation's start (coverage: the horizon)


def _window(spec: WindowSpec) -> rota.Restriction:
    return rota.Restriction(spec.days, spec.start, spec.end, spec.holidays, tuple(spec.dates))


def _rotation_problems(doc: YamlDocument, loc: Loc, spec: RotationSpec) -> list[ConfigProblem]:
    weekday = spec.handoff.weekday
    if weekday is None:
        return []
    if spec.length % timedelta(days=7):
        hint = "use length: weekly (or 2w), or drop the weekday"
        return [doc.problem((*loc, "handoff", "weekday"), "a handoff weekday needs turns of whole weeks", hint)]
    if spec.start.weekday() != weekday:
        before = spec.start - timedelta(days=(spec.start.weekday() - weekday) % 7)
        message = (
            f"start {spec.start} is a {FULL_DAY_NAMES[spec.start.weekday()].title()} "
            f"but handoffs are on {FULL_DAY_NAMES[weekday].title()}"
        )
        return [doc.problem((*loc, "start"), message, f"start on {before} or {before + timedelta(days=7)}")]
    return []


def _layers(doc: YamlDocument, spec: ScheduleSpec, found: list[ConfigProblem]) -> tuple[rota.Layer, ...]:
    first_use: dict[str, int | None] = {}
    layers = []
    for layer_name, rotation_specs in spec.layers.items():
        rotations = []
        for index, item in enumerate(rotation_specs):
            loc: Loc = ("layers", layer_name, index)
            if item.rotation in first_use:
                message = f"rotation name {item.rotation!r} is used twice"
                hint = f"the first is at line {first_use[item.rotation]}; give each rotation its own name"
                found.append(doc.problem((*loc, "rotation"), message, hint))
            first_use.setdefault(item.rotation, doc.line_of((*loc, "rotation")))
            found.extend(_rotation_problems(doc, loc, item))
            windows = tuple(_window(w) for w in item.when)
            members = tuple(item.members)
            rotations.append(
                rota.Rotation(
                    item.rotation, members, item.length, item.handoff.clock, item.start, item.handoff.weekday, windows
                )
            )
        layers.append(rota.Layer(layer_name, tuple(rotations)))
    return tuple(layers)


def _coverage(doc: YamlDocument, spec: ScheduleSpec, found: list[ConfigProblem]) -> rota.Coverage:
    rules = []
    for layer_name, windows in spec.coverage.items():
        if layer_name not in spec.layers:
            hint = "layers in this file: " + ", ".join(spec.layers)
            found.append(doc.problem(("coverage", layer_name), f"coverage names no layer {layer_name!r}", hint))
        rules.append(rota.CoverageRule(layer_name, tuple(_window(w) for w in windows)))
    return rota.Coverage(tuple(rules))


def _check_rota(doc: YamlDocument, schedule: rota.Schedule) -> list[ConfigProblem]:
    """Rotations that never win and coverage gaps, over the rota's whole defined horizon (from the
    newest rotation's start to the last dated day: `dates`, holidays; at least a year)."""
    newest = max(r.first_day for layer in schedule.layers for r in layer.rotations)
    start_at, end_at = rota.defined_horizon(schedule)
    found = []
    where = {r.name: ("layers", layer.name, i) for layer in schedule.layers for i, r in enumerate(layer.rotations)}
    for name in rota.unreachable_rotations(schedule, start_at, start_at + timedelta(weeks=CHECK_WEEKS)):
        loc = where[name]
        message = f"rotation {name!r} is never on call: later rotations of {loc[1]!r} take all of its time"
        hint = "where rotations of a layer overlap the later one wins; narrow the later one's `when` or reorder"
        found.append(doc.problem((*loc, "rotation"), message, hint))
    gaps: dict[str, list[rota.Gap]] = {}
    for gap in rota.horizon_gaps(schedule):
        gaps.setdefault(gap.layer, []).append(gap)
    for layer_name, missing in gaps.items():
        first = missing[0]
        local = first.start_at.astimezone(schedule.timezone)
        more = f" and {len(missing) - 1} more gap(s)" if len(missing) > 1 else ""
        message = (
            f"nobody is on call for {layer_name!r} from {local:%a %Y-%m-%d %H:%M} "
            f"to {first.end_at.astimezone(schedule.timezone):%a %Y-%m-%d %H:%M}{more} "
            f"(checked from {newest} to {end_at.astimezone(schedule.timezone):%Y-%m-%d})"
        )
        hint = "add a rotation (or widen a `when`) for that time, or relax `coverage`"
        found.append(doc.problem(("coverage", layer_name), message, hint))
    return found


def build_schedule(
    doc: YamlDocument,
    problems: list[ConfigProblem],
    *,
    default_country: str,
    default_subdivision: str | None,
    warnings: list[ConfigProblem] | None = None,
) -> rota.Schedule | None:
    """Validate one schedule file; append its problems and return None if it has any."""
    try:
        spec = ScheduleSpec.model_validate(doc.data)
    except ValidationError as exc:
        problems.extend(spec_problems(doc, exc))
        return None
    found: list[ConfigProblem] = []
    if spec.id != doc.path.stem:
        hint = f"rename the file to {spec.id}.yaml or the id to {doc.path.stem!r}"
        found.append(doc.problem(("id",), f"id {spec.id!r} differs from the file name", hint))
    country = spec.holidays.country or default_country
    subdivision = spec.holidays.subdivision if spec.holidays.country else default_subdivision
    holidays = holidays_for(
        doc, country, subdivision, extra=spec.holidays.extra, exclude=spec.holidays.exclude, found=found
    )
    layers = _layers(doc, spec, found)
    coverage = _coverage(doc, spec, found)
    if found:
        problems.extend(found)
        return None
    business = rota.BusinessHours(spec.business_hours.days, spec.business_hours.start, spec.business_hours.end)
    schedule = rota.Schedule(
        id=spec.id,
        title=spec.title,
        timezone=ZoneInfo(spec.timezone),
        layers=layers,
        holidays=holidays,
        business_hours=business,
        channel_id=spec.channel,
        coverage=coverage,
    )
    found = _check_rota(doc, schedule)
    if warnings is not None:
        # Gaps and shadowed rotations are warnings for `serve` (it starts and says so) and failures
        # for `check-config`; without a warnings list they are problems, as in the schema tests.
        warnings.extend(found)
        return schedule
    problems.extend(found)
    return None if found else schedule


def _read(path: Path, problems: list[ConfigProblem]) -> YamlDocument | None:
    try:
        doc = load_yaml(path)
    except YamlSyntaxError as exc:
        hint = "check indentation and quoting on or just above this line; quote text containing ': ' or ' #'"
        problems.append(replace(exc.problem, hint=exc.problem.hint or hint))
        return None
    except ValueError as exc:  # PyYAML lets an impossible date such as 2026-13-01 through as ValueError
        problems.append(ConfigProblem(path, None, "", f"YAML: {exc}", "write dates as YYYY-MM-DD"))
        return None
    except OSError as exc:
        problems.append(ConfigProblem(path, None, "", f"cannot read: {exc.strerror}", "check the file's permissions"))
        return None
    if not isinstance(doc.data, dict):
        problems.append(ConfigProblem(path, 1, "", "expected a mapping of keys at the top level", DEFAULT_HINT))
        return None
    return doc


def load_schedules(
    folder: Path,
    problems: list[ConfigProblem],
    *,
    default_country: str = "SG",
    default_subdivision: str | None = None,
    warnings: list[ConfigProblem] | None = None,
) -> dict[str, rota.Schedule]:
    """Load every `*.yaml` schedule in `folder`; append problems and return the valid schedules by id."""
    schedules: dict[str, rota.Schedule] = {}
    for path in sorted(folder.glob("*.yaml")):
        doc = _read(path, problems)
        if doc is None:
            continue
        schedule = build_schedule(
            doc,
            problems,
            default_country=default_country,
            default_subdivision=default_subdivision,
            warnings=warnings,
        )
        if schedule is not None:
            schedules[schedule.id] = schedule
    return schedules


def load_placeholders(folder: Path) -> dict[str, tuple[str, ...]]:
    """Schedule id → the members listed under `placeholders:` that its rotations still use."""
    found: dict[str, tuple[str, ...]] = {}
    for path in sorted(folder.glob("*.yaml")):
        doc = _read(path, [])
        if doc is None:
            continue
        try:
            spec = ScheduleSpec.model_validate(doc.data)
        except ValidationError:
            continue
        used = {m for rotations in spec.layers.values() for r in rotations for m in r.members}
        waiting = tuple(dict.fromkeys(m for m in spec.placeholders if m in used))
        if waiting:
            found[spec.id] = waiting
    return found
