"""How the figures read at `now` are composed into the leads' Digest.

The rules:

- **Open cases** are counted per severity in severity order (rank 0 first, every severity shown,
  unknown ids last). The most urgent are listed with age and owner: most severe first, then oldest.
- **SLA.** A due time at or before `now` is breached; one within `due_soon` after `now` (4 h) is
  about to breach. Due times come in computed (the flows' SLA calendars live outside the domain).
- **Deadlines**: open cases whose campaign deadline falls in the next `deadline_window` (24 h).
- **Resolved**: cases resolved since `since`, newest first, with their outcome label.
- **Response times**: median and 90th percentile per severity, split by the kind of the local day
  the case was opened on. A public holiday on a weekend counts as a holiday.
- **Sensitive cases** keep only id, severity and status (and when they fall due): composition
  drops advertiser, campaign, owner and outcome, so no renderer can show them.
- **Folding.** Long lists keep their first `Limits` items and the count of the rest.
- **Quiet.** No open case and nothing resolved since `since`: a one-line digest, never silence.
- **Late.** A digest sent after its scheduled time (the bot was down) says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from bot.domain import rota
from bot.domain.case import CaseStatus
from bot.domain.digest import (
    CaseDetails,
    CaseLine,
    DeadlineLine,
    Digest,
    Folded,
    Limits,
    OnCallLayer,
    ResolvedLine,
    SeverityTally,
    SlaLine,
    UrgentCase,
    fold,
)
from bot.domain.digest_input import (
    BreachCounts,
    DayKind,
    OpenCase,
    Resolved,
    ResponseTime,
    SeverityCount,
    SlaDue,
)
from bot.domain.lifecycle import Outcome
from bot.domain.severity import Severity

_UNKNOWN_RANK = 1_000_000


def case_line(
    *,
    human_id: str,
    severity_id: str,
    status: CaseStatus,
    permalink: str | None,
    sensitive: bool,
    advertiser: str,
    campaign: str,
    owner_id: str | None,
) -> CaseLine:
    """A listed case; a sensitive one loses everything but id, severity, status and link."""
    details = None if sensitive else CaseDetails(advertiser=advertiser, campaign=campaign, owner_id=owner_id)
    return CaseLine(human_id=human_id, severity_id=severity_id, status=status, permalink=permalink, details=details)


def _open_line(case: OpenCase) -> CaseLine:
    return case_line(
        human_id=case.human_id,
        severity_id=case.severity_id,
        status=case.status,
        permalink=case.permalink,
        sensitive=case.sensitive,
        advertiser=case.advertiser,
        campaign=case.campaign,
        owner_id=case.owner_id,
    )


def outcome_label(value: str | None) -> str:
    """The words for a stored outcome value (an unknown value is shown as stored)."""
    if value is None:
        return "No outcome recorded"
    try:
        return Outcome(value).label
    except ValueError:
        return value


def _tallies(severities: Sequence[Severity], counts: Sequence[SeverityCount]) -> tuple[SeverityTally, ...]:
    by_id = {c.severity_id: c for c in counts}
    tallies = []
    for severity in severities:
        count = by_id.pop(severity.id, SeverityCount(severity.id, 0, 0))
        tallies.append(SeverityTally(severity.id, severity.label, severity.emoji, count.open, count.unowned))
    for count in sorted(by_id.values(), key=lambda c: c.severity_id):  # severities no flow knows any more
        tallies.append(SeverityTally(count.severity_id, count.severity_id, "", count.open, count.unowned))
    return tuple(tallies)


def on_call_now(
    schedules: Iterable[rota.Schedule], *, now: datetime, overrides: Mapping[str, Sequence[rota.Override]]
) -> tuple[OnCallLayer, ...]:
    """For each schedule and layer: who is on call now, until when, and who is next."""
    found = []
    for schedule in schedules:
        own = tuple(overrides.get(schedule.id, ()))
        current = rota.on_call(schedule, now, overrides=own)
        for layer in schedule.layers:
            until = rota.next_handoff(schedule, now, overrides=own, layer=layer.name)
            following = rota.on_call(schedule, until, overrides=own).get(layer.name, ()) if until else ()
            found.append(
                OnCallLayer(schedule.title, layer.name, tuple(current.get(layer.name, ())), until, tuple(following))
            )
    return tuple(found)


def unique_severities(severities: Iterable[Severity]) -> tuple[Severity, ...]:
    """One severity per id (the first seen), most severe first."""
    seen: dict[str, Severity] = {}
    for severity in severities:
        seen.setdefault(severity.id, severity)
    return tuple(sorted(seen.values(), key=lambda s: s.rank))


def compose_digest(
    *,
    now: datetime,
    since: datetime,
    late: bool,
    severities: Sequence[Severity],
    open_counts: Sequence[SeverityCount],
    open_cases: Sequence[OpenCase],
    sla_dues: Sequence[SlaDue],
    breach_events: BreachCounts,
    deadlines: Sequence[OpenCase],
    resolved: Resolved,
    opened_since: int,
    response_times: Sequence[ResponseTime],
    schedules: Sequence[rota.Schedule],
    overrides: Mapping[str, Sequence[rota.Override]],
    response_days: int = 7,
    scheduled_at: datetime | None = None,
    limits: Limits | None = None,
) -> Digest:
    """Put the figures read at `now` into the order and shape leads read them in."""
    limits = limits or Limits()
    ordered = unique_severities(severities)
    rank = {s.id: s.rank for s in ordered}
    urgent = sorted(open_cases, key=lambda c: (rank.get(c.severity_id, _UNKNOWN_RANK), c.created_at, c.id))
    by_id = {c.id: c for c in open_cases}
    sla_lines = sorted(
        (SlaLine(_open_line(by_id[d.case_id]), d.measure, d.due_at) for d in sla_dues if d.case_id in by_id),
        key=lambda line: (line.due_at, line.case.human_id, line.measure.value),
    )
    window_end = now + limits.deadline_window
    due_deadlines = sorted(
        (c for c in deadlines if c.deadline_at is not None and now <= c.deadline_at < window_end),
        key=lambda c: (c.deadline_at, c.id),
    )
    resolved_lines = [
        ResolvedLine(
            case_line(
                human_id=r.human_id,
                severity_id=r.severity_id,
                status=r.status,
                permalink=r.permalink,
                sensitive=r.sensitive,
                advertiser=r.advertiser,
                campaign=r.campaign,
                owner_id=None,
            ),
            r.resolved_at,
            None if r.sensitive or r.outcome is None else outcome_label(r.outcome),
        )
        for r in sorted(resolved.latest, key=lambda r: (r.resolved_at, r.id), reverse=True)
    ]
    shown = tuple(resolved_lines[: limits.resolved])  # the store lists the newest few; the total counts all
    day_order = list(DayKind)
    return Digest(
        now=now,
        since=since,
        late=late,
        scheduled_at=scheduled_at,
        open_by_severity=_tallies(ordered, open_counts),
        urgent=fold((UrgentCase(_open_line(c), now - c.created_at) for c in urgent), limits.urgent),
        breached=fold((s for s in sla_lines if s.due_at <= now), limits.sla),
        due_soon=fold((s for s in sla_lines if now < s.due_at <= now + limits.due_soon), limits.sla),
        breach_events=breach_events,
        deadlines=fold(
            (DeadlineLine(_open_line(c), c.deadline_at) for c in due_deadlines if c.deadline_at is not None),
            limits.deadlines,
        ),
        resolved=Folded(shown, max(resolved.total, len(resolved_lines)) - len(shown)),
        resolved_by_outcome=tuple(
            (outcome_label(value), count)
            for value, count in sorted(resolved.by_outcome, key=lambda item: (-item[1], item[0] or "~"))
        ),
        opened_since=opened_since,
        response_times=tuple(
            sorted(
                response_times,
                key=lambda r: (
                    rank.get(r.severity_id, _UNKNOWN_RANK),
                    r.severity_id,
                    r.measure.value,
                    day_order.index(r.day),
                ),
            )
        ),
        response_days=response_days,
        on_call=on_call_now(schedules, now=now, overrides=overrides),
        severity_labels={s.id: f"{s.emoji} {s.label}".strip() for s in ordered},
        limits=limits,
    )
