"""What an operator must know, they are told once: a store that refuses writes, a clock off from the
database's; and no "late" alarm for work that was due before the bot started (catch-up)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text

from bot.domain.digest_schedule import DAYS, DigestSchedule
from bot.services.auditor import AuditLimits, Auditor
from bot.services.digests import CATCH_UP, DIGEST, PLAN_AHEAD, plan_occurrences
from bot.services.ports import OpsKind, OpsNotice

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
LIMITS = AuditLimits(late_after=timedelta(seconds=30), store_down_after=timedelta(seconds=20))


class Alerts:
    def __init__(self) -> None:
        self.notices: list[OpsNotice] = []

    def alert_ops(self, notice: OpsNotice, *, channel_id: str) -> None:
        self.notices.append(notice)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def auditor(store, clock: Clock, alerts: Alerts, **extra) -> Auditor:
    return Auditor(
        store=store,
        alerts=alerts,
        channel_id="C0LEADS",
        now=clock.now,
        wall_now=clock.now,
        last_tick_at=clock.now,
        worker="w1",
        limits=LIMITS,
        **extra,
    )


def test_work_due_before_the_start_is_catch_up_not_a_late_alarm(store):
    with store.transaction() as tx:  # due 7 h before this process started
        tx.jobs.enqueue(kind=DIGEST, key="digest:old", due_at=NOW - timedelta(hours=7), now=NOW - timedelta(days=1))
    clock, alerts = Clock(NOW), Alerts()
    watcher = auditor(store, clock, alerts)
    assert watcher.check() == []
    clock.at = NOW + timedelta(seconds=20)  # inside the catch-up window: still nothing
    assert watcher.check() == []
    clock.at = NOW + timedelta(seconds=45)  # still waiting well after the start: now it is late
    [late] = watcher.check()
    assert late.kind == OpsKind.TIMERS_LATE
    assert late.duration == timedelta(seconds=45)  # late since the start, not "due 7 h ago"


def test_a_store_refusing_writes_is_told_once_per_episode(store):
    failing: list[float | None] = [None]
    clock, alerts = Clock(NOW), Alerts()
    watcher = auditor(store, clock, alerts, writes_failing_for=lambda: failing[0])
    watcher.check()
    failing[0] = 4.0  # a short stall: not yet
    watcher.check()
    failing[0] = 12.0
    watcher.check()
    failing[0] = 25.0
    watcher.check()
    assert [n.kind for n in alerts.notices] == [OpsKind.STORE_LOCKED]
    failing[0] = None  # writes go in again; a new episode is told again
    watcher.check()
    failing[0] = 30.0
    watcher.check()
    assert [n.kind for n in alerts.notices] == [OpsKind.STORE_LOCKED, OpsKind.STORE_LOCKED]


def test_a_clock_off_from_the_databases_is_told_once(store):
    skew: list[timedelta | None] = [timedelta(seconds=-90)]
    clock, alerts = Clock(NOW), Alerts()
    watcher = auditor(store, clock, alerts, clock_skew=lambda: skew[0])
    watcher.check()
    watcher.check()
    assert [(n.kind, n.duration) for n in alerts.notices] == [(OpsKind.CLOCK_SKEW, timedelta(seconds=90))]


def test_a_first_start_plans_no_digest_for_a_morning_before_the_bot_ran(store):
    daily = (DigestSchedule("C0LEADS", time(9, 0), DAYS["daily"], ZoneInfo("Asia/Singapore")),)
    first_start = datetime(2026, 12, 2, 8, 23, tzinfo=UTC)  # 16:23 in Singapore, the 09:00 digest long past
    plan_occurrences(daily, kind=DIGEST, store=store, now=first_start, catch_up=CATCH_UP, ahead=PLAN_AHEAD)
    with store.read() as tx:
        assert sorted(tx.jobs.states()) == ["digest:C0LEADS:2026-12-03"]  # only tomorrow's
    # Down overnight and back after the next morning's digest time: that one is caught up (late).
    back = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)  # 11:00 in Singapore
    with store.transaction() as tx:
        tx.session.execute(text("delete from jobs"))
        tx.jobs.enqueue(kind="x", key="ran-before", due_at=first_start, now=first_start)
    plan_occurrences(daily, kind=DIGEST, store=store, now=back, catch_up=CATCH_UP, ahead=PLAN_AHEAD)
    with store.read() as tx:
        assert "digest:C0LEADS:2026-12-03" in tx.jobs.states()
