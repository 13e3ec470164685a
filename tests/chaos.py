"""Three replicas on one Postgres, N page timers due in the same second, replicas killed with SIGKILL
at random and restarted: every page delivered, repeats only where a takeover was logged. Used by the
test (a short run) and by bench/bench_chaos.py (1,000 timers)."""

from __future__ import annotations

import random
import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.config.loader import load_config
from bot.domain.case import MessageRef
from slack_standin import SlackStandIn
from tests.paging_procs import (
    PRIMARY,
    SECRET,
    TOKEN,
    BotProcess,
    as_utc,
    page_counts,
    page_dms,
    running,
    sql,
    write_config,
)

RUNNING_UNDER = "select id from jobs where state = 'running' and claimed_by like :me"


@dataclass
class ChaosResult:
    timers: int
    kills: int
    expected: int
    delivered: int
    duplicated: int
    duplicated_with_logged_takeover: int
    recoveries_s: list[float] = field(default_factory=list)  # kill → the jobs it held finished elsewhere
    timeline: dict[int, int] = field(default_factory=dict)  # second after due → pages delivered in it
    kills_at: list[float] = field(default_factory=list)  # seconds after due
    drain_s: float = 0.0  # the timers' due second → the last page

    def line(self) -> str:
        rec = self.recoveries_s or [0.0]
        return (
            f"3 replicas, {self.timers} timers due in one second, {self.kills} kill -9: pages expected={self.expected} "
            f"delivered={self.delivered} duplicated={self.duplicated} "
            f"(with a logged takeover: {self.duplicated_with_logged_takeover}); the jobs a killed replica held were "
            f"finished by another {statistics.median(rec):.1f} s (median) / {max(rec):.1f} s (max) after the kill "
            f"({len(self.recoveries_s)} kills with claims in hand); all sent {self.drain_s:.1f} s after due"
        )


def run_chaos(
    url: str,
    workdir: Path,
    *,
    timers: int,
    kills: int,
    seed: int = 15,
    timeout: float = 120,
    slow: float = 0.4,
    spacing: tuple[float, float] = (1.5, 4.0),
) -> ChaosResult:
    from bench.bench_paging import schedule
    from bench.bench_paging import seed as seed_timers

    rng = random.Random(seed)
    config_path = write_config(workdir / "config", waits=("15m", "15m", "30m"), lease="60s")
    config = load_config(config_path, env={})
    log = workdir / "replicas.log"
    with SlackStandIn(signing_secret=SECRET, bot_token=TOKEN, rate_limits=False) as slack:
        posted = slack.user("U0REP1").post_message("C0ESCALATE", "chaos root")
        # Slack answers each post after `slow` s (the post takes effect first): kills land mid-send.
        slack.faults.add("chat.postMessage", hang=slow, takes_effect=True, times=None)
        job_ids = seed_timers(config, url, timers, MessageRef("C0ESCALATE", str(posted["ts"])))
        replicas = [BotProcess(config_path, url, slack.api_url, log) for _ in range(3)]
        with running(*replicas):
            for replica in replicas:
                replica.start()
            for replica in replicas:
                replica.wait_healthy(timeout=60)
            due = (datetime.now(UTC) + timedelta(seconds=2)).replace(microsecond=0) + timedelta(seconds=1)
            schedule(url, job_ids, [due] * timers)
            kill_times: list[datetime] = []
            orphaned: list[tuple[datetime, list[int]]] = []  # (kill time, jobs the victim held)
            deadline = time.monotonic() + timeout
            while len(page_counts(slack)) < timers and time.monotonic() < deadline:
                if len(kill_times) < kills and datetime.now(UTC) >= due:
                    time.sleep(rng.uniform(*spacing))  # spread over the burst, not all at its start
                    victim = rng.choice(replicas)
                    held = sql(
                        url,
                        "select id from jobs where state = 'running' and claimed_by like :me",
                        me=f"%:{victim.pid}:%",
                    )
                    victim.kill()
                    kill_times.append(datetime.now(UTC))
                    orphaned.append((kill_times[-1], [row.id for row in held]))
                    time.sleep(rng.uniform(0.2, 1.0))
                    victim.start()  # its successor on the same host takes its claims over at once
                else:
                    time.sleep(0.2)
            for replica in replicas:
                replica.stop()
        counts = page_counts(slack)
        dms = page_dms(slack)
    expected = {(f"ADS-{1000 + n}", 1, 1, PRIMARY) for n in range(1, timers + 1)}
    takeovers = Counter(re.findall(r"lease_expired_resend job=\S+ key=(\S+)", log.read_text()))
    duplicated = sum(n - 1 for n in counts.values() if n > 1)
    explained = sum(
        min(n - 1, takeovers[f"page.send:{int(case.split('-')[1]) - 1000}:g1:r{rnd}:l{lvl}:{user}"])
        for (case, rnd, lvl, user), n in counts.items()
        if n > 1
    )
    # Recovery: from a kill to the last job the killed replica held being finished by someone else.
    recoveries = []
    for killed_at, ids in orphaned:
        if ids:
            rows = sql(url, "select finished_at from jobs where id in (" + ",".join(map(str, ids)) + ")")
            finished = [as_utc(r.finished_at) for r in rows if r.finished_at is not None]
            if finished:
                recoveries.append((max(finished) - killed_at).total_seconds())
    last = max(p.call.at for p in dms) if dms else due
    timeline = Counter(int((p.call.at - due).total_seconds()) for p in dms)
    kills_at = [round((k - due).total_seconds(), 1) for k in kill_times]
    return ChaosResult(
        timers=timers,
        kills=len(kill_times),
        expected=len(expected),
        delivered=len(set(counts) & expected),
        duplicated=duplicated,
        duplicated_with_logged_takeover=explained,
        recoveries_s=recoveries,
        drain_s=(last - due).total_seconds(),
        timeline=dict(sorted(timeline.items())),
        kills_at=kills_at,
    )
