"""Modals through a real Bolt app: submission state shapes per element type and response_action handling."""

from __future__ import annotations

import queue
import time
from datetime import UTC, date, datetime
from typing import Any

import pytest
from slack_bolt import App
from slack_sdk import WebClient

from slack_standin import SlackStandIn
from tests.slack_standin.conftest import TOKEN


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def option(value: str) -> dict[str, Any]:
    return {"text": plain(value.title()), "value": value}


def field(block_id: str, element: dict[str, Any], *, optional: bool = False, **block: Any) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": plain(block_id),
        "element": {"action_id": block_id, **element},
        **block,
    }


EVERY_ELEMENT = [
    field("summary", {"type": "plain_text_input"}),
    field("email", {"type": "email_text_input"}, optional=True),
    field("link", {"type": "url_text_input"}, optional=True),
    field("spend", {"type": "number_input", "is_decimal_allowed": True}, optional=True),
    field("severity", {"type": "static_select", "options": [option("sev1"), option("sev2")]}),
    field("markets", {"type": "multi_static_select", "options": [option("sg"), option("my"), option("id")]}),
    field("impact", {"type": "radio_buttons", "options": [option("low"), option("high")]}, optional=True),
    field("checks", {"type": "checkboxes", "options": [option("policy"), option("billing")]}, optional=True),
    field("launch", {"type": "datepicker"}, optional=True),
    field("at", {"type": "timepicker"}, optional=True),
    field("deadline", {"type": "datetimepicker"}, optional=True),
    field("owner", {"type": "users_select"}, optional=True),
    field("watchers", {"type": "multi_users_select"}, optional=True),
    field("where", {"type": "conversations_select"}, optional=True),
    field("notes", {"type": "rich_text_input"}, optional=True),
    field("team", {"type": "static_select", "options": [option("apac")], "initial_option": option("apac")}),
    field("priority", {"type": "plain_text_input", "initial_value": "normal"}),
]


def modal(blocks: list[dict[str, Any]], title: str = "Escalate", callback_id: str = "intake") -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": '{"channel_id": "C0SALES"}',
        "title": plain(title),
        "submit": plain("Send"),
        "blocks": blocks,
    }


def open_modal(standin: SlackStandIn, user_id: str, view: dict[str, Any]) -> dict[str, Any]:
    client = WebClient(token=TOKEN, base_url=standin.api_url)
    return client.views_open(trigger_id=standin.mint_trigger(user_id), view=view)["view"]


@pytest.fixture
def submitted(bolt: App) -> queue.Queue:
    """Bodies of `intake` submissions the bot saw (it acks with nothing)."""
    seen: queue.Queue = queue.Queue()

    @bolt.view("intake")
    def handle_intake(ack, body):
        ack()
        seen.put(body)

    return seen


def test_submission_state_has_slacks_shape_for_every_element(standin: SlackStandIn, submitted: queue.Queue):
    opened = open_modal(standin, "U0REP1", modal(EVERY_ELEMENT))
    rep = standin.user("U0REP1")
    answer = rep.submit_view(
        {
            "summary": "Ads rejected for Acme",
            "email": "ops@acme.test",
            "link": "https://ads.test/c/42",
            "spend": 1250.5,
            "severity": "sev1",
            "markets": ["sg", "id"],
            "impact": "high",
            "checks": ["policy"],
            "launch": date(2026, 12, 1),
            "at": "09:30",
            "deadline": datetime(2026, 12, 1, 1, 30, tzinfo=UTC),
            "owner": "U0SPEC1",
            "watchers": ["U0LEAD1", "U0LEAD2"],
            "where": "C0ESCALATE",
            "notes": "see log",
        }
    )
    assert answer.ok, answer
    body = submitted.get(timeout=5)
    values = body["view"]["state"]["values"]
    assert values["summary"]["summary"] == {"type": "plain_text_input", "value": "Ads rejected for Acme"}
    assert values["email"]["email"]["value"] == "ops@acme.test"
    assert values["link"]["link"]["value"] == "https://ads.test/c/42"
    assert values["spend"]["spend"] == {"type": "number_input", "value": "1250.5"}
    assert values["severity"]["severity"]["selected_option"] == option("sev1")
    assert values["markets"]["markets"]["selected_options"] == [option("sg"), option("id")]
    assert values["impact"]["impact"]["selected_option"]["value"] == "high"
    assert values["checks"]["checks"]["selected_options"] == [option("policy")]
    assert values["launch"]["launch"] == {"type": "datepicker", "selected_date": "2026-12-01"}
    assert values["at"]["at"] == {"type": "timepicker", "selected_time": "09:30"}
    assert values["deadline"]["deadline"] == {"type": "datetimepicker", "selected_date_time": 1796088600}
    assert values["owner"]["owner"] == {"type": "users_select", "selected_user": "U0SPEC1"}
    assert values["watchers"]["watchers"]["selected_users"] == ["U0LEAD1", "U0LEAD2"]
    assert values["where"]["where"]["selected_conversation"] == "C0ESCALATE"
    assert values["notes"]["notes"]["rich_text_value"]["elements"][0]["elements"][0]["text"] == "see log"
    assert values["team"]["team"]["selected_option"] == option("apac"), "untouched inputs report their initial value"
    assert values["priority"]["priority"]["value"] == "normal"
    view = body["view"]
    assert (view["id"], view["hash"], view["callback_id"]) == (opened["id"], opened["hash"], "intake")
    assert (view["root_view_id"], view["previous_view_id"]) == (opened["id"], None)
    assert view["private_metadata"] == '{"channel_id": "C0SALES"}'
    assert (body["type"], body["user"]["id"], body["team"]["id"]) == ("view_submission", "U0REP1", "T0SANDBOX")
    assert body["trigger_id"].count(".") == 2
    assert rep.current_view() is None, "an empty ack closes the modal"


