"""`/oncall`, overrides from Slack and handoff notices, through signed requests and the stand-in."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain import rota
from bot.jobs.clock import FakeClock
from bot.sandbox import SlackStandIn
from bot.services.handoffs import plan_handoffs
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
