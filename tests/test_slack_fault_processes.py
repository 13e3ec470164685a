"""Every page exactly once while Slack misbehaves, proved on the real bot as a process: a Slack that
posts and answers after the client's deadline, a 429 storm (Retry-After 1-5 s), a revoked token.
Short windows here; bench/bench_slack_faults.py runs the long ones (30 s, 60 s, 30 s)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.slack_fault_scenarios import run

pytestmark = [pytest.mark.timeout(120), pytest.mark.usefixtures("bots_on_the_wall_clock")]


@pytest.mark.parametrize(("kind", "seconds"), [("hang", 6), ("storm", 10), ("revoked", 8)])
def test_every_page_is_delivered_once_while_slack_misbehaves(kind: str, seconds: float, tmp_path: Path):
    measure = run(kind, seconds=seconds, folder=tmp_path, cases=2)
    print(measure.line())
    assert measure.delivered == measure.expected, measure.line()
    assert measure.duplicated == 0, measure.line()
    if kind == "storm":
        assert " 0 followed early" in measure.detail, measure.line()
    assert "failed jobs" not in measure.detail, measure.line()
