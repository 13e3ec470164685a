"""Overrides from Slack: who may make them, what makes one valid, and the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config.model import Config
from bot.domain import rota
from bot.domain.refusal import OVERRIDE_GONE, Refusal
from bot.store.store import Store

MAX_OVERRIDE = timedelta(days=31)


class OverrideRefused(Refusal):
    """The person may not do this, or the override makes no sense; the message says why.

    `field` names the part of the request at fault (schedule, layer, user, replaces, start, end).
    """

    def __init__(self, message: str, *, field: str = "user") -> None:
        super().__init__(message, field=field)


@dataclass(frozen=True, slots=True)
class OverrideRequest:
    """What the override modal asks for."""

    schedule_id: str
    layer: str | None
    user_id: str
    replaces: str | None
    start_at: datetime
    end_at: datetime


def schedule_members(schedule: rota.Schedule) -> frozenset[str]:
    """Everyone in any rotation of the schedule."""
    return frozenset(m for layer in schedule.layers for r in layer.rotations for m in r.members)


def may_manage(config: Config, schedule: rota.Schedule, user_id: str) -> bool:
    """Members of the schedule and the leads may make and cancel overrides."""
    return user_id in schedule_members(schedule) or user_id in config.app.leads


def check_request(config: Config, request: OverrideRequest, *, actor_id: str, now: datetime) -> rota.Schedule:
    """Raise OverrideRefused with a reason a person can act on; return the schedule."""
    schedule = config.schedules.get(request.schedule_id)
    if schedule is None:
        raise OverrideRefused(f"There is no schedule {request.schedule_id!r}.", field="schedule")
    if not may_manage(config, schedule, actor_id):
        raise OverrideRefused(
            f"Only members of {schedule.title} and the leads can change who is on call.", field="schedule"
        )
    if request.layer is not None and request.layer not in {layer.name for layer in schedule.layers}:
        raise OverrideRefused(f"{schedule.title} has no layer {request.layer!r}.", field="layer")
    if request.end_at <= request.start_at:
        raise OverrideRefused("The end must be after the start.", field="end")
    if request.end_at <= now:
        raise OverrideRefused("That time is already over.", field="end")
    if request.end_at - request.start_at > MAX_OVERRIDE:
        raise OverrideRefused("An override can last 31 days at most; change the rota in YAML for longer.", field="end")
    if request.replaces == request.user_id:
        raise OverrideRefused("Someone cannot cover for themselves.", field="replaces")
    if request.replaces is not None:
        _refuse_if_replaced_is_off(schedule, request)
    return schedule


def _refuse_if_replaced_is_off(schedule: rota.Schedule, request: OverrideRequest) -> None:
    """An override "instead of" someone covers only while they would be on call: one for a time when
    they are not would be saved and change nothing, so it is refused, naming who is on call then."""
    shifts = rota.shifts(schedule, request.start_at, request.end_at, layer=request.layer)
    if any(s.user_id == request.replaces for s in shifts):
        return
    zone = schedule.timezone
    window = f"{request.start_at.astimezone(zone):%a %d %b %H:%M}-{request.end_at.astimezone(zone):%a %d %b %H:%M}"
    who: dict[str, list[str]] = {}
    for shift in shifts:
        names = who.setdefault(shift.layer, [])
        if shift.user_id not in names:
            names.append(shift.user_id)
    then = "; ".join(f"{layer}: {', '.join(f'<@{u}>' for u in users)}" for layer, users in who.items())
    where = f" on *{request.layer}*" if request.layer else ""
    raise OverrideRefused(
        f"<@{request.replaces}> is not on call{where} {window}, so this override would change nothing. "
        f"On call then: {then or 'nobody'}. Cover one of them, or leave 'instead of' empty to cover the layer.",
        field="replaces",
    )


def create_override(
    request: OverrideRequest, *, actor_id: str, config: Config, store: Store, now: datetime
) -> rota.Override:
    """Check and store an override with its audit event."""
    check_request(config, request, actor_id=actor_id, now=now)
    with store.transaction() as tx:
        override = tx.overrides.add(
            rota.Override(
                id=None,
                schedule_id=request.schedule_id,
                layer=request.layer,
                user_id=request.user_id,
                replaces=request.replaces,
                start_at=request.start_at,
                end_at=request.end_at,
            ),
            created_by=actor_id,
            now=now,
        )
        tx.audit.add(
            kind="override_created",
            subject=f"override:{override.id}",
            now=now,
            actor_id=actor_id,
            data={
                "schedule": request.schedule_id,
                "layer": request.layer,
                "user": request.user_id,
                "replaces": request.replaces,
                "start_at": request.start_at.isoformat(),
                "end_at": request.end_at.isoformat(),
            },
        )
    return override


def cancel_override(override_id: int, *, actor_id: str, config: Config, store: Store, now: datetime) -> rota.Override:
    """Cancel an override; the covering person, the covered person and schedule managers may."""
    with store.transaction() as tx:
        existing = next((o for s in config.schedules for o in tx.overrides.active(s) if o.id == override_id), None)
        if existing is None:
            raise OverrideRefused(OVERRIDE_GONE)
        schedule = config.schedules[existing.schedule_id]
        if actor_id not in (existing.user_id, existing.replaces) and not may_manage(config, schedule, actor_id):
            raise OverrideRefused("Only the people in it, members of the schedule and the leads can cancel it.")
        cancelled = tx.overrides.cancel(override_id, by=actor_id, now=now)
        if cancelled is None:
            raise OverrideRefused("That override was cancelled already.")
        tx.audit.add(kind="override_cancelled", subject=f"override:{override_id}", now=now, actor_id=actor_id, data={})
        return cancelled


def list_overrides(config: Config, *, store: Store, now: datetime) -> list[rota.Override]:
    """Overrides still running or to come, by start."""
    with store.read() as tx:
        found = [o for s in config.schedules for o in tx.overrides.active(s, ending_after=now)]
    return sorted(found, key=lambda o: (o.start_at, o.id or 0))
