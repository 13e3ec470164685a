"""The weekly report: volume, SLA compliance, missed deadlines, on-call load and fairness."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.burden import Burden


@dataclass(frozen=True, slots=True)
class PersonLoad:
    """Pages one person got in the week, and how many of them came outside business hours."""

    user_id: str
    pages: int
    out_of_hours: int


@dataclass(frozen=True, slots=True)
class GuidanceFigures:
    """What the policy guidance did in the week."""

    answered: int  # "this answered it" with nothing escalated (/ad-policy, or the intake form before filing)
    withdrawn: int  # cases withdrawn before anyone was paged, answered by an article
    gaps: tuple[tuple[str, int], ...]  # the most searched questions no article answers well (a sample wording)
    escalated_anyway: tuple[tuple[str, int], ...]  # (guide title, times) shown as the best answer, escalated

    @property
    def answered_without_escalation(self) -> int:
        return self.answered + self.withdrawn


@dataclass(frozen=True, slots=True)
class WeeklyReport:
    """What the leads read on Monday morning."""

    start_at: datetime
    end_at: datetime
    opened: int
    by_flow: tuple[tuple[str, int], ...]
    by_market: tuple[tuple[str, int], ...]
    by_severity: tuple[tuple[str, int], ...]
    acknowledge_compliance: float | None  # of the week's cases whose acknowledge SLA came due, the share met
    resolve_compliance: float | None
    deadlines_missed: int
    load: tuple[PersonLoad, ...]
    top_advertisers: tuple[tuple[str, int], ...]
    guidance: GuidanceFigures | None = None  # None when the deployment has no policy guides
    burden: Burden | None = None  # the week's shifts, hours and pages per person, by kind of time
    burden_quarter: Burden | None = None  # the same over the 91 days before the report


def on_call_load(
    pages: Sequence[tuple[str, datetime]], *, in_hours: Callable[[datetime], bool]
) -> tuple[PersonLoad, ...]:
    """Pages per person, most paged first, with the out-of-hours share (the fairness view)."""
    total = Counter(user for user, _ in pages)
    night = Counter(user for user, at in pages if not in_hours(at))
    ranked = sorted(total, key=lambda user: (-total[user], -night[user], user))
    return tuple(PersonLoad(user, total[user], night[user]) for user in ranked)


def compliance(met: int, missed: int) -> float | None:
    """The share of the cases whose SLA came due that met it; None when no case's SLA came due.

    A case still inside its SLA counts neither way: it has not met it yet, nor missed it."""
    counted = met + missed
    return None if counted == 0 else met / counted


def gap_topics(
    queries: Sequence[tuple[str, int]], *, topic: Callable[[str], str], top: int = 5
) -> tuple[tuple[str, int], ...]:
    """Group searched questions by `topic` (their normalised words), most searched first, each shown in
    its most frequent wording (the shortest on a tie). Questions with no words left are dropped."""
    counts: Counter[str] = Counter()
    wordings: dict[str, Counter[str]] = {}
    for query, n in queries:
        key = topic(query)
        if not key:
            continue
        counts[key] += n
        wordings.setdefault(key, Counter())[" ".join(query.split())] += n
    ranked = sorted(counts, key=lambda k: (-counts[k], k))[:top]
    return tuple((min(wordings[k], key=lambda w: (-wordings[k][w], len(w), w)), counts[k]) for k in ranked)
