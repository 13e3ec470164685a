"""The core scenarios at several moments of the week: what the bot must do differently at each.

Each position is a parameter with a readable id — a Singapore weekday in business hours, a weekday
night, Saturday night, a Singapore public holiday (the in-lieu Monday of Deepavali 2026), and a rota
in Europe/London across the spring-forward change — and states what must happen there: paged now or
held to business hours (and until when), who is on call, when the SLA warns and breaches, when the
deadline reminders and the digest come. Everything runs through signed requests and the stand-in.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from bot.config.loader import load_config
from bot.config.model import Config
from bot.domain import rota
from bot.domain.digest_schedule import DAYS, DigestSchedule
from bot.services.handoffs import plan_handoffs
from slack_standin import SlackStandIn
from tests.paging_procs import as_utc, job_rows
from tests.slack.conftest import file_case, ticks_pass, wait_until

ROOT = Path(__file__).resolve().parents[2]
SGT = ZoneInfo("Asia/Singapore")
LONDON = ZoneInfo("Europe/London")


@dataclasses.dataclass(frozen=True)
class Moment:
    """A position of the clock and what the shipped rota and policies must do there."""

    at: datetime
    zone: ZoneInfo
    sev3_first_page_at: datetime  # a SEV3 (business-hours timing) is paged then: now, or held until then
    sev1_paged: str  # who a SEV1 pages at once (the primary on call at `at`)
    sev3_ack_warning_at: datetime  # 80 % of the SEV3 acknowledge SLA (4 business hours)
    sev3_ack_breach_at: datetime
    next_weekday_digest_at: datetime  # the next 09:00 digest of a `days: weekdays` schedule
    next_primary_handoff: tuple[datetime, str]  # when the primary changes hands next, and to whom

    @property
    def held(self) -> bool:
        return self.sev3_first_page_at > self.at


def sgt(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SGT)


def london(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=LONDON)


# Week of Mon 30 Nov 2026: business-hours primary U0SPEC3, after-hours U0SPEC1; the weekend from
# Sat 5 Dec 09:00: U0SPEC2. Week of Mon 9 Nov: the holiday belongs to the weekend-holiday rotation
# (U0SPEC1, since Sat 7 Nov), business hours Tue 10 Nov to U0SPEC3. Week of Mon 29 Mar 2027: U0SPEC2.
MOMENTS = {
    "sg-weekday-1500-business-hours": Moment(
        at=sgt(12, 2, 15),
        zone=SGT,
        sev3_first_page_at=sgt(12, 2, 15),
        sev1_paged="U0SPEC3",
        sev3_ack_warning_at=sgt(12, 3, 9, 12),  # Wed 15:00-18:00 is 3 h, then Thu from 09:00
        sev3_ack_breach_at=sgt(12, 3, 10),
        next_weekday_digest_at=sgt(12, 3, 9),
        next_primary_handoff=(sgt(12, 2, 18), "U0SPEC1"),  # business hours end: the night rotation
    ),
    "sg-weekday-2300-night": Moment(
        at=sgt(12, 2, 23),
        zone=SGT,
        sev3_first_page_at=sgt(12, 3, 9),
        sev1_paged="U0SPEC1",
        sev3_ack_warning_at=sgt(12, 3, 12, 12),
        sev3_ack_breach_at=sgt(12, 3, 13),
        next_weekday_digest_at=sgt(12, 3, 9),
        next_primary_handoff=(sgt(12, 3, 9), "U0SPEC3"),
    ),
    "sg-saturday-2200-weekend": Moment(
        at=sgt(12, 5, 22),
        zone=SGT,
        sev3_first_page_at=sgt(12, 7, 9),
        sev1_paged="U0SPEC2",
        sev3_ack_warning_at=sgt(12, 7, 12, 12),
        sev3_ack_breach_at=sgt(12, 7, 13),
        next_weekday_digest_at=sgt(12, 7, 9),  # not Sunday
        next_primary_handoff=(sgt(12, 7, 9), "U0SPEC1"),  # a new week of business hours
    ),
    "sg-holiday-deepavali-in-lieu-monday-1100": Moment(
        at=sgt(11, 9, 11),
        zone=SGT,
        sev3_first_page_at=sgt(11, 10, 9),  # business hours never fall on a public holiday
        sev1_paged="U0SPEC1",
        sev3_ack_warning_at=sgt(11, 10, 12, 12),
        sev3_ack_breach_at=sgt(11, 10, 13),
        next_weekday_digest_at=sgt(11, 10, 9),
        # At midnight the holiday rotation hands over to the night rotation: the same person, who is
        # told which shift they are on now.
        next_primary_handoff=(sgt(11, 10, 0), "U0SPEC1"),
    ),
    "london-saturday-2200-before-spring-forward": Moment(
        at=london(3, 27, 22),  # GMT; the clocks go forward at 01:00 on Sunday 28 March 2027
        zone=LONDON,
        sev3_first_page_at=london(3, 29, 9),  # 09:00 BST, which is 08:00 UTC, not 09:00 UTC
        sev1_paged="U0SPEC3",
        sev3_ack_warning_at=london(3, 29, 12, 12),
        sev3_ack_breach_at=london(3, 29, 13),
        next_weekday_digest_at=london(3, 29, 9),
        next_primary_handoff=(london(3, 29, 9), "U0SPEC2"),
    ),
}


@pytest.fixture(scope="module")
def london_config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    """The shipped configuration with the team, its rota and its holidays in Europe/London."""
    folder = tmp_path_factory.mktemp("london")
    for name in ("escalation_flows", "oncall_schedules", "policy_guides"):
        shutil.copytree(ROOT / name, folder / name)
    app = (ROOT / "app.yaml").read_text().replace("timezone: Asia/Singapore", "timezone: Europe/London")
    (folder / "app.yaml").write_text(app.replace("country: SG", "country: GB"))
    rota = folder / "oncall_schedules" / "ads-policy-oncall.yaml"
    rota.write_text(
        rota.read_text()
        .replace("timezone: Asia/Singapore", "timezone: Europe/London")
        .replace("country: SG", "country: GB")
    )
    return load_config(folder / "app.yaml", env={})


@pytest.fixture(params=list(MOMENTS), ids=list(MOMENTS))
def moment(request: pytest.FixtureRequest) -> Moment:
    return MOMENTS[request.param]


@pytest.fixture
def clock(moment: Moment) -> FakeClock:
    return FakeClock(moment.at, ticking=True)


@pytest.fixture
def moment_bot(make_bot, moment: Moment, clock: FakeClock, london_config: Config):
    digests = (DigestSchedule(channel_id="C0LEADS", at=time(9, 0), days=DAYS["weekdays"], timezone=moment.zone),)
    config = london_config if moment.zone is LONDON else None
    return make_bot(clock=clock, config=config, digests=digests)


def page_dms(standin: SlackStandIn) -> list[tuple[str, str]]:
    """(user, text) of each first-try page DM."""
    return [
        (c.args["channel"], c.args["text"])
        for c in standin.calls("chat.postMessage")
        if c.ok and c.args["channel"].startswith("U") and c.args["text"].startswith("Paged:")
    ]


def thread_texts(standin: SlackStandIn, bot) -> list[str]:
    """The case thread's messages, lower-cased."""
    root = case(bot).root
    return [m["text"].lower() for m in standin.messages("C0ESCALATE", thread_ts=root.ts)] if root else []


