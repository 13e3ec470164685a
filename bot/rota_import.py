"""`escalation-bot oncall import --from csv|pagerduty|opsgenie FILE`: a rota from another tool, written as
`oncall_schedules/<id>.yaml` (then `check-config` validates it like any rota).

Shapes read:
- csv: a header `layer,user,start,end` (ISO 8601 datetimes with offsets; optional `schedule`, `timezone`
  columns). Each layer's shifts must follow each other with one length (a regular rotation); the
  members take turns in the order of their first shift.
- pagerduty: the body of `GET /schedules/{id}` — `schedule.name`, `time_zone`, `schedule_layers[]` with
  `rotation_virtual_start`, `rotation_turn_length_seconds`, `users[].user` and `restrictions[]`
  (`daily_restriction` / `weekly_restriction`: `start_time_of_day`, `duration_seconds`,
  `start_day_of_week` 1 = Monday). Users need an `email` in the export or a `--map` entry. PagerDuty's
  later layers win, as our later rotations do, so the order is kept; all go to one layer (`--layer`).
- opsgenie: the body of `GET /v2/schedules/{id}` — `data.name`, `timezone`, `rotations[]` with `startDate`,
  `type` (hourly/daily/weekly), `length`, `participants[]` (`type: user`, `username` an e-mail) and an
  optional `timeRestriction` (`time-of-day`, or `weekday-and-time-of-day` with `restrictions[]`).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Mapping
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ImportRefused(ValueError):
    """The file cannot be read as a rota; the message says what and where."""


def slug(text: str) -> str:
    found = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]
    return found if found and found[0].isalpha() else f"rota-{found}".strip("-")


def _length(seconds: float) -> str:
    if seconds % (7 * 86400) == 0:
        return f"{int(seconds // (7 * 86400))}w" if seconds != 7 * 86400 else "weekly"
    if seconds % 86400 == 0:
        return f"{int(seconds // 86400)}d" if seconds != 86400 else "daily"
    if seconds % 3600 == 0:
        return f"{int(seconds // 3600)}h"
    return f"{int(seconds // 60)}m"


def _rotation(name: str, members: list[str], start_local: datetime, length_seconds: float) -> dict[str, Any]:
    handoff: dict[str, Any] = {"time": f"{start_local:%H:%M}"}
    if length_seconds % (7 * 86400) == 0:
        handoff["weekday"] = DAYS[start_local.weekday()]
    return {
        "rotation": slug(name),
        "members": members,
        "length": _length(length_seconds),
        "handoff": handoff,
        "start": start_local.date().isoformat(),
    }


def _clock(minutes: int) -> str:
    return f"{(minutes // 60) % 24:02d}:{minutes % 60:02d}"


def _windows(start: str, seconds: int, day: int | None = None) -> list[dict[str, Any]]:
    """A restriction from `start` (HH:MM[:SS]) lasting `seconds`, on `day` (0 = Monday) or every day.

    Our window's `to` at or before its `from` runs past midnight, so `from 18:00 to 09:00` is a night,
    and `from 09:00 to 09:00` a whole day from 09:00."""
    hours, minutes = (int(x) for x in start.split(":")[:2])
    begin = hours * 60 + minutes
    whole, rest = divmod(seconds // 60, 24 * 60)
    if day is None:
        return [] if whole else [{"from": _clock(begin), "to": _clock(begin + rest)}]
    found: list[dict[str, Any]] = []
    if whole:
        days = [DAYS[(day + k) % 7] for k in range(whole)]
        found.append({"days": days, "from": _clock(begin), "to": _clock(begin)})
    if rest:
        found.append({"days": [DAYS[(day + whole) % 7]], "from": _clock(begin), "to": _clock(begin + rest)})
    return found


def _document(schedule_id: str, title: str, zone: str, layers: Mapping[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {"id": schedule_id, "title": title, "timezone": zone, "layers": dict(layers)}


def from_csv(path: Path, *, schedule_id: str | None, timezone: str | None, layer_default: str) -> dict[str, Any]:
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        raise ImportRefused(f"{path}: no shifts")
    missing = {"user", "start", "end"} - set(rows[0])
    if missing:
        raise ImportRefused(f"{path}: the header needs {', '.join(sorted(missing))} (and optionally layer)")
    zone = timezone or rows[0].get("timezone") or "UTC"
    by_layer: dict[str, list[tuple[datetime, datetime, str]]] = {}
    for n, row in enumerate(rows, start=2):
        try:
            start, end = datetime.fromisoformat(row["start"]), datetime.fromisoformat(row["end"])
        except ValueError:
            raise ImportRefused(f"{path}:{n}: start and end must be ISO 8601 datetimes") from None
        if start.tzinfo is None or end <= start:
            raise ImportRefused(f"{path}:{n}: give an offset (e.g. +08:00) and an end after the start")
        by_layer.setdefault(row.get("layer") or layer_default, []).append((start, end, row["user"].strip()))
    layers: dict[str, list[dict[str, Any]]] = {}
    for layer, shifts in by_layer.items():
        shifts.sort()
        length = shifts[0][1] - shifts[0][0]
        for (s1, e1, _), (s2, e2, _) in pairwise(shifts):
            if e2 - s2 != length or s2 != e1:
                raise ImportRefused(
                    f"{path}: layer {layer!r}: shifts at {s1.isoformat()} and {s2.isoformat()} are not one regular "
                    "rotation (same length, back to back); split them into layers or write the rotation by hand"
                )
        members = list(dict.fromkeys(user for _, _, user in shifts))
        order = [user for _, _, user in shifts]
        if any(order[i] != members[i % len(members)] for i in range(len(order))):
            raise ImportRefused(f"{path}: layer {layer!r}: the members do not take turns in one fixed order")
        start_local = shifts[0][0].astimezone(ZoneInfo(zone))
        layers[slug(layer)] = [_rotation(f"{layer}-rotation", members, start_local, length.total_seconds())]
    name = schedule_id or rows[0].get("schedule") or path.stem
    return _document(slug(name), name, zone, layers)


def _user_ref(user: Mapping[str, Any], mapping: Mapping[str, str], where: str) -> str:
    ident = str(user.get("id", ""))
    found = mapping.get(ident) or user.get("email")
    if not found:
        raise ImportRefused(f"{where}: user {ident} ({user.get('summary', '?')}) has no e-mail; map it with --map")
    return str(found)


def from_pagerduty(data: Mapping[str, Any], *, mapping: Mapping[str, str], layer: str, where: str) -> dict[str, Any]:
    schedule = data.get("schedule", data)
    zone = str(schedule.get("time_zone") or "UTC")
    rotations = []
    for i, pd_layer in enumerate(schedule.get("schedule_layers") or []):
        members = [_user_ref(u.get("user", u), mapping, f"{where}: schedule_layers[{i}]") for u in pd_layer["users"]]
        start = datetime.fromisoformat(str(pd_layer["rotation_virtual_start"]).replace("Z", "+00:00"))
        rotation = _rotation(
            str(pd_layer.get("name") or f"layer-{i + 1}"),
            members,
            start.astimezone(ZoneInfo(zone)),
            float(pd_layer["rotation_turn_length_seconds"]),
        )
        windows: list[dict[str, Any]] = []
        always = False
        for r in pd_layer.get("restrictions") or []:
            day = int(r["start_day_of_week"]) - 1 if r.get("type") == "weekly_restriction" else None
            found = _windows(str(r["start_time_of_day"]), int(r["duration_seconds"]), day)
            always = always or not found
            windows += found
        if windows and not always:
            rotation["when"] = windows
        rotations.append(rotation)
    if not rotations:
        raise ImportRefused(f"{where}: no schedule_layers")
    name = str(schedule.get("name") or schedule.get("id") or "pagerduty")
    return _document(slug(name), name, zone, {layer: rotations})


OPSGENIE_LENGTH = {"hourly": 3600, "daily": 86400, "weekly": 7 * 86400}
OPSGENIE_DAYS = {
    d: i for i, d in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
}


def from_opsgenie(data: Mapping[str, Any], *, layer: str, where: str) -> dict[str, Any]:
    schedule = data.get("data", data)
    zone = str(schedule.get("timezone") or "UTC")
    rotations = []
    for i, og in enumerate(schedule.get("rotations") or []):
        members = [str(p["username"]) for p in og.get("participants") or [] if p.get("type") == "user"]
        if not members:
            raise ImportRefused(
                f"{where}: rotations[{i}] has no user participants (teams and escalations are not read)"
            )
        start = datetime.fromisoformat(str(og["startDate"]).replace("Z", "+00:00"))
        seconds = OPSGENIE_LENGTH[str(og.get("type", "weekly"))] * int(og.get("length", 1))
        rotation = _rotation(
            str(og.get("name") or f"rotation-{i + 1}"), members, start.astimezone(ZoneInfo(zone)), seconds
        )
        restriction = og.get("timeRestriction") or {}
        windows: list[dict[str, Any]] = []
        if restriction.get("type") == "time-of-day":
            r = restriction["restriction"]
            windows.append(
                {
                    "from": f"{int(r['startHour']):02d}:{int(r['startMin']):02d}",
                    "to": f"{int(r['endHour']):02d}:{int(r['endMin']):02d}",
                }
            )
        elif restriction.get("type") == "weekday-and-time-of-day":
            for r in restriction.get("restrictions") or []:
                first, last = OPSGENIE_DAYS[str(r["startDay"]).lower()], OPSGENIE_DAYS[str(r["endDay"]).lower()]
                days = [DAYS[(first + k) % 7] for k in range((last - first) % 7 + 1)]
                windows.append(
                    {
                        "days": days,
                        "from": f"{int(r['startHour']):02d}:{int(r['startMin']):02d}",
                        "to": f"{int(r['endHour']):02d}:{int(r['endMin']):02d}",
                    }
                )
        if windows:
            rotation["when"] = windows
        rotations.append(rotation)
    if not rotations:
        raise ImportRefused(f"{where}: no rotations")
    name = str(schedule.get("name") or "opsgenie")
    return _document(slug(name), name, zone, {layer: rotations})


def import_rota(
    source: str,
    path: Path,
    *,
    layer: str = "primary",
    mapping: Mapping[str, str] | None = None,
    schedule_id: str | None = None,
    timezone: str | None = None,
) -> dict[str, Any]:
    """The rota document read from `path` in the shape `source` names."""
    if source == "csv":
        doc = from_csv(path, schedule_id=schedule_id, timezone=timezone, layer_default=layer)
    else:
        try:
            data = json.loads(path.read_text())
        except ValueError as exc:
            raise ImportRefused(f"{path}: not JSON ({exc})") from None
        if source == "pagerduty":
            doc = from_pagerduty(data, mapping=mapping or {}, layer=layer, where=str(path))
        elif source == "opsgenie":
            doc = from_opsgenie(data, layer=layer, where=str(path))
        else:
            raise ImportRefused(f"unknown source {source!r}")
        if schedule_id:
            doc["id"] = slug(schedule_id)
        if timezone:
            doc["timezone"] = timezone
    return doc


def write_rota(doc: Mapping[str, Any], folder: Path, *, source: str, path: Path) -> Path:
    """Write `<id>.yaml` into `folder` with a header saying where it came from."""
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{doc['id']}.yaml"
    header = (
        f"# Imported from {source} ({path.name}) by `escalation-bot oncall import`. Check the members are Slack\n"
        "# user ids or e-mails, add `coverage`, `holidays` and `business_hours` as needed (see README).\n"
    )
    out.write_text(header + yaml.safe_dump(dict(doc), sort_keys=False, allow_unicode=True))
    return out
