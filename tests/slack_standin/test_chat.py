"""Messages in the virtual workspace: channels, DMs, threads, permalinks, updates and their errors."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_standin import SlackStandIn
from tests.slack_standin.conftest import START


def _error(call, **kwargs) -> str:
    with pytest.raises(SlackApiError) as raised:
        call(**kwargs)
    return raised.value.response["error"]


def test_posting_to_a_user_id_lands_in_the_bots_dm_with_them(standin: SlackStandIn, client: WebClient):
    posted = client.chat_postMessage(channel="U0SPEC1", text="You are on call for ADS-1042")
    assert posted["channel"] == "D0SPEC1"
    assert client.conversations_open(users="U0SPEC1")["channel"]["id"] == "D0SPEC1"
    assert [m["text"] for m in standin.dm_messages("U0SPEC1")] == ["You are on call for ADS-1042"]
    assert standin.calls("chat.postMessage")[0].args["channel"] == "U0SPEC1"


def test_post_message_answers_with_channel_ts_and_the_message(client: WebClient):
    posted = client.chat_postMessage(
        channel="#ads-escalations",
        text="ADS-1042",
        blocks=[{"type": "divider"}],
        username="x",
        icon_emoji=":rotating_light:",
    )
    assert posted["channel"] == "C0ESCALATE"
    assert posted["message"]["ts"] == posted["ts"]
    assert posted["message"]["bot_id"] == "B0BOT"
    assert posted["message"]["blocks"] == [{"type": "divider"}]


def test_ts_values_are_unique_and_increase_from_the_shared_clock(frozen: SlackStandIn, frozen_client: WebClient):
    first = frozen_client.chat_postMessage(channel="C0ESCALATE", text="1")["ts"]
    second = frozen_client.chat_postMessage(channel="C0LEADS", text="2")["ts"]
    assert first == f"{int(START.timestamp())}.000100"
    assert second == f"{int(START.timestamp())}.000200"


def test_thread_replies_update_the_parent_and_read_back_in_order(standin: SlackStandIn, client: WebClient):
    root = client.chat_postMessage(channel="C0ESCALATE", text="root")["ts"]
    client.chat_postMessage(channel="C0ESCALATE", text="details", thread_ts=root)
    client.chat_postMessage(channel="C0ESCALATE", text="paged", thread_ts=root, reply_broadcast=True)
    replies = client.conversations_replies(channel="C0ESCALATE", ts=root)["messages"]
    assert [m["text"] for m in replies] == ["root", "details", "paged"]
    assert replies[0]["reply_count"] == 2
    assert replies[0]["latest_reply"] == replies[2]["ts"]
    assert all(m["thread_ts"] == root for m in replies)
    top = [m["text"] for m in standin.messages("C0ESCALATE")]
    assert top == ["root", "paged"], "a broadcast reply also shows in the channel"
    assert [m["text"] for m in standin.messages("C0ESCALATE", thread_ts=root)] == ["root", "details", "paged"]
    history = client.conversations_history(channel="C0ESCALATE")["messages"]
    assert [m["text"] for m in history] == ["paged", "root"], "history is newest first"


def test_replying_to_a_reply_goes_into_the_parents_thread(client: WebClient):
    root = client.chat_postMessage(channel="C0ESCALATE", text="root")["ts"]
    reply = client.chat_postMessage(channel="C0ESCALATE", text="r1", thread_ts=root)["ts"]
    nested = client.chat_postMessage(channel="C0ESCALATE", text="r2", thread_ts=reply)
    assert nested["message"]["thread_ts"] == root
    assert _error(client.chat_postMessage, channel="C0ESCALATE", text="x", thread_ts="1.000001") == "thread_not_found"


def test_permalinks_for_roots_and_thread_replies(client: WebClient):
    root = client.chat_postMessage(channel="C0ESCALATE", text="root")["ts"]
    reply = client.chat_postMessage(channel="C0ESCALATE", text="reply", thread_ts=root)["ts"]
    root_link = client.chat_getPermalink(channel="C0ESCALATE", message_ts=root)["permalink"]
    reply_link = client.chat_getPermalink(channel="C0ESCALATE", message_ts=reply)["permalink"]
    assert root_link == f"https://sandbox.slack.test/archives/C0ESCALATE/p{root.replace('.', '')}"
    assert reply_link == (
        f"https://sandbox.slack.test/archives/C0ESCALATE/p{reply.replace('.', '')}?thread_ts={root}&cid=C0ESCALATE"
    )
    assert _error(client.chat_getPermalink, channel="C0ESCALATE", message_ts="1.000001") == "message_not_found"


@pytest.mark.parametrize(
    ("channel", "error"),
    [
        ("C0NOPE", "channel_not_found"),
        ("C0RANDOM", "not_in_channel"),
        ("C0OLD", "is_archived"),
        ("U0NOBODY", "channel_not_found"),
    ],
)
def test_posting_where_the_bot_cannot(client: WebClient, channel: str, error: str):
    assert _error(client.chat_postMessage, channel=channel, text="x") == error


def test_the_bot_can_join_a_public_channel_and_then_post(client: WebClient):
    joined = client.conversations_join(channel="C0RANDOM")
    assert joined["channel"]["is_member"] is True
    assert client.chat_postMessage(channel="C0RANDOM", text="now I can")["ok"]
    assert "U0BOT" in client.conversations_members(channel="C0RANDOM")["members"]
    assert _error(client.conversations_join, channel="C0OLD") == "is_archived"


def test_chat_update_replaces_text_and_keeps_blocks_unless_given(standin: SlackStandIn, client: WebClient):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": ":red_circle: SEV1"}}]
    ts = client.chat_postMessage(channel="C0ESCALATE", text="SEV1 open", blocks=blocks)["ts"]
    updated = client.chat_update(channel="C0ESCALATE", ts=ts, text="SEV1 acknowledged")
    assert updated["message"]["text"] == "SEV1 acknowledged"
    stored = standin.messages("C0ESCALATE")[0]
    assert stored["blocks"] == blocks
    assert stored["edited"]["user"] == "U0BOT"
    assert standin.calls("chat.update")[0].args == {"channel": "C0ESCALATE", "ts": ts, "text": "SEV1 acknowledged"}


def test_chat_update_errors(standin: SlackStandIn, client: WebClient):
    theirs = standin.user("U0REP1").post_message("C0ESCALATE", "a person's message")["ts"]
    assert _error(client.chat_update, channel="C0ESCALATE", ts=theirs, text="x") == "cant_update_message"
    assert _error(client.chat_update, channel="C0ESCALATE", ts="1.000001", text="x") == "message_not_found"
    assert _error(client.chat_delete, channel="C0ESCALATE", ts=theirs) == "cant_delete_message"


def test_chat_delete_removes_the_message(standin: SlackStandIn, client: WebClient):
    ts = client.chat_postMessage(channel="C0ESCALATE", text="oops")["ts"]
    client.chat_delete(channel="C0ESCALATE", ts=ts)
    assert standin.messages("C0ESCALATE") == []


def test_ephemeral_messages_need_the_user_in_the_channel(standin: SlackStandIn, client: WebClient):
    client.chat_postEphemeral(channel="C0ESCALATE", user="U0REP1", text="Only you can see this")
    assert [m["text"] for m in standin.ephemerals("U0REP1")] == ["Only you can see this"]
    assert _error(client.chat_postEphemeral, channel="C0LEADS", user="U0REP1", text="x") == "user_not_in_channel"
    assert _error(client.chat_postEphemeral, channel="C0ESCALATE", user="U0NOBODY", text="x") == "user_not_found"
    assert standin.messages("C0ESCALATE") == []


def test_reactions_are_added_once(standin: SlackStandIn, client: WebClient):
    ts = client.chat_postMessage(channel="C0ESCALATE", text="done")["ts"]
    client.reactions_add(channel="C0ESCALATE", name="white_check_mark", timestamp=ts)
    assert standin.messages("C0ESCALATE")[0]["reactions"] == [
        {"name": "white_check_mark", "users": ["U0BOT"], "count": 1}
    ]
    assert (
        _error(client.reactions_add, channel="C0ESCALATE", name="white_check_mark", timestamp=ts) == "already_reacted"
    )
