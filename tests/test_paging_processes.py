"""Exactly-once paging proved with real processes, real time and real HTTP.

The bot runs as `python -m bot.cli serve --http` against the Slack stand-in, on a copy of the shipped
configuration whose rota keeps one known person on every layer at all times (primary U0SPEC1,
secondary U0SPEC2, lead U0LEAD1) and whose policy waits a few seconds per level. A SEV1 is filed
through signed requests; the tests then kill -9 the bot, run two replicas on one Postgres, or make
Slack fail, and count every page DM at the stand-in.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import random
import re
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config.loader import load_config
from bot.domain import rota
from bot.services.paging import ESCALATE, LEADS_ALERT, SEND
from bot.store.store import Store
from slack_standin import SlackStandIn
from tests.conftest import postgres_schema_url
from tests.paging_procs import (
    LEAD,
    PRIMARY,
    SECONDARY,
    SECRET,
    TOKEN,
    BotProcess,
    as_utc,
    job_rows,
    page_attempt,
    page_counts,
    page_dms,
    running,
    wait_until,
    write_config,
)
from tests.slack.conftest import open_flow, prelaunch_values

pytestmark = [pytest.mark.timeout(90), pytest.mark.usefixtures("bots_on_the_wall_clock")]


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(signing_secret=SECRET, bot_token=TOKEN) as running_standin:
        yield running_standin


def expected_people(config_path: Path) -> list[str]:
    """Who each policy level pages now, from the rota of the test configuration (one person a level)."""
    config = load_config(config_path, env={})
    layers = rota.on_call(config.schedules["ads-policy-oncall"], datetime.now(UTC))
    assert layers == {"primary": (PRIMARY,), "secondary": (SECONDARY,), "lead": (LEAD,)}, layers
    return [layers["primary"][0], layers["secondary"][0], LEAD]


def file_sev1(standin: SlackStandIn, *, advertiser: str = "Acme Foods", campaign: str = "Spring launch") -> None:
    """A pre-launch review with a deadline 3 h away: SEV1, paged at once."""
    person = open_flow(standin, "U0REP1", "prelaunch_review")
    deadline = (datetime.now(UTC) + timedelta(hours=3)).replace(microsecond=0)
    response = person.submit_view(prelaunch_values(advertiser=advertiser, campaign=campaign, deadline=deadline))
    assert response.status == 200, response.body


def due_at(url: str, key: str) -> datetime:
    [row] = [r for r in job_rows(url) if r.key == key]
    return as_utc(row.due_at)


def escalation(case: str, levels: int, rounds: int, people: list[str]) -> set[tuple[str, int, int, str]]:
    return {(case, r, lvl, people[lvl - 1]) for r in range(1, rounds + 1) for lvl in range(1, levels + 1)}


def test_kill_9_between_levels_then_restart_pages_the_next_level_on_time_and_nothing_twice(
    standin: SlackStandIn, tmp_path: Path
):
    config = write_config(tmp_path / "config", waits=("5s", "3s", "3s"), repeat=0)
    people = expected_people(config)
    db = f"sqlite:///{tmp_path / 'bot.db'}"
    log = tmp_path / "bot.log"
    first = BotProcess(config, db, standin.api_url, log)
    second = BotProcess(config, db, standin.api_url, log)
    with running(first, second):
        first.start().wait_healthy()
        standin.bot_url = first.url
        file_sev1(standin)
        wait_until(lambda: [p for p in page_dms(standin) if p.level == 1])
        # Kill once the level-1 page is committed: a kill inside the send window may rightly repeat
        # it (see the next tests); here nothing may repeat.
        wait_until(lambda: [r for r in job_rows(db, [SEND]) if r.state == "done"])
        level2_due = due_at(db, "escalate:1:g1:r1:l2")
        first.kill()
        killed_at = datetime.now(UTC)
        assert killed_at < level2_due - timedelta(seconds=2), "the kill came too late to test a restart"
        assert [p for p in page_dms(standin) if p.level > 1] == []

        second.start().wait_healthy()
        level2 = wait_until(lambda: [p for p in page_dms(standin) if p.level == 2], timeout=15)[0]
        level3_due = due_at(db, "escalate:1:g1:r1:l3")
        # Due → the next tick runs the step and, in the same pass, its page DM: never early, and in
        # order (how late is a figure for bench/bench_paging.py, not a test: a loaded machine is slow).
        print(f"level 2 paged {(level2.call.at - level2_due).total_seconds():.2f} s after its due time")
        assert level2_due <= level2.call.at
        level3 = wait_until(lambda: [p for p in page_dms(standin) if p.level == 3], timeout=15)[0]
        assert level3_due <= level3.call.at
        assert [p.level for p in page_dms(standin)][:3] == [1, 2, 3]
        wait_until(lambda: all(r.state == "done" for r in job_rows(db, [LEADS_ALERT, ESCALATE, SEND])), timeout=15)
        second.stop()

    assert page_counts(standin) == Counter(escalation("ADS-1001", 3, 1, people))
    assert not [key for key in resends_logged(log.read_text()) if key.startswith(SEND)]


def resends_logged(log_text: str) -> Counter[str]:
    """Job keys taken over after a lease ran out, as the bot logged them."""
    return Counter(re.findall(r"lease_expired_resend job=\S+ key=(\S+)", log_text))


def send_key(page: tuple[str, int, int, str]) -> str:
    case, round_, level, user = page
    return f"page.send:{int(case.split('-')[1]) - 1000}:g1:r{round_}:l{level}:{user}"


def assert_lost_nothing_and_repeats_only_after_a_logged_takeover(
    standin: SlackStandIn, expected: set[tuple[str, int, int, str]], log_text: str
) -> Counter[tuple[str, int, int, str]]:
    counts = page_counts(standin)
    assert set(counts) == expected, f"missing {expected - set(counts)}, unexpected {set(counts) - expected}"
    resent = resends_logged(log_text)
    for page, count in counts.items():
        # A repeat is allowed only where the worker died between Slack's 200 and its commit, and
        # the process that took the claim over said so.
        assert count - 1 <= resent[send_key(page)], f"{page} sent {count} times; takeovers logged: {dict(resent)}"
    return counts


def test_kill_between_slacks_200_and_the_commit_finds_the_page_in_history_and_sends_it_once(
    standin: SlackStandIn, tmp_path: Path
):
    config = write_config(tmp_path / "config", waits=("2s", "2s", "2s"), repeat=0, lease="3s")
    people = expected_people(config)
    db = f"sqlite:///{tmp_path / 'bot.db'}"
    log = tmp_path / "bot.log"
    # Slack posts the level-2 page, then holds its answer: the bot has sent but not committed.
    standin.faults.add(
        "chat.postMessage",
        hang=4.0,
        takes_effect=True,
        where=lambda args: args.get("channel") == people[1] and str(args.get("text", "")).startswith("Paged:"),
    )
    first = BotProcess(config, db, standin.api_url, log)
    second = BotProcess(config, db, standin.api_url, log)
    with running(first, second):
        first.start().wait_healthy()
        standin.bot_url = first.url
        file_sev1(standin)
        wait_until(lambda: [m for m in standin.dm_messages(people[1]) if m["text"].startswith("Paged:")], timeout=10)
        first.kill()
        second.start().wait_healthy()
        wait_until(lambda: len(page_dms(standin)) >= 3, timeout=20)
        wait_until(lambda: all(r.state == "done" for r in job_rows(db, [LEADS_ALERT, ESCALATE, SEND])), timeout=15)
        second.stop()

    log_text = log.read_text()
    counts = assert_lost_nothing_and_repeats_only_after_a_logged_takeover(
        standin, escalation("ADS-1001", 3, 1, people), log_text
    )
    # The page reached Slack before the kill; the successor found it in the DM's history (its job key
    # in the message metadata) and recorded it as sent instead of paging the person again.
    assert counts[("ADS-1001", 1, 2, people[1])] == 1
    assert f"already_sent key={SEND}:1:g1:r1:l2:{people[1]}" in log_text
    # The new process took the claim over when its lease ran out, and said so (other jobs of the same
    # claimed batch, e.g. the thread note, may be taken over too).
    page_takeovers = {k: n for k, n in resends_logged(log_text).items() if k.startswith(SEND)}
    assert page_takeovers == {f"{SEND}:1:g1:r1:l2:{people[1]}": 1}
    assert sum(counts.values()) == 3


def test_sigkill_at_random_moments_during_a_whole_escalation_loses_no_page(standin: SlackStandIn, tmp_path: Path):
    seed = int(os.environ.get("PAGING_CHAOS_SEED", "20261125"))
    rng = random.Random(seed)
    config = write_config(tmp_path / "config", waits=("2s", "2s", "2s"), repeat=1, lease="3s")
    people = expected_people(config)
    db = f"sqlite:///{tmp_path / 'bot.db'}"
    log = tmp_path / "bot.log"
    bots = [BotProcess(config, db, standin.api_url, log) for _ in range(5)]
    with running(*bots):
        bots[0].start().wait_healthy()
        standin.bot_url = bots[0].url
        file_sev1(standin)
        kills = []
        for n, (bot, successor) in enumerate(itertools.pairwise(bots)):
            if n % 2 == 0:
                # The instant Slack has answered a page 200: likely before the bot has committed it.
                mark = max((c.seq for c in standin.calls()), default=0)
                with contextlib.suppress(TimeoutError):  # no page left to come: kill anyway
                    standin.wait_for_call(
                        "chat.postMessage",
                        where=lambda c, mark=mark: c.seq > mark and c.ok and page_attempt(c),
                        timeout=10,
                    )
            else:
                time.sleep(rng.uniform(0.2, 1.5))
            bot.kill()
            kills.append(datetime.now(UTC).isoformat(timespec="milliseconds"))
            successor.start().wait_healthy()
        last = bots[-1]
        wait_until(lambda: len(set(page_counts(standin))) == 6, timeout=30)
        final_alert = f"{LEADS_ALERT}:1:g1:r2:l3:unanswered"
        wait_until(lambda: any(r.key == final_alert and r.state == "done" for r in job_rows(db)), timeout=15)
        last.stop()

    log_text = log.read_text()
    counts = assert_lost_nothing_and_repeats_only_after_a_logged_takeover(
        standin, escalation("ADS-1001", 3, 2, people), log_text
    )
    assert not [r for r in job_rows(db) if r.state == "failed"]
    print(f"seed {seed}: kills at {kills}; pages {dict(counts)}; takeovers {dict(resends_logged(log_text))}")
    # A takeover after Slack's 200 finds the page in the DM's history: no page twice, not even then.
    assert set(counts.values()) == {1}, dict(counts)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from postgres_schema_url()


@pytest.mark.postgres
def test_two_replicas_on_one_postgres_send_every_page_exactly_once(tmp_path: Path, postgres_url: str):
    cases, rounds = 20, 2
    config = write_config(tmp_path / "config", waits=("1s", "1s", "1s"), repeat=rounds - 1)
    people = expected_people(config)
    Store.open(postgres_url).close()  # the schema, once, before two processes race to create it
    with SlackStandIn(signing_secret=SECRET, bot_token=TOKEN, rate_limits=False) as standin:
        replicas = [BotProcess(config, postgres_url, standin.api_url, tmp_path / f"bot{i}.log") for i in range(2)]
        with running(*replicas):
            for replica in replicas:
                replica.start()
            for replica in replicas:
                replica.wait_healthy()
            for n in range(cases):
                standin.bot_url = replicas[n % 2].url  # alternate which replica Slack talks to
                file_sev1(standin, advertiser=f"Advertiser {n}", campaign=f"Campaign {n}")
            expected = set().union(*(escalation(f"ADS-{1001 + n}", 3, rounds, people) for n in range(cases)))
            wait_until(lambda: set(page_counts(standin)) >= expected, timeout=30)
            wait_until(lambda: all(r.state == "done" for r in job_rows(postgres_url, [ESCALATE, SEND])), timeout=15)
            for replica in replicas:
                replica.stop()
        counts = page_counts(standin)

    assert set(counts) == expected
    assert [page for page, count in counts.items() if count != 1] == []
    assert sum(counts.values()) == cases * rounds * 3
    workers = Counter(str(r.claimed_by).rsplit(":", 2)[1] for r in job_rows(postgres_url, [ESCALATE, SEND]))
    pids = {str(replica.pid) for replica in replicas}
    assert set(workers) == pids and min(workers.values()) > 0, workers
    assert not [r for r in job_rows(postgres_url) if r.state == "failed"]


@pytest.mark.postgres
def test_slow_slack_with_two_replicas_sends_each_page_of_a_batch_once(tmp_path: Path, postgres_url: str):
    """Regression: a batch of sends shared one lease; behind slow Slack calls, the next page's lease ran out
    before its own call started, the other replica took it over, and it was sent twice without a crash."""
    # Level 1 pages three people at once: three page.send jobs, claimed together in one batch.
    everyone = [
        {"schedule": "ads-policy-oncall", "layer": "primary"},
        {"schedule": "ads-policy-oncall", "layer": "secondary"},
        {"user": LEAD},
    ]
    config = write_config(tmp_path / "config", waits=("30s", "30s", "30s"), lease="5s", first_level_targets=everyone)
    people = expected_people(config)
    Store.open(postgres_url).close()
    with SlackStandIn(signing_secret=SECRET, bot_token=TOKEN, rate_limits=False) as standin:
        # Slack is slow: the first two page DMs take 4 s each (each under the 5 s lease and the 10 s client
        # timeout; together over the lease).
        standin.faults.add(
            "chat.postMessage", hang=4.0, times=2, where=lambda a: str(a.get("text", "")).startswith("Paged:")
        )
        logs = [tmp_path / f"bot{i}.log" for i in range(2)]
        replicas = [BotProcess(config, postgres_url, standin.api_url, log) for log in logs]
        with running(*replicas):
            for replica in replicas:
                replica.start()
            for replica in replicas:
                replica.wait_healthy()
            standin.bot_url = replicas[0].url
            file_sev1(standin)
            wait_until(lambda: len(set(page_counts(standin))) == 3, timeout=20)
            # Both slow calls answered, and the worker that made them has had time to go on.
            wait_until(lambda: len([c for c in standin.calls("chat.postMessage") if c.fault]) == 2, timeout=20)
            # Every page committed as sent: a replica that took one over would have re-sent it before.
            wait_until(lambda: all(r.state == "done" for r in job_rows(postgres_url, [SEND])), timeout=20)
            for replica in replicas:
                replica.stop()
        counts = page_counts(standin)
    log_text = "".join(log.read_text() for log in logs)
    assert counts == Counter({("ADS-1001", 1, 1, person): 1 for person in people}), counts
    assert "tick failed" not in log_text


def test_slack_429_then_503_for_a_while_every_page_lands_later_none_before_retry_after(
    standin: SlackStandIn, tmp_path: Path
):
    config = write_config(tmp_path / "config", waits=("3s", "3s", "3s"), repeat=0, retry_base="1s")
    people = expected_people(config)
    db = f"sqlite:///{tmp_path / 'bot.db'}"
    bot = BotProcess(config, db, standin.api_url, tmp_path / "bot.log")
    with running(bot):
        bot.start().wait_healthy()
        standin.bot_url = bot.url
        outage = time.monotonic()
        rate_limited_until, down_until = outage + 2.0, outage + 4.5

        # Every chat.postMessage: 429 (Retry-After: 1) for 2 s, then 503 until 4.5 s.
        standin.faults.add(
            "chat.postMessage",
            status=429,
            retry_after=1,
            times=None,
            where=lambda _: time.monotonic() < rate_limited_until,
        )
        standin.faults.add("chat.postMessage", status=503, times=None, where=lambda _: time.monotonic() < down_until)
        file_sev1(standin)
        wait_until(lambda: len(page_dms(standin)) == 3, timeout=25)
        wait_until(lambda: all(r.state == "done" for r in job_rows(db, [LEADS_ALERT, ESCALATE, SEND])), timeout=15)
        bot.stop()

    assert page_counts(standin) == Counter(escalation("ADS-1001", 3, 1, people))
    posts = standin.calls("chat.postMessage")
    statuses = Counter(c.status for c in posts)
    assert statuses[429] and statuses[503], statuses
    page_statuses = [c.status for c in posts if page_attempt(c)]
    assert 429 in page_statuses and 503 in page_statuses, page_statuses  # the outage hit pages, not only posts
    attempts: dict[tuple[object, ...], list] = {}
    for call in posts:
        message = (call.args.get("channel"), call.args.get("text"), call.args.get("thread_ts"))
        attempts.setdefault(message, []).append(call)
    for message, calls in attempts.items():
        for before, after in itertools.pairwise(calls):
            waited = after.monotonic - before.monotonic
            if before.status == 429:
                assert waited >= int(before.response_headers["Retry-After"]), (message, waited)
            assert waited >= 0.9, f"{message} retried after {waited:.2f} s (retry_base is 1 s)"
        # Landed, and no tight loop: each retry waited >= 0.9 s (above), so a 4.5 s outage holds at most
        # 4.5 / 0.9 failed calls before the one that lands, however soon after the outage began the first
        # call went out (the ack now hands the post to the runner at once, so it can start at 0 s).
        most = int((down_until - outage) / 0.9) + 1
        assert calls[-1].ok and len(calls) <= most, [c.status for c in calls]
    for page in page_dms(standin):
        # Late, but bounded: on time when due after the outage, else within the backoff after it.
        due = due_at(db, f"escalate:1:g1:r1:l{page.level}")
        late_by = (page.call.at - due).total_seconds()
        assert late_by < 2.0 or page.call.monotonic < down_until + 9.0, (page.key, late_by)
    assert not [r for r in job_rows(db) if r.state == "failed"]
