from datetime import UTC, datetime, timedelta

from bot.domain.escalation import first_step, is_last_level, next_step
from bot.domain.policy import Policy, PolicyLevel, Target, TargetKind

T0 = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
POLICY = Policy(
    id="p",
    description="",
    levels=(
        PolicyLevel((Target(TargetKind.SCHEDULE, "s", "primary"),), timedelta(minutes=15)),
        PolicyLevel((Target(TargetKind.SCHEDULE, "s", "secondary"),), timedelta(minutes=15)),
        PolicyLevel((Target(TargetKind.USER, "U0LEAD1"),), timedelta(minutes=30)),
    ),
    repeat=1,
)


def walk(policy, start):
    steps = [start]
    while (step := next_step(policy, steps[-1])) is not None:
        steps.append(step)
    return steps


def test_policy_walks_levels_then_repeats_then_stops():
    steps = walk(POLICY, first_step(T0))
    assert [(s.round, s.level) for s in steps] == [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3)]
    assert [int((s.due_at - T0).total_seconds() // 60) for s in steps] == [0, 15, 30, 60, 75, 90]


def test_steps_stay_on_the_policy_timeline_whenever_they_run():
    late = first_step(T0)
    assert next_step(POLICY, late).due_at == T0 + timedelta(minutes=15)


def test_last_level_is_known_and_keys_are_unique_per_generation():
    steps = walk(POLICY, first_step(T0))
    assert [is_last_level(POLICY, s) for s in steps] == [False, False, True, False, False, True]
    keys = {s.key(42, 1) for s in steps} | {s.key(42, 2) for s in steps}
    assert len(keys) == 12
