"""Every cell of the README's "Who may do what" table, through signed requests into the real Bolt app.

One test per role (on SQLite and Postgres): the person with that role tries each right on a case and is
either let through (the effect shows) or refused with the table's sentence and nothing changes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.domain import rota
from slack_standin import SlackStandIn
from tests.slack.conftest import file_case, open_flow, wait_until

START = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)  # Wednesday 16:00 in Singapore

SEE, ACK, WORK, ADD, REOPEN, FOLLOW, FOLLOW_SENSITIVE = (
    "see",
    "acknowledge",
    "work",
    "add_info",
    "reopen",
    "follow",
    "follow_sensitive",
)
TEAM = {SEE, ACK, WORK, ADD, REOPEN, FOLLOW, FOLLOW_SENSITIVE}
# The README table, written out again here on purpose: the code's table is what is tested.
EXPECTED: dict[str, set[str]] = {
    "lead": TEAM,
    "staff": TEAM,
    "on_call": TEAM,
    "paged": TEAM,
    "reporter": {SEE, ADD, REOPEN, FOLLOW, FOLLOW_SENSITIVE},
    "follower": {SEE, ADD, FOLLOW},
    "anyone": {FOLLOW},
}
REFUSALS = {
    SEE: "Only the people on ADS-1001 and the ads policy team can see its history.",
    ACK: "Only the ads policy specialists and leads can do that on ADS-1001. You can add information in its thread.",
    WORK: "Only the ads policy specialists and leads can do that on ADS-1001. You can add information in its thread.",
    ADD: "Only the people on ADS-1001 and the ads policy team can add information to it.",
    REOPEN: "Only the reporter and the ads policy specialists and leads can reopen ADS-1001.",
    FOLLOW_SENSITIVE: "ADS-1002 is a sensitive case: only the ads policy specialists and leads can follow it.",
}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START, ticking=True)


def case(bot, case_id: int = 1):
    with bot.store.read() as tx:
        return tx.cases.get(case_id)


def notes(bot) -> list[tuple[str, str | None]]:
    with bot.store.read() as tx:
        return [(e.kind, e.actor_id) for e in tx.cases.events(1)]


def root(standin: SlackStandIn, bot, case_id: int = 1) -> dict[str, Any]:
    ref = wait_until(lambda: case(bot, case_id).root, timeout=30)  # Slack's ~1 post a second a channel
    return next(m for m in standin.messages(ref.channel_id) if m["ts"] == ref.ts)


def override(bot, user_id: str, layer: str, *, start: datetime, hours: float) -> int:
    with bot.store.transaction() as tx:
        made = tx.overrides.add(
            rota.Override(
                id=None,
                schedule_id="ads-policy-oncall",
                layer=layer,
                user_id=user_id,
                replaces=None,
                start_at=start,
                end_at=start + timedelta(hours=hours),
            ),
            created_by="U0LEAD1",
            now=bot.clock.now(),
        )
    assert made.id is not None
    return made.id


def told(standin: SlackStandIn, user: str, act: Callable[[], Any]) -> str:
    """Do `act` as `user` and return the next ephemeral message they are shown."""
    mark = len(standin.ephemerals(user))
    act()
    return str(wait_until(lambda: standin.ephemerals(user)[mark:], timeout=15)[0]["text"])


def setup_role(role: str, standin: SlackStandIn, bot) -> str:
    """Give someone `role` on case ADS-1001 (filed by U0REP1); return their user id."""
    now = bot.clock.now()
    if role == "on_call":  # covering a layer now by an override, and not in the rota YAML
        override(bot, "U0REP2", "lead", start=now - timedelta(minutes=1), hours=8)
    if role == "paged":  # put first in line for a moment, paged, then the cover ends
        made = override(bot, "U0REP3", "primary", start=now - timedelta(minutes=1), hours=8)
    file_case(standin, deadline=(now + timedelta(hours=3)).replace(microsecond=0))
    root(standin, bot)
    if role == "paged":
        wait_until(lambda: [m for m in standin.dm_messages("U0REP3") if "paged" in m["text"].lower()])
        with bot.store.transaction() as tx:
            tx.overrides.cancel(made, by="U0LEAD1", now=bot.clock.now())
    if role == "follower":
        told(standin, "U0REP2", lambda: standin.user("U0REP2").click(root(standin, bot), "case_follow", value="1"))
        wait_until(lambda: "U0REP2" in case(bot).followers)
    return {
        "lead": "U0LEAD1",
        "staff": "U0SPEC3",
        "on_call": "U0REP2",
        "paged": "U0REP3",
        "reporter": "U0REP1",
        "follower": "U0REP2",
        "anyone": "U0REP3",
    }[role]


def file_sensitive(standin: SlackStandIn, bot) -> None:
    person = open_flow(standin, "U0REP1", "live_violation")
    response = person.submit_view(
        {
            "field_advertiser": "Hidden Brand",
            "field_campaign": "Hidden promo",
            "field_market": "SG",
            "field_violation_type": "adult",
            "field_question": "A question about something confidential",
            "field_creative_url": "https://cdn.adsco.test/hidden.mp4",
            "field_sensitive": ["yes"],
        }
    )
    assert response.status == 200, response.body
    wait_until(lambda: case(bot, 2).root, timeout=30)


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_may_do_what_the_table_says_and_is_refused_the_rest(
    store_url, role: str, standin: SlackStandIn, make_bot, clock
):
    bot = make_bot(store_url=store_url, clock=clock, max_attempts=12)  # Slack allows ~1 post a second a channel
    user = setup_role(role, standin, bot)
    person = standin.user(user)
    allowed = EXPECTED[role]

    def check(right: str, text: str, ok: str) -> None:
        if right in allowed:
            assert ok in text, (role, right, text)
        else:
            assert text == f":no_entry: {REFUSALS[right]}", (role, right, text)

    # see: the case's history
    text = told(
        standin, user, lambda: person.slash_command("/ad-escalate", text="status ADS-1001", channel_id="C0SALES")
    )
    check(SEE, text, "ADS-1001 history")

    # add information: "any update?" lands in the thread as a note
    text = told(
        standin, user, lambda: person.slash_command("/ad-escalate", text="update ADS-1001 hello", channel_id="C0SALES")
    )
    check(ADD, text, "Posted in the ADS-1001 thread")
    assert (("add_note", user) in notes(bot)) == (ADD in allowed)

    # acknowledge from the root message
    version = case(bot).version
    text = told(standin, user, lambda: person.click(root(standin, bot), "case_ack", value="1", channel="C0ESCALATE"))
    check(ACK, text, "You acknowledged ADS-1001")
    assert (case(bot).acknowledged_by == user) == (ACK in allowed)
    if ACK not in allowed:
        assert case(bot).version == version

    # work: Take
    version = case(bot).version
    text = told(standin, user, lambda: person.click(root(standin, bot), "case_take", value="1", channel="C0ESCALATE"))
    check(WORK, text, "You took ADS-1001")
    assert (case(bot).owner_id == user) == (WORK in allowed)
    if WORK not in allowed:
        assert case(bot).version == version

    # follow (a case that is not sensitive): anyone may
    text = told(standin, user, lambda: person.click(root(standin, bot), "case_follow", value="1", channel="C0ESCALATE"))
    check(FOLLOW, text, "You follow ADS-1001")

    # reopen: the lead resolves it, then the person presses Reopen
    lead = standin.user("U0LEAD1")
    mark = len(standin.calls("views.open"))
    lead.click(root(standin, bot), "case_do", value="resolve:1", channel="C0ESCALATE")
    wait_until(lambda: len(standin.calls("views.open")) > mark)
    assert lead.submit_view({"case_outcome": "approved", "case_text": "Fine."}).status == 200
    wait_until(lambda: case(bot).status.value == "resolved")
    if REOPEN in allowed:
        mark = len(standin.calls("views.open"))
        person.click(root(standin, bot), "case_do", value="reopen:1", channel="C0ESCALATE")
        wait_until(
            lambda: [c for c in standin.calls("views.open")[mark:] if "What is still open?" in json.dumps(c.args)]
        )
        assert person.submit_view({"case_text": "One more thing"}).status == 200
        wait_until(lambda: case(bot).status.value == "investigating")
    else:
        text = told(
            standin, user, lambda: person.click(root(standin, bot), "case_do", value="reopen:1", channel="C0ESCALATE")
        )
        check(REOPEN, text, "")
        assert case(bot).status.value == "resolved"

    # follow a sensitive case: not offered on its root, and refused to people outside the team
    if role == "paged":  # paged for that case too (paged for one case gives nothing on another)
        made = override(bot, user, "primary", start=bot.clock.now() - timedelta(minutes=1), hours=8)
    file_sensitive(standin, bot)
    if role == "paged":
        wait_until(lambda: [m for m in standin.dm_messages(user) if "ADS-1002" in m["text"]])
        with bot.store.transaction() as tx:
            tx.overrides.cancel(made, by="U0LEAD1", now=bot.clock.now())
    assert "case_follow" not in json.dumps(root(standin, bot, 2)["blocks"])
    text = told(standin, user, lambda: person.click(root(standin, bot), "case_follow", value="2", channel="C0ESCALATE"))
    check(FOLLOW_SENSITIVE, text, "You follow ADS-1002")
    assert (user in case(bot, 2).followers) == (FOLLOW_SENSITIVE in allowed)
