"""The paging plan: what one step of a policy does at `now` — whom it pages and re-pages, what the
leads hear, which step follows and when, and which missed steps a backlog passed over. Pure: the
paging service only turns a StepPlan into job rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from bot.domain.escalation import Step, catch_up, is_last_level, next_step
from bot.domain.policy import Policy


class AlertKind(StrEnum):
    """What the leads' channel is told about a case's paging."""

    UNANSWERED = "unanswered"  # a whole round went unacknowledged
    NOBODY_ON_CALL = "nobody_on_call"  # a level had nobody to page


@dataclass(frozen=True, slots=True)
class PlannedPage:
    """One page DM: `nth` 0 is the page, 1 the re-page of the same person within the level."""

    user_id: str
    due_at: datetime
    nth: int = 0


@dataclass(frozen=True, slots=True)
class PlannedAlert:
    """One alert to the leads' channel about `step`; `repeats` says whether paging goes on."""

    kind: AlertKind
    step: Step
    due_at: datetime
    repeats: bool


@dataclass(frozen=True, slots=True)
class StepPlan:
    """Everything one escalation step sets in motion."""

    step: Step  # the step paged now (a later one than asked for, after a backlog)
    skipped: tuple[Step, ...]  # missed steps passed over on the way
    users: tuple[str, ...]  # on call for the step's level now
    pages: tuple[PlannedPage, ...]
    alerts: tuple[PlannedAlert, ...]
    next: Step | None  # the following step, due when it should run (now, if nobody was on call)


def plan(policy: Policy, step: Step, on_call: Callable[[int], Sequence[str]], now: datetime) -> StepPlan:
    """What `step` of `policy` does at `now`; `on_call(level)` says who is on call for a level now.

    - After a backlog the current step is paged once instead of every missed one (`catch_up`); a
      round missed entirely is told to the leads now.
    - Each person at the level is paged (due when the step was due, so a late page sorts first) and,
      with `repage_after`, paged again that long after the step was due.
    - Nobody on call: the leads hear it now and the next step runs now rather than after the wait.
    - The last level of a round: the leads hear it when its wait ends unanswered.
    """
    step, skipped = catch_up(policy, step, now)
    users = tuple(dict.fromkeys(on_call(step.level)))
    level = policy.levels[step.level - 1]
    following = next_step(policy, step)
    pages: list[PlannedPage] = []
    for user in users:
        pages.append(PlannedPage(user, min(step.due_at, now)))
        if level.repage_after is not None:
            pages.append(PlannedPage(user, step.due_at + level.repage_after, nth=1))
    alerts: list[PlannedAlert] = []
    missed_rounds = [s for s in skipped if is_last_level(policy, s)]
    if missed_rounds:
        alerts.append(PlannedAlert(AlertKind.UNANSWERED, missed_rounds[-1], now, repeats=True))
    if not users:
        alerts.append(PlannedAlert(AlertKind.NOBODY_ON_CALL, step, now, repeats=following is not None))
    elif is_last_level(policy, step):
        alerts.append(PlannedAlert(AlertKind.UNANSWERED, step, step.due_at + level.wait, repeats=following is not None))
    if following is not None and not users:
        following = replace(following, due_at=min(following.due_at, now))
    return StepPlan(
        step=step,
        skipped=skipped,
        users=users,
        pages=tuple(pages),
        alerts=tuple(alerts),
        next=following,
    )
