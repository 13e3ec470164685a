"""`/oncall`, overrides from Slack and handoff notices, through signed requests and the stand-in."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from bot.domain import rota
from bot.services.handoffs import plan_handoffs
from slack_standin import SlackStandIn
from tests.paging_procs import as_utc, job_rows
from tests.slack.conftest import wait_until

SGT = ZoneInfo("Asia/Singapore")
TUESDAY_10AM = datetime(2026, 12, 1, 10, 0, tzinfo=SGT)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(TUESDAY_10AM)


@pytest.fixture
def bot(make_bot, clock):
    return make_bot(clock=clock)


def schedule(bot) -> rota.Schedule:
    return bot.config.schedules["ads-policy-oncall"]


def last_ephemeral(standin: SlackStandIn, user: str) -> dict:
    return wait_until(lambda: standin.ephemerals(user))[-1]


def test_oncall_shows_who_is_on_call_now_and_next(standin: SlackStandIn, bot, clock):
    standin.user("U0REP1").slash_command("/oncall", channel_id="C0SALES")
    reply = json.dumps(last_ephemeral(standin, "U0REP1"))
    now = rota.on_call(schedule(bot), clock.now())
    assert now["primary"] and f"<@{now['primary'][0]}>" in reply
    assert "*secondary*: _nobody_" in reply  # weekdays have no secondary in the shipped rota
    handoff = rota.next_handoff(schedule(bot), clock.now(), layer="primary")
    assert f"<!date^{int(handoff.timestamp())}^" in reply  # "until" the next primary handoff (18:00)


def test_oncall_schedule_lists_the_next_two_weeks(standin: SlackStandIn, bot, clock):
    standin.user("U0REP1").slash_command("/oncall", text="schedule ads-policy-oncall", channel_id="C0SALES")
    reply = last_ephemeral(standin, "U0REP1")
    text = json.dumps(reply["blocks"])
    assert "next 14 days" in text
    assert "Tue 01 Dec 18:00" in text and "Sat 05 Dec 09:00" in text


def test_override_from_slack_wins_over_the_rota_and_is_audited(standin: SlackStandIn, bot, clock):
    before = rota.on_call(schedule(bot), clock.now())["primary"][0]
    cover = next(u for u in ("U0SPEC1", "U0SPEC2", "U0SPEC3") if u != before)
    person = standin.user(cover)
    person.slash_command("/oncall", text="override", channel_id="C0SALES")
    standin.wait_for_call("views.open")
    start = clock.now().replace(second=0, microsecond=0)
    response = person.submit_view(
        {
            "override_layer": "primary",
            "override_replaces": before,
            "override_start": start,
            "override_end": start + timedelta(hours=4),
        }
    )
    assert response.json()["response_action"] == "update"
    assert f"<@{cover}> covers *primary*" in json.dumps(response.json()["view"])
    person.slash_command("/oncall", channel_id="C0SALES")
    wait_until(lambda: len(standin.ephemerals(cover)) >= 1)
    assert f"*primary*: <@{cover}>" in json.dumps(standin.ephemerals(cover)[-1])
    with bot.store.read() as tx:
        [override] = tx.overrides.active("ads-policy-oncall")
        audit = tx.audit.for_subject(f"override:{override.id}")
    assert audit[0][0] == "override_created" and audit[0][1] == cover
    assert bot.runner is not None


def test_people_outside_the_schedule_cannot_override(standin: SlackStandIn, bot):
    standin.user("U0REP1").slash_command("/oncall", text="override", channel_id="C0SALES")
    assert "Only members of an on-call schedule and the leads" in last_ephemeral(standin, "U0REP1")["text"]
    assert standin.calls("views.open") == []


def test_an_override_that_ends_before_it_starts_is_an_inline_error(standin: SlackStandIn, bot, clock):
    person = standin.user("U0LEAD1")
    person.slash_command("/oncall", text="override", channel_id="C0SALES")
    standin.wait_for_call("views.open")
    start = clock.now().replace(second=0, microsecond=0)
    response = person.submit_view({"override_start": start, "override_end": start - timedelta(hours=1)})
    assert response.errors == {"override_end": "The end must be after the start."}


def test_overrides_can_be_listed_and_cancelled(standin: SlackStandIn, bot, clock):
    lead = standin.user("U0LEAD1")
    lead.slash_command("/oncall", text="override", channel_id="C0SALES")
    standin.wait_for_call("views.open")
    start = clock.now().replace(second=0, microsecond=0) + timedelta(days=1)
    lead.submit_view({"override_user": "U0SPEC2", "override_start": start, "override_end": start + timedelta(hours=8)})
    lead.slash_command("/oncall", text="overrides", channel_id="C0SALES")
    listing = wait_until(lambda: [e for e in standin.ephemerals("U0LEAD1") if e.get("blocks")])[-1]
    assert "<@U0SPEC2> covers *every layer*" in json.dumps(listing["blocks"])
    rep = standin.user("U0REP2")
    rep.slash_command("/oncall", text="overrides", channel_id="C0SALES")
    own = wait_until(lambda: [e for e in standin.ephemerals("U0REP2") if e.get("blocks")])[-1]
    rep.click(own, "override_cancel", value="1", channel="C0SALES")
    assert (
        "Only the people in it"
        in wait_until(lambda: standin.ephemerals("U0REP2")[-1:] if len(standin.ephemerals("U0REP2")) > 1 else None)[-1][
            "text"
        ]
    )
    lead.click(listing, "override_cancel", value="1", channel="C0SALES")
    wait_until(lambda: any("Cancelled" in e["text"] for e in standin.ephemerals("U0LEAD1")))
    with bot.store.read() as tx:
        assert tx.overrides.active("ads-policy-oncall") == []


def test_handoff_notices_are_sent_once_to_the_incoming_person_and_the_channel(standin: SlackStandIn, bot, clock):
    incoming = rota.on_call(schedule(bot), datetime(2026, 12, 1, 18, 0, tzinfo=SGT))["primary"][0]
    plan_handoffs(config=bot.config, store=bot.store, now=clock.now())  # the bot also plans at start
    assert plan_handoffs(config=bot.config, store=bot.store, now=clock.now()) == 0  # a second run adds nothing
    with bot.store.read() as tx:
        planned = tx.jobs.states(kind="oncall.handoff_dm")
    assert any(f"primary:2026-12-01T10:00:00+00:00:{incoming}" in key for key in planned)
    clock.set(datetime(2026, 12, 1, 18, 0, 5, tzinfo=SGT))
    bot.runner.run_due()
    dm = wait_until(lambda: [m for m in standin.dm_messages(incoming) if "You are now" in m["text"]])
    assert len(dm) == 1 and "primary" in dm[0]["text"]
    note = wait_until(lambda: [m for m in standin.messages("C0ESCALATE") if "Handoff:" in m["text"]])
    assert len(note) == 1 and f"<@{incoming}>" in note[0]["text"]
    assert plan_handoffs(config=bot.config, store=bot.store, now=clock.now()) >= 0
    bot.runner.run_due()
    assert len([m for m in standin.dm_messages(incoming) if "You are now" in m["text"]]) == 1


def test_a_handoff_overridden_after_planning_is_not_announced(standin: SlackStandIn, bot, clock):
    from bot.services.overrides import OverrideRequest, create_override

    evening = datetime(2026, 12, 1, 18, 0, tzinfo=SGT)
    planned = rota.on_call(schedule(bot), evening)["primary"][0]
    plan_handoffs(config=bot.config, store=bot.store, now=clock.now())
    cover = next(u for u in ("U0SPEC1", "U0SPEC2", "U0SPEC3") if u != planned)
    create_override(
        OverrideRequest(
            "ads-policy-oncall", "primary", cover, None, evening - timedelta(minutes=1), evening + timedelta(hours=15)
        ),
        actor_id="U0LEAD1",
        config=bot.config,
        store=bot.store,
        now=clock.now(),
    )
    clock.set(evening + timedelta(seconds=5))
    bot.runner.run_due()
    assert [m for m in standin.dm_messages(planned) if "You are now" in m["text"]] == []


def test_handoff_dm_shows_the_sla_due_times_the_bot_itself_will_act_on(standin: SlackStandIn, make_bot):
    from tests.slack.conftest import file_case, ticks_pass

    # A SEV3 pre-launch review (business-hours SLA clock) filed Friday 16:00: two business hours left
    # on Friday, so its 4h acknowledge SLA falls due Monday 11:00 — not Friday 20:00.
    friday = datetime(2026, 12, 4, 16, 0, tzinfo=SGT)
    clock = FakeClock(friday)
    bot = make_bot(clock=clock)
    file_case(standin)
    wait_until(lambda: standin.calls("chat.getPermalink"))
    monday_11 = datetime(2026, 12, 7, 11, 0, tzinfo=SGT)
    [sla_job] = [r for r in job_rows(bot.config.app.store_url, ["case.sla"]) if "acknowledge:breach" in r.key]
    assert as_utc(sla_job.due_at) == monday_11  # what the bot itself will act on
    evening = datetime(2026, 12, 4, 18, 0, tzinfo=SGT)
    incoming = rota.on_call(schedule(bot), evening)["primary"][0]
    plan_handoffs(config=bot.config, store=bot.store, now=clock.now())
    clock.set(evening + timedelta(seconds=5))
    ticks_pass(bot)
    dm = wait_until(lambda: [m for m in standin.dm_messages(incoming) if "You are now" in m["text"]])
    assert "acknowledge SLA" not in json.dumps(dm)  # not due during Friday night
    monday = datetime(2026, 12, 7, 9, 0, tzinfo=SGT)
    clock.set(monday - timedelta(minutes=5))
    plan_handoffs(config=bot.config, store=bot.store, now=clock.now())
    first_monday = rota.on_call(schedule(bot), monday)["primary"][0]
    clock.set(monday + timedelta(seconds=5))
    ticks_pass(bot)
    # The jump over the weekend leaves the runner a backlog (re-pages, reminders) before this DM: patience
    # for it on a loaded box, not a bound on how fast it goes.
    dms = wait_until(
        lambda: [m for m in standin.dm_messages(first_monday) if "You are now" in m["text"] and "SLA" in json.dumps(m)],
        timeout=20,
    )
    text = json.dumps(dms[-1])
    assert f"<!date^{int(monday_11.timestamp())}^" in text and "acknowledge SLA" in text


def test_oncall_calendar_gives_a_private_feed_url_current_with_overrides_and_revocable(
    standin: SlackStandIn, bot, clock
):
    import re
    import urllib.error
    import urllib.request

    from sqlalchemy import text

    from tests.test_oncall_export import events_of

    person = rota.on_call(schedule(bot), clock.now())["primary"][0]  # on call now (Tuesday 10:00)
    standin.user(person).slash_command("/oncall", text="calendar", channel_id="C0SALES")
    reply = wait_until(lambda: [e for e in standin.ephemerals(person) if "/calendar/" in e["text"]])[-1]["text"]
    [path] = re.findall(r"(/calendar/[A-Za-z0-9_-]+\.ics)", reply)
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    base = f"http://{bot.http.host}:{bot.http.port}"

    def get() -> bytes:
        with urllib.request.urlopen(base + path, timeout=5) as response:
            assert response.headers["Content-Type"].startswith("text/calendar")
            return response.read()

    before = events_of(get())
    assert any(e["start"] < clock.now() < e["end"] for e in before.values())  # the shift in progress, whole
    with bot.store.read() as tx:
        stored = tx.session.execute(text("SELECT token_hash FROM calendar_feeds")).scalars().all()
    assert len(stored) == 1 and token not in stored[0]  # only the hash is kept
    # A lead puts someone else on for the next two hours: the feed shows the person's shift cut short.
    lead = standin.user("U0LEAD1")
    lead.slash_command("/oncall", text="override", channel_id="C0SALES")
    standin.wait_for_call("views.open")
    start = clock.now().replace(second=0, microsecond=0) + timedelta(hours=1)
    cover = next(u for u in ("U0SPEC1", "U0SPEC2", "U0SPEC3") if u != person)
    lead.submit_view(
        {
            "override_user": cover,
            "override_replaces": person,
            "override_start": start,
            "override_end": start + timedelta(hours=2),
        }
    )
    after = wait_until(lambda: (found := events_of(get())) != before and found)
    changed = [uid for uid in before if uid in after and after[uid]["end"] == start]
    assert changed and after[changed[0]]["sequence"] == 1
    standin.user(person).slash_command("/oncall", text="calendar", channel_id="C0SALES")
    wait_until(lambda: any("shown only once" in e["text"] for e in standin.ephemerals(person)))
    standin.user(person).slash_command("/oncall", text="calendar revoke", channel_id="C0SALES")
    wait_until(lambda: any("turned off" in e["text"] for e in standin.ephemerals(person)))
    with pytest.raises(urllib.error.HTTPError) as gone:
        get()
    assert gone.value.code == 404


def test_an_override_instead_of_someone_not_on_call_then_is_refused_naming_who_is(standin: SlackStandIn, bot, clock):
    on_now = rota.on_call(schedule(bot), clock.now())["primary"][0]
    off = next(u for u in ("U0SPEC1", "U0SPEC2", "U0SPEC3") if u != on_now)
    cover = next(u for u in ("U0SPEC1", "U0SPEC2", "U0SPEC3") if u not in (on_now, off))
    person = standin.user(cover)
    person.slash_command("/oncall", text="override", channel_id="C0SALES")
    standin.wait_for_call("views.open")
    start = clock.now().replace(second=0, microsecond=0)
    response = person.submit_view(
        {
            "override_layer": "primary",
            "override_replaces": off,
            "override_start": start,
            "override_end": start + timedelta(hours=4),
        }
    )
    error = response.errors["override_replaces"]
    assert "would change nothing" in error and "On call then: primary:" in error
    # A modal error is plain text: people are named, not mentioned.
    assert standin.workspace.users[on_now].real_name in error and "<@" not in error
    with bot.store.read() as tx:
        assert tx.overrides.active("ads-policy-oncall") == []
