"""Load `oncall_schedules/*.yaml` into frozen Schedules; every mistake names its file, line and fix."""

from __future__ import annotations

import difflib
import re
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holiday_tables
from pydantic import BaseModel, BeforeValidator, Field, ValidationError, field_validator

from bot.config.durations import parse_duration
from bot.config.errors import ConfigProblem
from bot.config.schema import SlackChannelId, Strict
from bot.config.yaml_source import Loc, YamlDocument, YamlSyntaxError, load_yaml
from bot.domain import rota

HOLIDAY_YEARS = range(2020, 2046)
CHECK_WEEKS = 52  # reachability is checked over a year from the newest rotation's start (coverage: the horizon)
_HINT = " || hint: "
_DEFAULT_HINT = "see the comments in oncall_schedules/ads-policy-oncall.yaml for every key"
_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_SETS = {"weekdays": rota.WEEKDAYS, "weekends": rota.WEEKEND, "daily": rota.EVERY_DAY}
_DAYS_HINT = "use mon, tue, wed, thu, fri, sat, sun, a list of them, or weekdays / weekends / daily"
_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def _fail(message: str, hint: str) -> ValueError:
    return ValueError(f"{message}{_HINT}{hint}")


def _weekday(value: Any) -> int:
    name = value.strip().lower() if isinstance(value, str) else ""
    for index, names in enumerate(zip(_DAY_NAMES, _FULL_DAY_NAMES, strict=True)):
        if name in names:
            return index
    raise _fail(f"unknown weekday {value!r}", _DAYS_HINT)


def _days(value: Any) -> frozenset[int]:
    if isinstance(value, str) and value.strip().lower() in _DAY_SETS:
        return _DAY_SETS[value.strip().lower()]
    items = value if isinstance(value, list) else [value]
    if not items:
        raise _fail("no days given", _DAYS_HINT)
    return frozenset(_weekday(item) for item in items)


def _clock(value: Any, *, end: bool = False) -> time:
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 18:00 as the number 1080 (base 60).
        hours, minutes = divmod(value, 60)
        written = f"{hours:02d}:{minutes:02d}"
        raise _fail(f"YAML read the unquoted time {written} as the number {value}", f'put it in quotes: "{written}"')
    match = _CLOCK.match(value.strip()) if isinstance(value, str) else None
    hour, minute = (int(match[1]), int(match[2])) if match else (-1, -1)
    if end and (hour, minute) == (24, 0):
        return time(0)  # the end of the day; an end at or before the start runs into the next day
    if not 0 <= hour <= 23 or not 0 <= minute <= 59:
        allowed = "00:00 to 24:00" if end else "00:00 to 23:59"
        raise _fail(f"{value!r} is not a time of day", f'write 24-hour local time in quotes, "HH:MM", {allowed}')
    return time(hour, minute)


def _end_clock(value: Any) -> time:
    return _clock(value, end=True)


def _date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    hint = "write a date as YYYY-MM-DD, e.g. 2026-01-05"
    if not isinstance(value, str):
        raise _fail(f"{value!r} is not a date", hint)
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise _fail(f"{value!r} is not a date", hint) from None


def _date_range(value: Any) -> tuple[date, date]:
    if isinstance(value, dict) and set(value) == {"from", "to"}:
        first, last = _date(value["from"]), _date(value["to"])
        if last < first:
            raise _fail(f"the range ends ({last}) before it starts ({first})", "swap from and to")
        return first, last
    if isinstance(value, dict):
        raise _fail(
            f"a date range has the keys from and to, not {sorted(value)}", "e.g. {from: 2026-12-24, to: 2027-01-01}"
        )
    day = _date(value)
    return day, day


def _length(value: Any) -> timedelta:
    words = {"daily": timedelta(days=1), "weekly": timedelta(days=7), "fortnightly": timedelta(days=14)}
    text = value.strip().lower() if isinstance(value, str) else value
    if isinstance(text, str) and text in words:
        length = words[text]
    elif isinstance(text, str) and re.fullmatch(r"\d+w", text):
        length = timedelta(days=7 * int(text[:-1]))
    else:
        try:
            length = parse_duration(text if isinstance(text, str | int) else "?")
        except ValueError:
            raise _fail(f"{value!r} is not a turn length", "use daily, weekly, 2w, 3d or 12h") from None
    if length < timedelta(hours=1):
        raise _fail(f"a turn of {value!r} is too short", "turns last at least 1h")
    if length % timedelta(minutes=1):
        raise _fail(f"a turn of {value!r} is not a whole number of minutes", "e.g. 12h or 1h30m")
    return length


def _member(value: Any) -> str:
    if not isinstance(value, str) or not (_USER.match(value) or _EMAIL.match(value)):
        raise _fail(
            f"{value!r} is neither a Slack user id nor an e-mail", "use an id like U012ABCDEF or name@company.com"
        )
    return value


def _always(value: Any) -> Any:
    return [] if value == "always" else value


def _handoff(value: Any) -> Any:
    return {"time": value} if isinstance(value, str | int) else value


Days = Annotated[frozenset[int], BeforeValidator(_days)]
Clock = Annotated[time, BeforeValidator(_clock)]
EndClock = Annotated[time, BeforeValidator(_end_clock)]
Day = Annotated[date, BeforeValidator(_date)]
DateRange = Annotated[tuple[date, date], BeforeValidator(_date_range)]
Weekday = Annotated[int, BeforeValidator(_weekday)]
Length = Annotated[timedelta, BeforeValidator(_length)]
Member = Annotated[str, BeforeValidator(_member)]
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,62}$")]


