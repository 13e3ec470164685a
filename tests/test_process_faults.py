"""Operator's bad day, with real processes: signals, a crashed replica, a hung or locked database,
a replica whose clock is wrong. Each test reports pages expected / delivered / duplicated and the
recovery time it measured (printed; `pytest -s` shows them, docs/DEPLOYMENT.md cites them)."""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.sandbox import SlackStandIn
from bot.services.paging import ESCALATE, LEADS_ALERT, SEND
from tests.paging_procs import SECRET, TOKEN, BotProcess, page_counts, page_dms, running, wait_until, write_config
from tests.test_paging_processes import due_at, escalation, expected_people, file_sev1

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(signing_secret=SECRET, bot_token=TOKEN) as running_standin:
        yield running_standin


def report(scenario: str, expected: set[tuple[str, int, int, str]], standin: SlackStandIn, **figures: object) -> None:
    """One line per scenario: pages expected / delivered / duplicated, and what else was measured."""
    counts = page_counts(standin)
    duplicated = sum(n - 1 for n in counts.values() if n > 1)
    extra = " ".join(f"{k}={v}" for k, v in figures.items())
    print(f"\n[fault] {scenario}: pages expected={len(expected)} delivered={len(set(counts) & expected)} "
          f"duplicated={duplicated} {extra}")  # fmt: skip


def test_sighup_twice_and_during_a_request_reloads_and_keeps_paging_on_time(standin: SlackStandIn, tmp_path: Path):
    config = write_config(tmp_path / "config", waits=("4s", "3s", "3s"), repeat=0)
    people = expected_people(config)
    db = f"sqlite:///{tmp_path / 'bot.db'}"
    log = tmp_path / "bot.log"
    bot = BotProcess(config, db, standin.api_url, log)
    with running(bot):
        bot.start().wait_healthy()
        standin.bot_url = bot.url
        file_sev1(standin)
        wait_until(lambda: [p for p in page_dms(standin) if p.level == 1])
        bot.process.send_signal(signal.SIGHUP)  # type: ignore[union-attr]
        wait_until(lambda: bot.output().count("SIGHUP: reloading") >= 1, timeout=10)
        # A second SIGHUP while a rep files another case through the same process.
        filing = threading.Thread(target=file_sev1, args=(standin,), kwargs={"advertiser": "Beta Drinks"})
        filing.start()
        bot.process.send_signal(signal.SIGHUP)  # type: ignore[union-attr]
        filing.join(timeout=20)
        wait_until(lambda: bot.output().count("SIGHUP: reloading") >= 2, timeout=10)
        wait_until(lambda: {p.case for p in page_dms(standin) if p.level == 3} == {"ADS-1001", "ADS-1002"}, timeout=30)
        assert bot.process.poll() is None, "SIGHUP stopped the bot"  # type: ignore[union-attr]
        lateness = [
            (p.call.at - due_at(db, f"escalate:{int(p.case[4:]) - 1000}:g1:r1:l{p.level}")).total_seconds()
            for p in page_dms(standin)
            if p.level > 1
        ]
        wait_until(lambda: all(r.state == "done" for r in _jobs(db)), timeout=15)
        bot.process.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
        assert bot.process.wait(timeout=20) == 0  # type: ignore[union-attr]

    expected = escalation("ADS-1001", 3, 1, people) | escalation("ADS-1002", 3, 1, people)
    assert page_counts(standin) == Counter(expected)
    assert max(lateness) < 2.0, lateness
    report("SIGHUP x2 mid-escalation", expected, standin, max_lateness_s=f"{max(lateness):.2f}")


def _jobs(db: str) -> list[object]:
    from tests.paging_procs import job_rows

    return job_rows(db, [LEADS_ALERT, ESCALATE, SEND])


def _now() -> datetime:
    return datetime.now(UTC)


def _since(start: float) -> float:
    return time.monotonic() - start
