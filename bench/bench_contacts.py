"""Notification lateness: from a contact notification's due time to the Twilio stand-in receiving it.

The real bot (built by `build_bot`, real clock, the shipped tick) runs in this process against the
Slack stand-in (rate limits off) and the Twilio stand-in (over real HTTP). Cases are seeded through the
bot's own code (a posted case, its paging generation, and `schedule_contacts`, the same call the
escalation step makes), with a rule scaled to seconds: the 1st notification (SMS) at +0 s and the 2nd
(voice call) at +3 s after the page, like "SMS after 2 min, call after 5 min".

- isolated: a few pages, each alone in its tick — the floor (tick phase plus one pass);
- load: N pending notifications (default 1,000: N/2 pages x 2 rule steps) due within a short window.

Lateness = the stand-in's arrival time minus the job's `due_at` (both wall clock, same host), reported
per position n in the rule as p50 / p99 / max and as a ratio to the isolated p50 of the same run.
SQLite always; Postgres when `--postgres URL` is given or TEST_POSTGRES_URL answers.

Usage: python bench/bench_contacts.py [--notifications N] [--window S] [--sqlite-only] [--postgres URL]
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_paging import PrivateSchema  # noqa: E402
from sqlalchemy import bindparam, select, update  # noqa: E402

from bot.bootstrap import Secrets, build_bot  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.config.loader import load_config  # noqa: E402
from bot.config.model import Config  # noqa: E402
from bot.domain.case import MessageRef  # noqa: E402
from bot.domain.contact import ContactBook, ContactMethod, MethodKind, Person, Rule, Urgency  # noqa: E402
from bot.domain.intake import Intake  # noqa: E402
from bot.services.contact import schedule_contacts  # noqa: E402
from bot.services.handover import NOTIFY  # noqa: E402
from bot.services.paging import ESCALATE  # noqa: E402
from bot.store.engine import database_answers  # noqa: E402
from bot.store.store import Store  # noqa: E402
from bot.store.tables import JobRow  # noqa: E402
from slack_standin import SlackStandIn  # noqa: E402
from slack_standin.contacts.standins import ContactStandIns  # noqa: E402

SECRET, TOKEN = "bench-secret", "xoxb-sandbox"
STEP_AFTER = (timedelta(0), timedelta(seconds=3))  # the rule's 1st and 2nd notification
ISOLATED = 6


def bench_config(config: Config, url: str, people: int) -> Config:
    book = ContactBook(
        people={
            f"U0B{n:05d}": Person(
                f"U0B{n:05d}",
                {
                    MethodKind.SMS: ContactMethod(MethodKind.SMS, f"+659{n:07d}"),
                    MethodKind.VOICE: ContactMethod(MethodKind.VOICE, f"+659{n:07d}"),
                },
                {
                    Urgency.HIGH: (
                        Rule(MethodKind.SLACK),
                        Rule(MethodKind.SMS, STEP_AFTER[0]),
                        Rule(MethodKind.VOICE, STEP_AFTER[1]),
                    )
                },
            )
            for n in range(people)
        }
    )
    app = dataclasses.replace(config.app, store_url=url, digests=(), weekly_reports=(), max_attempts=8)
    return dataclasses.replace(config, app=app, contacts=book)


def seed(bot, pages: int, *, first: int, paged_at: list[datetime], root: MessageRef) -> dict[str, tuple[int, datetime]]:
    """`pages` posted SEV1 cases, each with its rule's notifications queued; human id → (case, paged_at)."""
    config, flow = bot.config, bot.config.flow("prelaunch_review")
    now = datetime.now(UTC)
    seeded = {}
    with bot.store.transaction() as tx:
        for i in range(pages):
            n = first + i
            case = tx.cases.add(
                Intake(
                    flow_id=flow.id,
                    reporter_id="U0REP1",
                    severity=flow.severity("sev1"),
                    severity_reasons=("bench",),
                    advertiser=f"Bench {n}",
                    campaign=f"Campaign {n}",
                    market="SG",
                    deadline_at=now + timedelta(hours=3),
                    summary="Bench case",
                    sensitive=False,
                    source_channel_id="C0SALES",
                ),
                now=now,
                intake_key=f"bench:{n}",
            )
            tx.cases.set_root(case.id, root, now=now)
            tx.cases.add_event(case.id, kind="details_posted", now=now)
            generation = tx.cases.next_paging_generation(case.id, now=now)
            schedule_contacts(
                tx,
                tx.cases.get(case.id),
                config=config,
                enabled=frozenset(MethodKind),
                user_id=f"U0B{n:05d}",
                generation=generation,
                round=1,
                level=1,
                paged_at=paged_at[i],
                now=now,
            )
            tx.jobs.cancel_for_case(case.id, kinds=(ESCALATE,), now=now)
            seeded[tx.cases.get(case.id).human_id] = (case.id, paged_at[i])
    return seeded


