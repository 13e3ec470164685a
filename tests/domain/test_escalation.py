from datetime import UTC, datetime, timedelta

from bot.domain.escalation import Step, catch_up, first_step, is_last_level, next_step, superseded
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


def test_catch_up_on_time_changes_nothing():
    step = first_step(T0)
    assert catch_up(POLICY, step, T0 + timedelta(minutes=14, seconds=59)) == (step, ())


def test_catch_up_after_a_backlog_jumps_to_the_current_step_and_restarts_its_wait():
    now = T0 + timedelta(minutes=64)
    current, skipped = catch_up(POLICY, first_step(T0), now)
    assert [(s.round, s.level) for s in skipped] == [(1, 1), (1, 2), (1, 3)]
    assert current == Step(round=2, level=1, due_at=now)
    assert next_step(POLICY, current).due_at == now + timedelta(minutes=15)


def test_catch_up_past_the_last_round_stays_on_the_final_step():
    now = T0 + timedelta(days=1)
    current, skipped = catch_up(POLICY, first_step(T0), now)
    assert (current.round, current.level) == (2, 3)
    assert len(skipped) == 5
    assert next_step(POLICY, current) is None


def test_a_page_is_superseded_once_the_next_level_is_due():
    step = first_step(T0)
    assert not superseded(POLICY, step, T0 + timedelta(minutes=14))
    assert superseded(POLICY, step, T0 + timedelta(minutes=15))
    last = Step(round=2, level=3, due_at=T0)
    assert not superseded(POLICY, last, T0 + timedelta(days=3))


def test_tick_lag_is_not_a_backlog_even_when_waits_are_short():
    quick = Policy(
        id="quick",
        description="",
        levels=tuple(PolicyLevel((Target(TargetKind.USER, f"U{n}"),), timedelta(seconds=1)) for n in range(3)),
        repeat=0,
    )
    step = first_step(T0)
    late = T0 + timedelta(seconds=5)  # a loaded machine: every level is due, but this is lag
    assert catch_up(quick, step, late) == (step, ())
    assert not superseded(quick, step, late)
    assert superseded(quick, step, T0 + timedelta(minutes=2))
