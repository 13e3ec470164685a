"""Walking an escalation policy: which level to page next, and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.policy import Policy


@dataclass(frozen=True, slots=True)
class Step:
    """One level of one round of a policy, due at an instant. Rounds and levels count from 1."""

    round: int
    level: int
    due_at: datetime

    def key(self, case_id: int, generation: int) -> str:
        """The unique key of this step for one case and one paging generation."""
        return f"escalate:{case_id}:g{generation}:r{self.round}:l{self.level}"


def first_step(due_at: datetime) -> Step:
    """Paging starts at level 1 of round 1."""
    return Step(round=1, level=1, due_at=due_at)


def next_step(policy: Policy, step: Step) -> Step | None:
    """The step after `step`, due `wait` after it was due (not after it ran, so a late tick keeps
    the policy's timeline); None once the last round is done.

    A policy runs its levels in order, then starts again from level 1 while rounds remain
    (`repeat` is how many extra rounds follow the first).
    """
    wait = policy.levels[step.level - 1].wait
    due_at = step.due_at + wait
    if step.level < len(policy.levels):
        return Step(round=step.round, level=step.level + 1, due_at=due_at)
    if step.round < 1 + policy.repeat:
        return Step(round=step.round + 1, level=1, due_at=due_at)
    return None


def is_last_level(policy: Policy, step: Step) -> bool:
    """Whether `step` is the final level of its round (the leads hear when it goes unanswered)."""
    return step.level == len(policy.levels)


# A step running later than this is a backlog (an outage, a stalled scheduler), not tick lag: only
# then are missed steps passed over. Normal lag is well under a second; a busy machine's a few.
BACKLOG_AFTER = timedelta(seconds=60)


def catch_up(
    policy: Policy, step: Step, now: datetime, *, backlog_after: timedelta = BACKLOG_AFTER
) -> tuple[Step, tuple[Step, ...]]:
    """After a backlog (an outage, a stalled scheduler): the step that is current at `now`, and the
    missed steps passed over on the way.

    Paging every missed level in a burst would wake four people for one case; the current level is
    paged once instead. When steps were passed over, the current one is taken to start `now`, so
    the person paged gets the level's whole wait before the next one. A step less than
    `backlog_after` late runs as it is, even if a short wait means the next one is due too.
    """
    if now - step.due_at <= backlog_after:
        return step, ()
    skipped: list[Step] = []
    current = step
    while (following := next_step(policy, current)) is not None and following.due_at <= now:
        skipped.append(current)
        current = following
    if skipped:
        current = Step(round=current.round, level=current.level, due_at=now)
    return current, tuple(skipped)


def superseded(policy: Policy, step: Step, now: datetime, *, backlog_after: timedelta = BACKLOG_AFTER) -> bool:
    """Whether a page for `step` is stale at `now`: a backlog, and the next step already due."""
    following = next_step(policy, step)
    return now - step.due_at > backlog_after and following is not None and following.due_at <= now
