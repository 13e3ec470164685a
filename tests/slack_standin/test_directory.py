"""The directory: users with time zones and e-mails, user groups, conversations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import FakeClock
from slack_standin import SlackStandIn


def test_users_info_has_profile_email_and_time_zone(client: WebClient):
    user = client.users_info(user="U0REP1")["user"]
    assert user["real_name"] == "Mei Tan"
    assert user["profile"]["email"] == "mei.tan@adsco.test"
    assert (user["tz"], user["tz_offset"], user["is_bot"]) == ("Asia/Singapore", 8 * 3600, False)
    assert client.users_info(user="U0BOT")["user"]["is_bot"] is True


def test_tz_offset_follows_daylight_saving_at_the_shared_clocks_instant(
    clock: FakeClock, frozen: SlackStandIn, frozen_client: WebClient
):
    assert frozen_client.users_info(user="U0REP3")["user"]["tz_offset"] == 3600
    clock.set(datetime(2026, 7, 1, 12, 0, tzinfo=UTC))
    assert frozen_client.users_info(user="U0REP3")["user"]["tz_offset"] == 7200


def test_unknown_users(client: WebClient):
    with pytest.raises(SlackApiError) as by_id:
        client.users_info(user="U0NOBODY")
    with pytest.raises(SlackApiError) as by_email:
        client.users_lookupByEmail(email="nobody@adsco.test")
    assert by_id.value.response["error"] == "user_not_found"
    assert by_email.value.response["error"] == "users_not_found"


def test_lookup_by_email_ignores_case(client: WebClient):
    assert client.users_lookupByEmail(email="Li.Wei@ADSCO.test")["user"]["id"] == "U0SPEC1"


def test_user_groups(client: WebClient):
    groups = client.usergroups_list(include_users=True)["usergroups"]
    assert {g["handle"]: g["users"] for g in groups} == {
        "ads-specialists": ["U0SPEC1", "U0SPEC2", "U0SPEC3"],
        "ads-leads": ["U0LEAD1", "U0LEAD2"],
    }
    assert client.usergroups_users_list(usergroup="S0LEADS")["users"] == ["U0LEAD1", "U0LEAD2"]
    with pytest.raises(SlackApiError) as raised:
        client.usergroups_users_list(usergroup="S0NOPE")
    assert raised.value.response["error"] == "no_such_subteam"


def test_conversations_open_gives_stable_ids_per_set_of_people(client: WebClient):
    assert client.conversations_open(users="U0LEAD1")["channel"]["id"] == "D0LEAD1"
    group = client.conversations_open(users=["U0LEAD1", "U0SPEC2"])["channel"]["id"]
    again = client.conversations_open(users=["U0SPEC2", "U0LEAD1"])["channel"]["id"]
    assert group.startswith("G")
    assert group == again
    assert client.chat_postMessage(channel=group, text="bridge")["ok"]


def test_conversation_info_hides_private_channels_the_bot_is_not_in(standin: SlackStandIn, client: WebClient):
    info = client.conversations_info(channel="C0ESCALATE")["channel"]
    assert (info["name"], info["is_member"], info["is_archived"]) == ("ads-escalations", True, False)
    standin.workspace.channels["C0POLICY"].members.discard("U0BOT")
    with pytest.raises(SlackApiError) as raised:
        client.conversations_info(channel="C0POLICY")
    assert raised.value.response["error"] == "channel_not_found"