class WindowSpec(Strict):
    days: Days = rota.EVERY_DAY
    start: Clock = Field(default=time(0), alias="from")
    end: EndClock = Field(default=time(0), alias="to")
    holidays: rota.HolidayRule = rota.HolidayRule.INCLUDE
    dates: list[DateRange] = Field(default_factory=list)


When = Annotated[list[WindowSpec], BeforeValidator(_always)]


class HandoffSpec(Strict):
    clock: Clock = Field(alias="time")
    weekday: Weekday | None = None


class RotationSpec(Strict):
    rotation: Name
    members: list[Member]
    length: Length
    handoff: Annotated[HandoffSpec, BeforeValidator(_handoff)]
    start: Day
    when: When = Field(default_factory=list)

    @field_validator("members")
    @classmethod
    def _someone(cls, members: list[str]) -> list[str]:
        if not members:
            raise _fail(
                "a rotation needs at least one member", "list Slack user ids or e-mails, or remove the rotation"
            )
        return members


class HolidaySourceSpec(Strict):
    country: str | None = None
    subdivision: str | None = None
    extra: list[Day] = Field(default_factory=list)
    exclude: list[Day] = Field(default_factory=list)


class BusinessHoursSpec(Strict):
    days: Days = rota.WEEKDAYS
    start: Clock = Field(default=time(9), alias="from")
    end: EndClock = Field(default=time(18), alias="to")


class ScheduleSpec(Strict):
    id: Name
    title: str = Field(min_length=1, max_length=150)
    timezone: str
    channel: SlackChannelId | None = None
    holidays: HolidaySourceSpec = HolidaySourceSpec()
    business_hours: BusinessHoursSpec = BusinessHoursSpec()
    coverage: dict[Name, When] = Field(default_factory=dict)
    placeholders: list[Member] = Field(default_factory=list)
    layers: dict[Name, Annotated[list[RotationSpec], Field(min_length=1)]] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise _fail(f"unknown time zone {value!r}", "use an IANA name like Asia/Singapore") from None
        return value


def _keys() -> list[str]:
    specs: tuple[type[BaseModel], ...] = (
        WindowSpec,
        HandoffSpec,
        RotationSpec,
        HolidaySourceSpec,
        BusinessHoursSpec,
        ScheduleSpec,
    )
    return sorted({field.alias or name for spec in specs for name, field in spec.model_fields.items()})


def _spec_problems(doc: YamlDocument, exc: ValidationError) -> list[ConfigProblem]:
    """pydantic's errors as problems, with this file's own key suggestions and hints."""
    from bot.config.loader import pydantic_problems  # loader imports this module

    found = []
    for problem in pydantic_problems(doc, exc):
        message, _, hint = problem.message.partition(_HINT)
        if "should match pattern '^[a-z]" in message:
            hint = "lower-case letters, digits, - and _, starting with a letter, e.g. after-hours"
        if message.startswith("unknown key "):
            close = difflib.get_close_matches(message.removeprefix("unknown key ").strip("'"), _keys(), n=1)
            hint = f"did you mean {close[0]!r}?" if close else "remove it; " + _DEFAULT_HINT
        found.append(replace(problem, message=message, hint=hint or problem.hint or _DEFAULT_HINT))
    suggested = {(p.where.rpartition(".")[0], p.hint.split("'")[1]) for p in found if p.hint.startswith("did you")}
    return [p for p in found if not (p.message.startswith("missing required key") and _parent_and_key(p) in suggested)]


def _parent_and_key(problem: ConfigProblem) -> tuple[str, str]:
    parent, _, key = problem.where.rpartition(".")
    return parent, key


@lru_cache(maxsize=16)
def public_holidays(country: str, subdivision: str | None = None) -> frozenset[date]:
    """A country's (and subdivision's) public holidays over HOLIDAY_YEARS, from the `holidays` package."""
    return frozenset(holiday_tables.country_holidays(country, subdiv=subdivision, years=HOLIDAY_YEARS))


def _holidays(
    doc: YamlDocument, spec: HolidaySourceSpec, country: str, subdivision: str | None, found: list[ConfigProblem]
) -> frozenset[date]:
    supported: dict[str, list[str]] = holiday_tables.list_supported_countries()
    if country not in supported:
        close = difflib.get_close_matches(country.upper(), list(supported), n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "use an ISO 3166 code such as SG, MY, AU, GB or US"
        found.append(doc.problem(("holidays", "country"), f"no public holidays known for country {country!r}", hint))
        return frozenset()
    if subdivision is not None and subdivision not in supported[country]:
        choices = ", ".join(supported[country][:15])
        hint = f"one of {choices}" if choices else f"{country} has no subdivisions: write subdivision: null"
        message = f"{country} has no subdivision {subdivision!r}"
        found.append(doc.problem(("holidays", "subdivision"), message, hint))
        return frozenset()
    return (public_holidays(country, subdivision) | frozenset(spec.extra)) - frozenset(spec.exclude)


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
            f"start {spec.start} is a {_FULL_DAY_NAMES[spec.start.weekday()].title()} "
            f"but handoffs are on {_FULL_DAY_NAMES[weekday].title()}"
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
        problems.extend(_spec_problems(doc, exc))
        return None
    found: list[ConfigProblem] = []
    if spec.id != doc.path.stem:
        hint = f"rename the file to {spec.id}.yaml or the id to {doc.path.stem!r}"
        found.append(doc.problem(("id",), f"id {spec.id!r} differs from the file name", hint))
    country = spec.holidays.country or default_country
    subdivision = spec.holidays.subdivision if spec.holidays.country else default_subdivision
    holidays = _holidays(doc, spec.holidays, country, subdivision, found)
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
        problems.append(ConfigProblem(path, 1, "", "expected a mapping of keys at the top level", _DEFAULT_HINT))
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
