"""Block Kit limits Slack enforces, one case each, checked through a real WebClient call."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_standin import SlackStandIn
from tests.slack_standin.conftest import SECRET, TOKEN


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def section(text: str = "ok") -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(action_id: str = "go", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "text": plain("Go"), **extra}


def actions(*elements: dict[str, Any], block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = block_id
    return block


def option(text: str = "One", value: str = "one") -> dict[str, Any]:
    return {"text": plain(text), "value": value}


def select(options: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"type": "static_select", "action_id": "pick", "options": options, **extra}


def text_input(block_id: str = "summary", **element: Any) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain("Summary"),
        "element": {"type": "plain_text_input", "action_id": block_id, **element},
    }


def modal(blocks: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    view = {"type": "modal", "title": plain("Escalate"), "submit": plain("Send"), "blocks": blocks or [section()]}
    view.update(extra)
    return view


MESSAGE_CASES = {
    "51 blocks": ([section()] * 51, "no more than 50 items allowed [json-pointer:/blocks]"),
    "section text 3001": (
        [section("x" * 3001)],
        "must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
    ),
    "11 section fields": (
        [{"type": "section", "fields": [plain("f")] * 11}],
        "no more than 10 items allowed [json-pointer:/blocks/0/fields]",
    ),
    "section field 2001": (
        [{"type": "section", "fields": [plain("f" * 2001)]}],
        "must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]",
    ),
    "section without text or fields": (
        [{"type": "section"}],
        "missing required field: text or fields [json-pointer:/blocks/0]",
    ),
    "header 151": (
        [{"type": "header", "text": plain("h" * 151)}],
        "must be less than 151 characters [json-pointer:/blocks/0/text/text]",
    ),
    "header in mrkdwn": (
        [{"type": "header", "text": {"type": "mrkdwn", "text": "*h*"}}],
        "must be one of the following: plain_text [json-pointer:/blocks/0/text/type]",
    ),
    "11 context elements": (
        [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}],
        "no more than 10 items allowed [json-pointer:/blocks/0/elements]",
    ),
    "26 actions elements": (
        [actions(*[button(f"b{i}") for i in range(26)])],
        "no more than 25 items allowed [json-pointer:/blocks/0/elements]",
    ),
    "block_id 256": (
        [{**section(), "block_id": "b" * 256}],
        "must be less than 256 characters [json-pointer:/blocks/0/block_id]",
    ),
    "duplicate block_id": (
        [{**section(), "block_id": "same"}, {**section(), "block_id": "same"}],
        "duplicate block_id: same [json-pointer:/blocks/1/block_id]",
    ),
    "action_id 256": (
        [actions(button("a" * 256))],
        "must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]",
    ),
    "duplicate action_id in a block": (
        [actions(button("ack"), button("ack"))],
        "duplicate action_id: ack [json-pointer:/blocks/0/elements/1/action_id]",
    ),
    "button text 76": (
        [actions({**button(), "text": plain("t" * 76)})],
        "must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]",
    ),
    "button value 2001": (
        [actions(button(value="v" * 2001))],
        "must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]",
    ),
    "button url 3001": (
        [actions(button(url="https://x.test/" + "u" * 2990))],
        "must be less than 3001 characters [json-pointer:/blocks/0/elements/0/url]",
    ),
    "101 select options": (
        [actions(select([option(value=str(i)) for i in range(101)]))],
        "no more than 100 items allowed [json-pointer:/blocks/0/elements/0/options]",
    ),
    "option text 76": (
        [actions(select([option(text="o" * 76)]))],
        "must be less than 76 characters [json-pointer:/blocks/0/elements/0/options/0/text/text]",
    ),
    "option value 151": (
        [actions(select([option(value="v" * 151)]))],
        "must be less than 151 characters [json-pointer:/blocks/0/elements/0/options/0/value]",
    ),
    "placeholder 151": (
        [actions(select([option()], placeholder=plain("p" * 151)))],
        "must be less than 151 characters [json-pointer:/blocks/0/elements/0/placeholder/text]",
    ),
    "unknown block type": ([{"type": "carousel"}], "unsupported type: carousel [json-pointer:/blocks/0/type]"),
    "input block in a message": ([text_input()], "unsupported type: input [json-pointer:/blocks/0/type]"),
    "text object of unknown type": (
        [{"type": "section", "text": {"type": "markdown", "text": "x"}}],
        "must be one of the following: plain_text, mrkdwn [json-pointer:/blocks/0/text/type]",
    ),
    "misspelled field": (
        [{"type": "section", "text": plain("x"), "acessory": button()}],
        "invalid additional property: acessory [json-pointer:/blocks/0]",
    ),
}

VIEW_CASES = {
    "101 blocks": (modal([section()] * 101), "no more than 100 items allowed [json-pointer:/view/blocks]"),
    "title 25": (modal(title=plain("t" * 25)), "must be less than 25 characters [json-pointer:/view/title/text]"),
    "submit 25": (modal(submit=plain("s" * 25)), "must be less than 25 characters [json-pointer:/view/submit/text]"),
    "close 25": (modal(close=plain("c" * 25)), "must be less than 25 characters [json-pointer:/view/close/text]"),
    "private_metadata 3001": (
        modal(private_metadata="m" * 3001),
        "must be less than 3001 characters [json-pointer:/view/private_metadata]",
    ),
    "callback_id 256": (
        modal(callback_id="c" * 256),
        "must be less than 256 characters [json-pointer:/view/callback_id]",
    ),
    "input label 2001": (
        modal([{**text_input(), "label": plain("l" * 2001)}]),
        "must be less than 2001 characters [json-pointer:/view/blocks/0/label/text]",
    ),
    "plain_text_input max_length 3001": (
        modal([text_input(max_length=3001)]),
        "must be at most 3000 [json-pointer:/view/blocks/0/element/max_length]",
    ),
    "input without element": (
        modal([{"type": "input", "label": plain("Summary")}]),
        "missing required field: element [json-pointer:/view/blocks/0]",
    ),
    "input without label": (
        modal([{"type": "input", "element": {"type": "plain_text_input", "action_id": "a"}}]),
        "missing required field: label [json-pointer:/view/blocks/0]",
    ),
    "modal without title": (
        {"type": "modal", "blocks": [section()]},
        "missing required field: title [json-pointer:/view]",
    ),
    "title in mrkdwn": (
        modal(title={"type": "mrkdwn", "text": "T"}),
        "must be one of the following: plain_text [json-pointer:/view/title/type]",
    ),
    "input without submit": (
        {"type": "modal", "title": plain("T"), "blocks": [text_input()]},
        "submit is required when an input block is within the blocks array [json-pointer:/view]",
    ),
    "workflow_step view": (
        {**modal(), "type": "workflow_step"},
        "unsupported type: workflow_step [json-pointer:/view/type]",
    ),
    "home view in views.open": (
        {"type": "home", "blocks": [section()]},
        "unsupported type: home [json-pointer:/view/type]",
    ),
}


@pytest.fixture(scope="module")
def shared() -> Iterator[SlackStandIn]:
    with SlackStandIn(signing_secret=SECRET, bot_token=TOKEN, rate_limits=False) as running:
        yield running


@pytest.fixture
def web(shared: SlackStandIn) -> WebClient:
    return WebClient(token=TOKEN, base_url=shared.api_url)


@pytest.mark.parametrize(("blocks", "explanation"), MESSAGE_CASES.values(), ids=MESSAGE_CASES.keys())
def test_message_blocks_over_a_limit_are_invalid_blocks(web: WebClient, blocks: list, explanation: str):
    with pytest.raises(SlackApiError) as raised:
        web.chat_postMessage(channel="C0ESCALATE", text="fallback", blocks=blocks)
    assert raised.value.response["error"] == "invalid_blocks"
    assert f"[ERROR] {explanation}" in raised.value.response["response_metadata"]["messages"]


@pytest.mark.parametrize(("view", "explanation"), VIEW_CASES.values(), ids=VIEW_CASES.keys())
def test_views_over_a_limit_are_invalid_arguments(shared: SlackStandIn, web: WebClient, view: dict, explanation: str):
    trigger = shared.mint_trigger("U0REP1")
    with pytest.raises(SlackApiError) as raised:
        web.views_open(trigger_id=trigger, view=view)
    assert raised.value.response["error"] == "invalid_arguments"
    assert f"[ERROR] {explanation}" in raised.value.response["response_metadata"]["messages"]


def test_a_view_over_250_kb_is_view_too_large(shared: SlackStandIn, web: WebClient):
    big = modal([section("x" * 2900) for _ in range(95)])
    with pytest.raises(SlackApiError) as raised:
        web.views_open(trigger_id=shared.mint_trigger("U0REP1"), view=big)
    assert raised.value.response["error"] == "view_too_large"


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"text": "x" * 40_001}, "msg_too_long"),
        ({"blocks": []}, "no_text"),
        ({"blocks": "not json"}, "invalid_blocks_format"),
        ({"markdown_text": "**hi**", "text": "hi"}, "markdown_text_conflict"),
    ],
    ids=["text over 40k", "empty blocks and no text", "blocks not JSON", "markdown_text with text"],
)
def test_message_level_limits(web: WebClient, kwargs: dict, error: str):
    with pytest.raises(SlackApiError) as raised:
        web.chat_postMessage(channel="C0ESCALATE", **kwargs)
    assert raised.value.response["error"] == error


def test_limits_apply_to_chat_update_and_post_ephemeral_too(web: WebClient):
    posted = web.chat_postMessage(channel="C0ESCALATE", text="root")
    with pytest.raises(SlackApiError) as update_error:
        web.chat_update(channel="C0ESCALATE", ts=posted["ts"], text="x", blocks=[section("x" * 3001)])
    with pytest.raises(SlackApiError) as ephemeral_error:
        web.chat_postEphemeral(channel="C0ESCALATE", user="U0REP1", text="x", blocks=[{"type": "header"}])
    assert update_error.value.response["error"] == "invalid_blocks"
    assert ephemeral_error.value.response["error"] == "invalid_blocks"


def test_content_at_the_limits_is_accepted(web: WebClient):
    blocks = [
        {"type": "header", "text": plain("h" * 150)},
        {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3000}, "block_id": "b" * 255},
        # each field at its own limit once; ten of them would pass the message's total (12,000 characters)
        {"type": "section", "fields": [plain("f" * 2000)] + [plain("f")] * 9, "accessory": button("more")},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 10},
        actions(
            *[button(f"b{i}", value="v" * 2000) for i in range(24)], select([option(value=str(i)) for i in range(100)])
        ),
        actions(button("b0"), block_id="same_action_ids_in_another_block_are_fine"),
        {"type": "divider"},
    ]
    blocks += [section()] * (50 - len(blocks))
    assert web.chat_postMessage(channel="C0ESCALATE", text="x" * 40_000, blocks=blocks)["ok"]


def test_a_modal_with_every_input_element_is_accepted(shared: SlackStandIn, web: WebClient):
    elements = [
        {"type": "plain_text_input", "multiline": True, "max_length": 3000, "min_length": 1},
        {"type": "email_text_input"},
        {"type": "url_text_input"},
        {"type": "number_input", "is_decimal_allowed": False, "min_value": "1"},
        {"type": "static_select", "options": [option()], "initial_option": option()},
        {"type": "multi_static_select", "options": [option()]},
        {"type": "radio_buttons", "options": [option()]},
        {"type": "checkboxes", "options": [option()]},
        {"type": "datepicker", "initial_date": "2026-11-25"},
        {"type": "timepicker", "initial_time": "09:30"},
        {"type": "datetimepicker", "initial_date_time": 1764061200},
        {"type": "users_select"},
        {"type": "multi_users_select", "initial_users": ["U0REP1"]},
        {"type": "conversations_select", "default_to_current_conversation": True},
        {"type": "rich_text_input"},
    ]
    blocks = [
        {"type": "input", "block_id": f"b{i}", "label": plain("l" * 2000), "element": {**element, "action_id": f"a{i}"}}
        for i, element in enumerate(elements)
    ]
    view = modal(
        blocks, title=plain("t" * 24), close=plain("c" * 24), private_metadata="m" * 3000, callback_id="c" * 255
    )
    opened = web.views_open(trigger_id=shared.mint_trigger("U0REP1"), view=view)
    assert opened["view"]["callback_id"] == "c" * 255