def leads_texts(standin: SlackStandIn) -> list[str]:
    return [c.args["text"] for c in standin.calls("chat.postMessage") if c.ok and c.args["channel"] == "C0LEADS"]


def due_at(bot, key_prefix: str) -> datetime:
    """The due time of the one pending job whose key starts with `key_prefix`."""
    rows = [r for r in job_rows(bot.config.app.store_url) if r.key.startswith(key_prefix) and r.state == "pending"]
    assert len(rows) == 1, rows
    return as_utc(rows[0].due_at)


def case(bot):
    with bot.store.read() as tx:
        return tx.cases.get(1)


def file_sev3(standin: SlackStandIn, clock: FakeClock, **extra) -> None:
    """A pre-launch review a week before its deadline: SEV3, paged by the policy's business-hours timing."""
    file_case(standin, deadline=(clock.now() + timedelta(days=7)).replace(microsecond=0), **extra)


def test_sev3_is_paged_now_in_business_hours_and_held_to_the_next_business_hours_otherwise(
    standin: SlackStandIn, moment_bot, clock: FakeClock, moment: Moment
):
    bot = moment_bot
    file_sev3(standin, clock)
    wait_until(lambda: thread_texts(standin, bot))  # the case reached its channel at once, at any hour
    if moment.held:
        ticks_pass(bot)
        assert page_dms(standin) == []  # nobody is woken for a SEV3
        clock.set(moment.sev3_first_page_at - timedelta(minutes=1))
        ticks_pass(bot)
        assert page_dms(standin) == []  # a minute early is still early
        clock.set(moment.sev3_first_page_at)
        bot.ticker.kick()
    (paged,) = wait_until(lambda: page_dms(standin), timeout=10)
    expected = rota.on_call(bot.config.schedules["ads-policy-oncall"], moment.sev3_first_page_at, overrides=())
    assert paged[0] in expected["primary"]
    page = next(m for m in standin.dm_messages(paged[0]) if m["text"].startswith("Paged:"))
    standin.user(paged[0]).click(page, "case_ack", value="1")
    wait_until(lambda: case(bot).acknowledged_by == paged[0])
    ticks_pass(bot)
    assert "by <@" + paged[0] + ">" in json.dumps(
        [c.args.get("blocks") for c in standin.calls("chat.update") if c.ok and c.args["channel"] == "C0ESCALATE"]
    )