def test_empty_optional_inputs_arrive_as_null_or_empty(standin: SlackStandIn, submitted: queue.Queue):
    open_modal(standin, "U0REP1", modal(EVERY_ELEMENT))
    standin.user("U0REP1").submit_view({"summary": "x", "severity": "sev2", "markets": ["sg"]})
    values = submitted.get(timeout=5)["view"]["state"]["values"]
    assert values["email"]["email"] == {"type": "email_text_input", "value": None}
    assert values["impact"]["impact"] == {"type": "radio_buttons", "selected_option": None}
    assert values["checks"]["checks"]["selected_options"] == []
    assert values["watchers"]["watchers"]["selected_users"] == []
    assert values["deadline"]["deadline"]["selected_date_time"] is None


def test_people_cannot_submit_what_slacks_client_refuses(standin: SlackStandIn, submitted: queue.Queue):
    open_modal(standin, "U0REP1", modal(EVERY_ELEMENT))
    rep = standin.user("U0REP1")
    refused = rep.submit_view({"summary": "", "severity": "sev1", "markets": ["sg"], "email": "not-an-email"})
    assert (refused.delivered, refused.ok) == (False, False)
    assert refused.errors == {"summary": "Please fill out this field.", "email": "Please enter a valid email address."}
    assert submitted.empty()
    with pytest.raises(KeyError, match="severty"):
        rep.submit_view({"severty": "sev1"})
    with pytest.raises(ValueError, match="sev9"):
        rep.submit_view({"severity": "sev9"})


@pytest.mark.parametrize(
    ("ack_kwargs", "stack_titles", "errors"),
    [
        (
            {"response_action": "errors", "errors": {"summary": "Say what happened"}},
            ["Escalate"],
            {"summary": "Say what happened"},
        ),
        (
            {"response_action": "update", "view": modal([field("summary", {"type": "plain_text_input"})], "Step 2")},
            ["Step 2"],
            None,
        ),
        (
            {"response_action": "push", "view": modal([field("summary", {"type": "plain_text_input"})], "Confirm")},
            ["Escalate", "Confirm"],
            None,
        ),
        ({"response_action": "clear"}, [], None),
        ({}, [], None),
    ],
    ids=["errors", "update", "push", "clear", "empty"],
)
def test_response_actions_change_the_modal_stack_like_slack(
    standin: SlackStandIn, bolt: App, ack_kwargs: dict, stack_titles: list[str], errors: dict | None
):
    @bolt.view("intake")
    def handle_intake(ack):
        ack(**ack_kwargs)

    opened = open_modal(standin, "U0REP1", modal([field("summary", {"type": "plain_text_input"})]))
    rep = standin.user("U0REP1")
    answer = rep.submit_view({"summary": "Ads paused"})
    assert answer.ok, answer
    assert answer.errors == errors
    assert [v["title"]["text"] for v in rep.view_stack()] == stack_titles
    if ack_kwargs.get("response_action") == "update":
        assert (rep.open_view()["id"], rep.open_view()["hash"] != opened["hash"]) == (opened["id"], True)
    if ack_kwargs.get("response_action") == "errors":
        assert rep.open_view()["state"]["values"]["summary"]["summary"]["value"] == "Ads paused"


def test_an_empty_ack_on_a_pushed_view_goes_back_to_the_previous_one(standin: SlackStandIn, submitted: queue.Queue):
    open_modal(standin, "U0REP1", modal([field("summary", {"type": "plain_text_input"})], "First"))
    client = WebClient(token=TOKEN, base_url=standin.api_url)
    client.views_push(trigger_id=standin.mint_trigger("U0REP1"), view=modal([], "Second"))
    rep = standin.user("U0REP1")
    assert rep.submit_view().ok
    assert [v["title"]["text"] for v in rep.view_stack()] == ["First"]


def test_a_bad_response_action_is_a_problem_not_a_success(standin: SlackStandIn, bolt: App):
    @bolt.view("intake")
    def handle_intake(ack):
        ack(response_action="errors", errors={"not_an_input": "x"})

    open_modal(standin, "U0REP1", modal([field("summary", {"type": "plain_text_input"})]))
    answer = standin.user("U0REP1").submit_view({"summary": "x"})
    assert answer.status == 200
    assert not answer.ok
    assert "not_an_input" in (answer.problem or "")


