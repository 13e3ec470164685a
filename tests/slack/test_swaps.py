"""Swaps with consent through Slack: `/oncall swap` lists the person's next shifts, the colleague accepts
or declines with buttons, an accepted swap becomes an override and both people and the schedule's
channel are told; a person may also ask to take a colleague's upcoming shift, which the colleague accepts
or declines the same way; an override made in the modal DMs the person put on call and the person relieved."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from bot.domain import rota
from bot.domain.refusal import Stale
from bot.services.access import SwapNotAllowed
from bot.services.swaps import Direction, Proposal, answer_swap, propose_swap
from slack_standin import SlackStandIn
from tests.slack.conftest import ticks_pass, wait_until

SGT = ZoneInfo("Asia/Singapore")
TUESDAY_10AM = datetime(2026, 12, 1, 10, 0, tzinfo=SGT)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(TUESDAY_10AM)


@pytest.fixture
def bot(make_bot, clock):
    return make_bot(clock=clock)


def texts(standin: SlackStandIn, channel: str) -> list[str]:
    return [m["text"] for m in standin.messages(channel)]


def test_a_swap_asked_accepted_becomes_an_override_and_everyone_is_told(standin: SlackStandIn, bot, clock):
    schedule = bot.config.schedules["ads-policy-oncall"]
    person = rota.on_call(schedule, clock.now())["primary"][0]
    colleague = next(u for u in ("U0SPEC1", "U0SPEC2", "U0SPEC3") if u != person)
    asker = standin.user(person)
    asker.slash_command("/oncall", text="swap", channel_id="C0SALES")
    opened = standin.wait_for_call("views.open")
    options = opened.args["view"]["blocks"][0]["element"]["options"]
    mine = [s for s in rota.shifts(schedule, clock.now(), clock.now() + timedelta(days=31)) if s.user_id == person]
    assert len(options) == min(25, len(mine)) and len(options) > 1
    picked = options[1]["value"]  # the next shift after the one in progress
    _, layer, start, end = picked.split("|")
    response = asker.submit_view({"swap_shift": picked, "swap_with": colleague})
    assert response.status == 200, response.body
    ask = wait_until(lambda: [m for m in standin.dm_messages(colleague) if "asks you to cover" in m["text"]])[-1]
    # The button grants nothing by itself: anyone but the person asked is refused (Slack shows a DM's
    # buttons to its member only; the check holds even for a forged click).
    value = ask["blocks"][1]["elements"][0]["value"]
    with pytest.raises(SwapNotAllowed, match="Only the person asked"):
        answer_swap(bot.config, bot.store, Proposal.decode(value), actor_id="U0REP1", accept=True, now=clock.now())
    standin.user(colleague).click(ask, "swap_accept", channel=colleague)
    wait_until(lambda: [m for m in standin.dm_messages(person) if "accepted your swap" in m["text"]])
    wait_until(lambda: [m for m in standin.dm_messages(colleague) if "Swap agreed" in m["text"]])
    wait_until(lambda: [t for t in texts(standin, "C0ESCALATE") if "Swap:" in t and f"<@{colleague}>" in t])
    with bot.store.read() as tx:
        [override] = tx.overrides.active(schedule.id)
    assert (override.user_id, override.replaces, override.layer) == (colleague, person, layer)
    assert (int(override.start_at.timestamp()), int(override.end_at.timestamp())) == (int(start), int(end))
    middle = override.start_at + (override.end_at - override.start_at) / 2
    assert colleague in rota.on_call(schedule, middle, overrides=[override])[layer]
    # A second press (a double click) makes nothing more.
    standin.user(colleague).click(ask, "swap_accept", channel=colleague)
    wait_until(lambda: any("answered already" in e["text"] for e in standin.ephemerals(colleague)))
    ticks_pass(bot)
    with bot.store.read() as tx:
        assert len(tx.overrides.active(schedule.id)) == 1
    assert len([m for m in standin.dm_messages(person) if "accepted your swap" in m["text"]]) == 1


def test_a_declined_swap_tells_the_asker_and_changes_nothing(standin: SlackStandIn, bot, clock):
    schedule = bot.config.schedules["ads-policy-oncall"]
    person = rota.on_call(schedule, clock.now())["primary"][0]
    colleague = next(u for u in ("U0SPEC1", "U0SPEC2", "U0SPEC3") if u != person)
    standin.user(person).slash_command("/oncall", text="swap", channel_id="C0SALES")
    opened = standin.wait_for_call("views.open")
    picked = opened.args["view"]["blocks"][0]["element"]["options"][0]["value"]
    standin.user(person).submit_view({"swap_shift": picked, "swap_with": colleague})
    ask = wait_until(lambda: [m for m in standin.dm_messages(colleague) if "asks you to cover" in m["text"]])[-1]
    standin.user(colleague).click(ask, "swap_decline", channel=colleague)
    wait_until(lambda: [m for m in standin.dm_messages(person) if "declined your swap" in m["text"]])
    with bot.store.read() as tx:
        assert tx.overrides.active(schedule.id) == []


def test_an_override_dms_the_person_put_on_call_and_the_person_relieved(standin: SlackStandIn, bot, clock):
    schedule = bot.config.schedules["ads-policy-oncall"]
    start = clock.now().replace(second=0, microsecond=0) + timedelta(hours=1)
    relieved = rota.on_call(schedule, start)["primary"][0]
    cover = next(u for u in ("U0SPEC1", "U0SPEC2", "U0SPEC3") if u != relieved)
    lead = standin.user("U0LEAD1")
    lead.slash_command("/oncall", text="override", channel_id="C0SALES")
    standin.wait_for_call("views.open")
    lead.submit_view(
        {"override_user": cover, "override_start": start, "override_end": start + timedelta(hours=2)}
        | {"override_layer": "primary"}
    )
    wait_until(lambda: [m for m in standin.dm_messages(cover) if "You are now on call" in m["text"]])
    off = wait_until(lambda: [m for m in standin.dm_messages(relieved) if "You are off call" in m["text"]])
    assert f"<@{cover}>" in off[0]["text"]


def open_swap(standin: SlackStandIn, user: str) -> dict:
    standin.reset_calls()
    standin.user(user).slash_command("/oncall", text="swap", channel_id="C0SALES")
    return dict(standin.wait_for_call("views.open").args["view"])


def colleague_and_shift(bot, clock, person: str) -> tuple[str, str, rota.Shift]:
    """A colleague's next shift that has not started, as the modal's "take" option lists it."""
    schedule = bot.config.schedules["ads-policy-oncall"]
    theirs = [
        s
        for s in rota.shifts(schedule, clock.now(), clock.now() + timedelta(days=31))
        if s.user_id != person and s.start_at > clock.now()
    ]
    shift = theirs[0]
    value = f"{shift.schedule_id}|{shift.layer}|{int(shift.start_at.timestamp())}|{int(shift.end_at.timestamp())}"
    return shift.user_id, f"{value}|{shift.user_id}", shift


def test_taking_a_colleagues_shift_asked_accepted_becomes_an_override_and_everyone_is_told(
    standin: SlackStandIn, bot, clock
):
    schedule = bot.config.schedules["ads-policy-oncall"]
    person = rota.on_call(schedule, clock.now())["primary"][0]
    owner, value, shift = colleague_and_shift(bot, clock, person)
    view = open_swap(standin, person)
    take = next(b for b in view["blocks"] if b["block_id"] == "swap_take")
    listed = [o["value"] for o in take["element"]["options"]]
    assert value in listed and all(not v.endswith(f"|{person}") for v in listed)  # never their own shifts
    assert all(b.get("optional") for b in view["blocks"])  # give or take: the submission says which is missing
    response = standin.user(person).submit_view({"swap_take": value})
    assert response.status == 200, response.body
    ask = wait_until(lambda: [m for m in standin.dm_messages(owner) if "offers to take your shift" in m["text"]])[-1]
    assert f"<@{person}>" in ask["text"]
    # Slack shows the owner's DM buttons to the owner only; a forged answer by anyone else (the proposer
    # included) is refused by the one access decision.
    with pytest.raises(PermissionError):
        standin.user(person).click(ask, "swap_accept", channel=owner)
    forged = Proposal.decode(ask["blocks"][1]["elements"][0]["value"])
    for someone in (person, "U0REP1", "U0LEAD1"):
        with pytest.raises(SwapNotAllowed, match="Only the person asked"):
            answer_swap(bot.config, bot.store, forged, actor_id=someone, accept=True, now=clock.now())
    standin.user(owner).click(ask, "swap_accept", channel=owner)
    wait_until(lambda: [m for m in standin.dm_messages(person) if "accepted: you are on call" in m["text"]])
    agreed = wait_until(lambda: [m for m in standin.dm_messages(owner) if "Swap agreed" in m["text"]])
    assert f"<@{person}> covers your shift" in agreed[0]["text"] and "You are off call" in agreed[0]["text"]
    wait_until(lambda: [t for t in texts(standin, "C0ESCALATE") if f"Swap: <@{person}> covers <@{owner}>" in t])
    with bot.store.read() as tx:
        [override] = tx.overrides.active(schedule.id)
    assert (override.user_id, override.replaces, override.layer) == (person, owner, shift.layer)
    assert (override.start_at, override.end_at) == (shift.start_at, shift.end_at)
    middle = shift.start_at + (shift.end_at - shift.start_at) / 2
    assert person in rota.on_call(schedule, middle, overrides=[override])[shift.layer]
    assert owner not in rota.on_call(schedule, middle, overrides=[override])[shift.layer]


def test_a_declined_offer_to_take_a_shift_tells_the_proposer_and_changes_nothing(standin: SlackStandIn, bot, clock):
    schedule = bot.config.schedules["ads-policy-oncall"]
    person = rota.on_call(schedule, clock.now())["primary"][0]
    owner, value, _ = colleague_and_shift(bot, clock, person)
    open_swap(standin, person)
    standin.user(person).submit_view({"swap_take": value})
    ask = wait_until(lambda: [m for m in standin.dm_messages(owner) if "offers to take your shift" in m["text"]])[-1]
    standin.user(owner).click(ask, "swap_decline", channel=owner)
    wait_until(lambda: [m for m in standin.dm_messages(person) if "declined your offer" in m["text"]])
    with bot.store.read() as tx:
        assert tx.overrides.active(schedule.id) == []


def test_the_swap_modal_wants_exactly_one_of_give_or_take(standin: SlackStandIn, bot, clock):
    schedule = bot.config.schedules["ads-policy-oncall"]
    person = rota.on_call(schedule, clock.now())["primary"][0]
    owner, value, _ = colleague_and_shift(bot, clock, person)
    view = open_swap(standin, person)
    mine = view["blocks"][0]["element"]["options"][0]["value"]
    both = standin.user(person).submit_view({"swap_shift": mine, "swap_with": owner, "swap_take": value})
    assert "not both" in json.dumps(both.body)
    neither = standin.user(person).submit_view({"swap_shift": None, "swap_with": None, "swap_take": None})
    assert json.loads(neither.body)["errors"] == {"swap_shift": "Required"}
    ticks_pass(bot)
    assert not [m for m in standin.dm_messages(owner) if "offers to take" in m["text"] or "asks you" in m["text"]]
    # The shift must still be its owner's when the swap is proposed (a stale form, a forged value).
    _, _, shift = colleague_and_shift(bot, clock, person)
    stale = Proposal(shift.schedule_id, shift.layer, person, "U0LEAD1", shift.start_at, shift.end_at, Direction.TAKE)
    with pytest.raises(Stale, match="no longer theirs"):
        propose_swap(bot.config, bot.store, stale, now=clock.now())


def test_someone_outside_every_schedule_has_nothing_to_swap(standin: SlackStandIn, bot):
    standin.user("U0REP1").slash_command("/oncall", text="swap", channel_id="C0SALES")
    said = wait_until(
        lambda: [e for e in standin.ephemerals("U0REP1") if "nothing" in e["text"] or "none" in e["text"]]
    )
    assert "none to take" in said[0]["text"]
    assert not standin.calls("views.open")