def test_sev1_pages_whoever_is_on_call_at_that_moment_at_once(
    standin: SlackStandIn, moment_bot, clock: FakeClock, moment: Moment
):
    file_case(standin, deadline=(clock.now() + timedelta(hours=3)).replace(microsecond=0))  # SEV1 by the rules
    (paged,) = wait_until(lambda: page_dms(standin), timeout=10)
    assert paged[0] == moment.sev1_paged


def test_the_acknowledge_sla_warns_and_breaches_on_business_hours_from_the_moment_of_filing(
    standin: SlackStandIn, moment_bot, clock: FakeClock, moment: Moment
):
    bot = moment_bot
    file_sev3(standin, clock)
    wait_until(lambda: thread_texts(standin, bot))
    # Within a minute: the fake clock ticks from the moment while the form is filed.
    assert abs(due_at(bot, "case.sla:1:acknowledge:warning:") - moment.sev3_ack_warning_at) < timedelta(minutes=1)
    assert abs(due_at(bot, "case.sla:1:acknowledge:breach:") - moment.sev3_ack_breach_at) < timedelta(minutes=1)

    clock.set(moment.sev3_ack_warning_at - timedelta(minutes=2))
    ticks_pass(bot)
    assert not [t for t in thread_texts(standin, bot) if "acknowledge sla" in t]
    clock.set(moment.sev3_ack_warning_at + timedelta(minutes=1))
    bot.ticker.kick()
    wait_until(lambda: [t for t in thread_texts(standin, bot) if "acknowledge sla at 80 %" in t], timeout=10)
    assert not [t for t in leads_texts(standin) if "SLA is breached" in t]

    clock.set(moment.sev3_ack_breach_at + timedelta(minutes=1))
    bot.ticker.kick()
    wait_until(lambda: [t for t in thread_texts(standin, bot) if "acknowledge sla breached" in t], timeout=10)
    wait_until(lambda: [t for t in leads_texts(standin) if "time-to-acknowledge SLA is breached" in t], timeout=10)