def test_a_late_ack_is_a_failed_delivery_and_changes_nothing(standin: SlackStandIn, bolt: App):
    standin.ack_deadline = 0.2

    @bolt.view("intake")
    def handle_intake(ack):
        time.sleep(0.4)  # the slow bot under test
        ack(response_action="clear")

    open_modal(standin, "U0REP1", modal([field("summary", {"type": "plain_text_input"})]))
    rep = standin.user("U0REP1")
    answer = rep.submit_view({"summary": "x"})
    assert (answer.status, answer.ok, answer.elapsed > 0.2) == (200, False, True)
    assert answer in standin.failed_deliveries()
    assert rep.current_view() is not None


def test_picking_a_flow_dispatches_block_actions_and_the_bot_updates_the_view(standin: SlackStandIn, bolt: App):
    flow = field(
        "flow",
        {"type": "static_select", "options": [option("prelaunch_review"), option("policy_appeal")]},
        dispatch_action=True,
    )
    summary = field("summary", {"type": "plain_text_input"})
    actions: queue.Queue = queue.Queue()

    @bolt.action("flow")
    def handle_flow(ack, body, client):
        ack()
        actions.put(body)
        picked = body["actions"][0]["selected_option"]["value"]
        extra = field("advertiser", {"type": "plain_text_input"})
        client.views_update(
            view_id=body["view"]["id"], hash=body["view"]["hash"], view=modal([flow, summary, extra], picked[:24])
        )

    opened = open_modal(standin, "U0REP1", modal([flow, summary]))
    rep = standin.user("U0REP1")
    rep.select(opened, block_id="summary", action_id="summary", value="typed before picking")
    answer = rep.select(rep.current_view(), block_id="flow", action_id="flow", value="prelaunch_review")
    assert answer is not None
    assert answer.ok
    standin.wait_for_call("views.update")
    body = actions.get(timeout=5)
    assert body["container"] == {"type": "view", "view_id": opened["id"]}
    assert body["actions"][0]["block_id"] == "flow"
    assert body["view"]["state"]["values"]["summary"]["summary"]["value"] == "typed before picking"
    now = rep.open_view()
    assert now["title"]["text"] == "prelaunch_review"
    assert [b["block_id"] for b in now["blocks"]] == ["flow", "summary", "advertiser"]
    assert now["state"]["values"]["summary"]["summary"]["value"] == "typed before picking"


def test_clicking_a_message_button_sends_block_actions_and_respond_replaces_it(standin: SlackStandIn, bolt: App):
    clicks: queue.Queue = queue.Queue()

    @bolt.action("ack_case")
    def handle_ack(ack, body, respond):
        ack()
        clicks.put(body)
        respond(text="Acknowledged by Li Wei", replace_original=True)

    client = WebClient(token=TOKEN, base_url=standin.api_url)
    root = client.chat_postMessage(channel="C0ESCALATE", text="ADS-1042")["ts"]
    button = {
        "type": "button",
        "action_id": "ack_case",
        "text": plain("Acknowledge"),
        "value": "ADS-1042",
        "style": "primary",
    }
    posted = client.chat_postMessage(
        channel="C0ESCALATE",
        text="Please acknowledge",
        thread_ts=root,
        blocks=[{"type": "actions", "block_id": "case_actions", "elements": [button]}],
    )
    answer = standin.user("U0SPEC1").click(posted["message"], "ack_case")
    assert answer is not None
    assert answer.ok
    body = clicks.get(timeout=5)
    assert body["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": "C0ESCALATE",
        "is_ephemeral": False,
        "thread_ts": root,
    }
    assert body["channel"] == {"id": "C0ESCALATE", "name": "ads-escalations"}
    action = body["actions"][0]
    assert (action["action_id"], action["block_id"], action["value"], action["type"]) == (
        "ack_case",
        "case_actions",
        "ADS-1042",
        "button",
    )
    assert "action_ts" in action
    assert body["message"]["ts"] == posted["ts"]
    standin.wait_for_call("response_url")
    assert standin.messages("C0ESCALATE", thread_ts=root)[1]["text"] == "Acknowledged by Li Wei"


def test_a_slash_command_ack_with_text_is_shown_only_to_the_user(standin: SlackStandIn, bolt: App):
    @bolt.command("/ad-escalate")
    def handle_escalate(ack):
        ack("Usage: /ad-escalate <advertiser>")

    standin.user("U0REP1").slash_command(text="help", channel_id="C0SALES")
    assert [m["text"] for m in standin.ephemerals("U0REP1")] == ["Usage: /ad-escalate <advertiser>"]
    assert standin.messages("C0SALES") == []


def test_closing_a_view_sends_view_closed_only_when_asked(standin: SlackStandIn, bolt: App):
    closed: queue.Queue = queue.Queue()

    @bolt.view_closed("intake")
    def handle_closed(ack, body):
        ack()
        closed.put(body)

    open_modal(standin, "U0REP1", modal([]))
    assert standin.user("U0REP1").close_view() is None
    open_modal(standin, "U0REP1", {**modal([]), "notify_on_close": True})
    answer = standin.user("U0REP1").close_view()
    assert answer is not None
    assert answer.ok
    assert closed.get(timeout=5)["type"] == "view_closed"
