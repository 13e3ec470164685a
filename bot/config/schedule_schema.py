"""The schema of `oncall_schedules/*.yaml`, written for people (`weekly`, "18:00", `weekdays`), and the
hints its validation errors carry."""

from __future__ import annotations

import difflib
import re
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, Field, ValidationError, field_validator

from bot.config.durations import parse_duration
from bot.config.errors import ConfigProblem
from bot.config.problems import pydantic_problems
from bot.config.schema import SlackChannelId, Strict
from bot.config.yaml_source import YamlDocument
from bot.domain import rota

_HINT = " || hint: "
DEFAULT_HINT = "see the comments in oncall_schedules/ads-policy-oncall.yaml for every key"
_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_SETS = {"weekdays": rota.WEEKDAYS, "weekends": rota.WEEKEND, "daily": rota.EVERY_DAY}
_DAYS_HINT = "use mon, tue, wed, thu, fri, sat, sun, a list of them, or weekdays / weekends / daily"
_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def _fail(message: str, hint: str) -> ValueError:
    return ValueError(f"{message}{_HINT}{hint}")


def _weekday(value: Any) -> int:
    name = value.strip().lower() if isinstance(value, str) else ""
    for index, names in enumerate(zip(_DAY_NAMES, FULL_DAY_NAMES, strict=True)):
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


def spec_problems(doc: YamlDocument, exc: ValidationError) -> list[ConfigProblem]:
    """pydantic's errors as problems, with this file's own key suggestions and hints."""
    found = []
    for problem in pydantic_problems(doc, exc):
        message, _, hint = problem.message.partition(_HINT)
        if "should match pattern '^[a-z]" in message:
            hint = "lower-case letters, digits, - and _, starting with a letter, e.g. after-hours"
        if message.startswith("unknown key "):
            close = difflib.get_close_matches(message.removeprefix("unknown key ").strip("'"), _keys(), n=1)
            hint = f"did you mean {close[0]!r}?" if close else "remove it; " + DEFAULT_HINT
        found.append(replace(problem, message=message, hint=hint or problem.hint or DEFAULT_HINT))
    suggested = {(p.where.rpartition(".")[0], p.hint.split("'")[1]) for p in found if p.hint.startswith("did you")}
    return [p for p in found if not (p.message.startswith("missing required key") and _parent_and_key(p) in suggested)]


def _parent_and_key(problem: ConfigProblem) -> tuple[str, str]:
    parent, _, key = problem.where.rpartition(".")
    return parent, key