def test_deadline_reminders_keep_the_wall_clock_at_any_hour(
    standin: SlackStandIn, moment_bot, clock: FakeClock, moment: Moment
):
    """The campaign goes live when it goes live: the 24 h and 2 h reminders do not wait for business hours."""
    bot = moment_bot
    deadline = (moment.at + timedelta(hours=30)).replace(microsecond=0)
    file_case(standin, deadline=deadline)
    wait_until(lambda: thread_texts(standin, bot))
    assert due_at(bot, "case.deadline:1:24h:") == deadline - timedelta(hours=24)
    clock.set(deadline - timedelta(hours=24))
    bot.ticker.kick()
    wait_until(lambda: [t for t in thread_texts(standin, bot) if "campaign deadline in 24h" in t], timeout=10)
    clock.set(deadline - timedelta(hours=2))
    bot.ticker.kick()
    # 22 hours pass at once: the SEV1 raise (4 h before), its paging, handoffs and SLA notes all meet
    # the thread's rate limit (about one post a second) together, so the reminder may wait its turn.
    wait_until(lambda: [t for t in thread_texts(standin, bot) if "campaign deadline in 2h" in t], timeout=30)


def test_the_weekday_digest_comes_at_the_next_local_nine_on_a_weekday(
    standin: SlackStandIn, moment_bot, clock: FakeClock, moment: Moment
):
    bot = moment_bot
    wait_until(lambda: [r for r in job_rows(bot.config.app.store_url) if r.kind == "digest.send"])
    planned = {
        r.key.split(":", 2)[2]: as_utc(r.due_at)
        for r in job_rows(bot.config.app.store_url)
        if r.kind == "digest.send" and as_utc(r.due_at) > moment.at
    }
    local = moment.next_weekday_digest_at.astimezone(moment.zone)
    next_day = f"{local.date().isoformat()}T{local:%H:%M}"
    assert min(planned.values()) == moment.next_weekday_digest_at, planned  # nothing before, on a weekend
    assert planned[next_day] == moment.next_weekday_digest_at
    clock.set(moment.next_weekday_digest_at - timedelta(minutes=1))
    ticks_pass(bot)
    assert not on_time_digests(standin)
    clock.set(moment.next_weekday_digest_at)
    bot.ticker.kick()
    wait_until(lambda: on_time_digests(standin), timeout=10)


def on_time_digests(standin: SlackStandIn) -> list[str]:
    """Digests sent at their time (a digest the bot missed before it ran says "Late digest")."""
    return [
        t
        for t in leads_texts(standin)
        if ("Escalations digest" in t or "Nothing to report" in t) and not t.startswith("Late digest")
    ]


def test_the_next_primary_handoff_dm_goes_to_the_incoming_person_at_the_local_handoff_time(
    standin: SlackStandIn, moment_bot, clock: FakeClock, moment: Moment
):
    bot = moment_bot
    at, person = moment.next_primary_handoff

    def planned() -> list[tuple[datetime, str]]:
        return sorted(
            (as_utc(r.due_at), r.key.rsplit(":", 1)[1])
            for r in job_rows(bot.config.app.store_url)
            if r.kind == "oncall.handoff_dm" and ":primary:" in r.key and as_utc(r.due_at) > moment.at
        )

    # The planner looks a little ahead, every minute on every replica; here it runs when the clock moves.
    clock.set(at - timedelta(minutes=1))
    plan_handoffs(config=bot.config, store=bot.store, now=clock.now())
    assert planned()[0] == (at, person)
    ticks_pass(bot)
    assert not handoff_dms(standin, person)
    clock.set(at)
    plan_handoffs(config=bot.config, store=bot.store, now=clock.now())
    bot.ticker.kick()
    wait_until(lambda: handoff_dms(standin, person), timeout=10)


def handoff_dms(standin: SlackStandIn, user: str) -> list[str]:
    return [
        c.args["text"]
        for c in standin.calls("chat.postMessage")
        if c.ok and c.args["channel"] == user and "you are now" in json.dumps(c.args).lower()
    ]
