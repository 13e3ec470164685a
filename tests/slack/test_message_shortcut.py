""" "Escalate this message": a message shortcut on any message the bot can see opens the intake form
prefilled from it; the case links back to the message and the message learns the case id."""

from __future__ import annotations

import json

from slack_standin import SlackStandIn
from tests.slack.conftest import in_days, last_seq, ticks_pass, wait_until

ASKED = (
    "Advertiser: Acme Foods, campaign: Spring launch — legal question: can the alcohol video run before "
    "10pm in Singapore? <https://acme.my.salesforce.com/0065g00000AbCdE|opportunity>"
)


def shortcut_form(standin: SlackStandIn, user: str, channel: str, text: str = ASKED) -> tuple[dict, dict]:
    """The rep posts `text` in `channel` and escalates it; returns the message and the form opened."""
    person = standin.user(user)
    message = person.post_message(channel, text)
    mark = last_seq(standin)
    response = person.message_shortcut(message, "escalate_message", channel=channel)
    assert response.status == 200
    standin.wait_for_call("views.open", where=lambda c: c.seq > mark and c.ok)
    return message, person.open_view()


def initial_values(view: dict) -> dict[str, object]:
    found = {}
    for block in view["blocks"]:
        element = block.get("element") or {}
        value = element.get("initial_value") or (element.get("initial_option") or {}).get("value")
        if value:
            found[block["block_id"]] = value
    return found


def stored(bot):
    with bot.store.read() as tx:
        return tx.cases.get(1)


def file_from_form(standin: SlackStandIn, user: str) -> None:
    answer = standin.user(user).submit_view(
        {"field_market": "SG", "field_category": "alcohol", "field_deadline": in_days(3)}
    )
    assert answer.json()["response_action"] == "update", answer.body


def test_the_form_opens_prefilled_from_the_message(standin: SlackStandIn, bot):
    message, view = shortcut_form(standin, "U0REP1", "C0SALES")
    permalink = standin.calls("chat.getPermalink")[-1].response["permalink"]
    assert standin.calls("chat.getPermalink")[-1].args["message_ts"] == message["ts"]
    values = initial_values(view)
    assert values["flow_pick"] == "restricted_category"  # "legal", "alcohol": the restricted category's aliases
    assert values["field_question"].startswith("Advertiser: Acme Foods, campaign: Spring launch")
    assert "https://acme.my.salesforce.com/0065g00000AbCdE" in values["field_question"]  # Slack's <url|label> undone
    assert values["field_advertiser"] == "Acme Foods" and values["field_campaign"] == "Spring launch"
    assert values["field_salesforce_url"] == "https://acme.my.salesforce.com/0065g00000AbCdE"
    assert permalink in json.dumps(view["blocks"])


def test_a_case_from_a_message_links_back_and_the_rep_alone_sees_the_reply_where_the_bot_does_not_post(
    standin: SlackStandIn, bot
):
    message, _ = shortcut_form(standin, "U0REP1", "C0SALES")
    permalink = standin.calls("chat.getPermalink")[-1].response["permalink"]
    file_from_form(standin, "U0REP1")
    case = wait_until(lambda: (c := stored(bot)).root and c)
    assert case.source_message == permalink and case.source_channel_id == "C0SALES"
    assert (case.salesforce_object, case.salesforce_id) == ("Opportunity", "0065g00000AbCdEAAV")
    details = standin.wait_for_call(
        "chat.postMessage",
        where=lambda c: c.args.get("thread_ts") == case.root.ts and c.args["text"].startswith("Details"),
    )
    assert f"<{permalink}|this Slack message>" in json.dumps(details.args["blocks"])
    reply = wait_until(lambda: [e for e in standin.ephemerals("U0REP1") if "escalated as" in e["text"]])[-1]
    assert reply["channel"] == "C0SALES" and reply["thread_ts"] == message["ts"]
    assert "ADS-1001" in reply["text"]
    assert standin.messages("C0SALES", thread_ts=message["ts"])[1:] == []  # nothing the channel sees


def test_in_a_channel_the_bot_posts_in_the_message_gets_a_threaded_reply(standin: SlackStandIn, bot):
    message, _ = shortcut_form(standin, "U0REP1", "C0ESCALATE")
    file_from_form(standin, "U0REP1")
    thread = wait_until(lambda: standin.messages("C0ESCALATE", thread_ts=message["ts"])[1:])
    assert len(thread) == 1 and thread[0]["text"].startswith(":inbox_tray: escalated as <")
    assert "|ADS-1001>" in thread[0]["text"]


def test_a_message_where_the_bot_is_not_a_member_is_escalated_without_a_reply_or_an_alarm(standin: SlackStandIn, bot):
    shortcut_form(
        standin, "U0REP1", "C0RANDOM", text="client: Lazada, campaign: Mega Sale - is a gambling ad ok in Malaysia?"
    )
    file_from_form(standin, "U0REP1")
    wait_until(lambda: any(e.kind == "source_replied" for e in stored_events(bot)))
    replied = next(e for e in stored_events(bot) if e.kind == "source_replied")
    assert replied.data == {"channel": "C0RANDOM", "ephemeral": True, "shown": False}
    ticks_pass(bot)
    assert not [c for c in standin.calls("chat.postMessage") if c.args.get("channel") == "C0LEADS"]


def stored_events(bot):
    with bot.store.read() as tx:
        return tx.cases.events(1)
