"""Slack misbehaving for a while, against the real bot as a process: a hang past the client's deadline,
a 429 storm with Retry-After 1-5 s, a revoked token. Each scenario files SEV1 cases, lets nobody
acknowledge, and counts the page DMs in the stand-in's workspace by the job key each carries in its
metadata: expected, delivered, duplicated. Used by tests (short windows) and bench (long ones)."""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from slack_standin import SlackStandIn
from tests.paging_procs import (
    LEAD,
    SECRET,
    TOKEN,
    BotProcess,
    as_utc,
    job_rows,
    running,
    wait_until,
    write_config,
)
from tests.slack.conftest import open_flow, prelaunch_values

_PAGE_KEY = re.compile(r"^page\.send:(\d+):g\d+:r(\d+):l(\d+):(U\w+)$")


@dataclass(frozen=True)
class Measure:
    scenario: str
    expected: int
    delivered: int
    duplicated: int
    detail: str = ""

    def line(self) -> str:
        return (
            f"{self.scenario}: pages expected {self.expected}, delivered {self.delivered}, "
            f"duplicated {self.duplicated}{' · ' + self.detail if self.detail else ''}"
        )


def page_messages(standin: SlackStandIn) -> Counter[tuple[int, int, int, str]]:
    """(case number, round, level, user) → messages in the workspace carrying that page job's key."""
    found: Counter[tuple[int, int, int, str]] = Counter()
    for (key, _part), count in standin.posted_by_job().items():
        match = _PAGE_KEY.match(key)
        if match:
            found[(int(match[1]), int(match[2]), int(match[3]), match[4])] += count
    return found


def _window(seconds: float) -> Any:
    end = time.monotonic() + seconds
    return lambda _args: time.monotonic() < end


def run(kind: str, *, seconds: float, folder: Path, cases: int = 3, seed: int = 20261203) -> Measure:
    """One scenario: `kind` is "hang", "storm" or "revoked"; the fault lasts `seconds`."""
    rng = random.Random(seed)
    # The first level waits longer than the fault lasts, as real policies (minutes) outlast a Slack
    # incident of a minute: otherwise the policy moves on while Slack refuses, and a page for a level
    # already passed is rightly not sent (paging skips stale pages) — nothing to measure there.
    first_wait = f"{int(seconds) + 15}s"
    config = write_config(folder / "config", waits=(first_wait, "2s", "2s"), repeat=0, lease="8s")
    text = config.read_text().replace("  max_attempts: 8\n", "  max_attempts: 8\n  send_deadline: 2s\n")
    config.write_text(text)
    people = ["U0SPEC1", "U0SPEC2", LEAD]
    db = f"sqlite:///{folder / 'bot.db'}"
    log = folder / "bot.log"
    detail = ""
    with SlackStandIn(signing_secret=SECRET, bot_token=TOKEN) as standin:
        bot = BotProcess(config, db, standin.api_url, log)
        with running(bot):
            bot.start().wait_healthy()
            standin.bot_url = bot.url
            window = _window(seconds)
            if kind == "hang":  # Slack posts, then answers after the client's 2 s deadline
                standin.faults.add("chat.postMessage", hang=3.0, takes_effect=True, times=None, where=window)
            elif kind == "storm":  # 429 on every post, Retry-After 1-5 s, changing every second
                start = time.monotonic()
                for second in range(int(seconds)):
                    lo, hi = start + second, start + second + 1
                    standin.faults.add(
                        "chat.postMessage",
                        status=429,
                        retry_after=rng.randint(1, 5),
                        times=None,
                        where=lambda _a, lo=lo, hi=hi: lo <= time.monotonic() < hi,
                    )
            reps = ["U0REP1", "U0REP2", "U0REP3"][:cases]  # one open form per person
            forms = [open_flow(standin, rep, "prelaunch_review") for rep in reps]
            if kind == "revoked":  # revoked while the reps fill in their forms
                standin.refuse_token("token_revoked")
            deadline = (datetime.now(UTC) + timedelta(hours=3)).replace(microsecond=0)
            for n, form in enumerate(forms):
                values = prelaunch_values(advertiser=f"Advertiser {n}", campaign="Spring", deadline=deadline)
                assert form.submit_view(values).status == 200
            expected = {(n, 1, level, people[level - 1]) for n in range(1, cases + 1) for level in (1, 2, 3)}
            if kind == "revoked":
                time.sleep(seconds)  # the token stays revoked this long, whatever the bot does
                standin.restore_token()
            try:
                wait_until(lambda: set(page_messages(standin)) >= expected, timeout=seconds + 60)
            except TimeoutError:
                missing = expected - set(page_messages(standin))
                rows = [(r.key, r.state, r.attempts, str(r.due_at)) for r in job_rows(db) if r.state != "done"]
                raise AssertionError(f"{kind}: pages missing {sorted(missing)}; unfinished jobs {rows}") from None
            wait_until(lambda: _pages_settled(db), timeout=30)
            bot.stop()
        counts = page_messages(standin)
        if kind == "storm":
            detail = _storm_detail(standin)
        failed = [r.key for r in job_rows(db) if r.state == "failed"]
        if failed:
            detail += f" · failed jobs {failed}"
    delivered = len(set(counts) & expected)
    duplicated = sum(n - 1 for n in counts.values())
    return Measure(kind, len(expected), delivered, duplicated, detail.strip(" ·"))


def _pages_settled(db: str) -> bool:
    """No page job running or overdue: each has been sent, found in history, or given up."""
    now = datetime.now(UTC)
    rows = [r for r in job_rows(db) if r.kind == "page.send"]
    return not [r for r in rows if r.state == "running" or (r.state == "pending" and as_utc(r.due_at) <= now)]


def _storm_detail(standin: SlackStandIn) -> str:
    """How many 429s were followed, before their Retry-After ran out, by a post to the same channel
    that started after the 429 was answered (half a second of grace for a post already on its way)."""
    calls = standin.calls("chat.postMessage")
    limited = [c for c in calls if c.status == 429]
    early = 0
    for c in limited:
        retry_after = float((c.response_headers or {}).get("Retry-After", "1"))
        same = [d for d in calls if d.seq > c.seq and d.args.get("channel") == c.args.get("channel")]
        if any(0.5 < d.monotonic - c.monotonic < retry_after - 0.1 for d in same):
            early += 1
    return f"{len(limited)} 429s, {early} followed early by another post"