def reschedule(
    bot, seeded: dict[str, tuple[int, datetime]], paged_at: list[datetime]
) -> dict[str, tuple[int, datetime]]:
    """Give the parked notifications their due times (page time + the rule's delay), in one transaction."""
    moved = {}
    with bot.store.transaction() as tx:
        rows = []
        for (human, (case_id, _parked)), at in zip(seeded.items(), paged_at, strict=True):
            jobs = tx.session.execute(
                select(JobRow.id, JobRow.key).where(JobRow.case_id == case_id, JobRow.kind == NOTIFY)
            ).all()
            for job_id, key in jobs:
                position = 1 if key.endswith("voice") else 0
                rows.append({"job_id": job_id, "due": at + STEP_AFTER[position]})
            moved[human] = (case_id, at)
        stmt = update(JobRow).where(JobRow.id == bindparam("job_id")).values(due_at=bindparam("due"))
        tx.session.connection().execute(stmt, rows)
    return moved


def lateness(phones: ContactStandIns, seeded: dict[str, tuple[int, datetime]], timeout: float) -> list[list[float]]:
    """Per rule position n (0: SMS, 1: call), the lateness in seconds of every notification received."""
    want = len(seeded) * len(STEP_AFTER)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = [s for s in phones.twilio.sent if s.body.split(" ")[0] in seeded or s.kind == "call"]
        if len([s for s in got if _human(s, seeded)]) >= want:
            break
        time.sleep(0.1)
    out: list[list[float]] = [[], []]
    for sent in phones.twilio.sent:
        human = _human(sent, seeded)
        if human is None:
            continue
        position = 0 if sent.kind == "sms" else 1
        due = seeded[human][1] + STEP_AFTER[position]
        out[position].append((sent.at - due).total_seconds())
    return out


def _human(sent, seeded) -> str | None:
    if sent.kind == "sms":
        human = sent.body.split(" ")[0]
        return human if human in seeded else None
    case_id = sent.params.get("Url", "").split("case=")[-1].split("&")[0]
    for human, (cid, _) in seeded.items():
        if str(cid) == case_id:
            return human
    return None


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def run(store_label: str, url: str, notifications: int, window: float) -> None:
    config = load_config(ROOT / "app.yaml", env={})
    pages = notifications // len(STEP_AFTER)
    config = bench_config(config, url, ISOLATED + pages)
    with (
        SlackStandIn(signing_secret=SECRET, bot_token=TOKEN, rate_limits=False) as slack,
        ContactStandIns(SystemClock()) as phones,
    ):
        phones.twilio.per_second = 100_000
        phones.twilio._window.limit = 100_000
        bot = build_bot(
            config,
            secrets=Secrets(bot_token=TOKEN, signing_secret=SECRET, api_url=slack.api_url),
            store=Store.open(url, prefix=config.app.case_prefix),
            env=phones.env(),
        )
        posted = slack.user("U0REP1").post_message("C0ESCALATE", "bench root")
        root = MessageRef("C0ESCALATE", str(posted["ts"]))
        parked = datetime.now(UTC) + timedelta(days=1)  # seeded before the bot runs, then given due times
        t0 = time.monotonic()
        isolated = seed(bot, ISOLATED, first=0, root=root, paged_at=[parked] * ISOLATED)
        loaded = seed(bot, pages, first=ISOLATED, root=root, paged_at=[parked] * pages)
        seed_s = time.monotonic() - t0
        bot.start(http_port=0)
        assert bot.http is not None
        slack.bot_url = bot.http.url
        phones.point_at(f"http://127.0.0.1:{bot.http.port}")
        try:
            start = datetime.now(UTC) + timedelta(seconds=2)
            isolated = reschedule(bot, isolated, [start + timedelta(seconds=7 * i) for i in range(ISOLATED)])
            base = lateness(phones, isolated, timeout=7 * ISOLATED + 20)
            floor = statistics.median(base[0] + base[1])
            phones.twilio.sent.clear()
            start = datetime.now(UTC) + timedelta(seconds=3)
            spread = [start + timedelta(seconds=window * i / max(1, pages - 1)) for i in range(pages)]
            loaded = reschedule(bot, loaded, spread)
            result = lateness(phones, loaded, timeout=window + 180)
        finally:
            bot.stop()
    tick = config.app.tick_seconds
    print(
        f"\n{store_label}: {notifications} pending notifications ({pages} pages x {len(STEP_AFTER)}), "
        f"due within {window:.0f} s; tick {tick} s; seeding took {seed_s:.1f} s"
    )
    print(f"  isolated (n=1 and n=2, {len(base[0]) + len(base[1])} sent): p50 {floor * 1000:.0f} ms")
    for position, values in enumerate(result):
        name = ("1st (SMS at +0 s)", "2nd (call at +3 s)")[position]
        p50, p99, top = pct(values, 0.5), pct(values, 0.99), max(values) if values else float("nan")
        print(
            f"  {name}: {len(values)}/{pages} received; p50 {p50 * 1000:.0f} ms  p99 {p99 * 1000:.0f} ms  "
            f"max {top * 1000:.0f} ms;  p50/isolated {p50 / floor:.1f}x  p99/isolated {p99 / floor:.1f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notifications", type=int, default=1000)
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument(
        "--postgres", default=os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    )
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgres-only", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    if not args.postgres_only:
        with tempfile.TemporaryDirectory() as tmp:
            run("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", args.notifications, args.window)
    if args.sqlite_only:
        return
    why_not = database_answers(args.postgres)
    if why_not is not None:
        print(f"\nPostgres skipped: {why_not}")
    else:
        schema = PrivateSchema(args.postgres)
        try:
            run("Postgres", schema.url, args.notifications, args.window)
        finally:
            schema.drop()


if __name__ == "__main__":
    main()
