"""views.* as Slack runs them: trigger_id lifetime and reuse, the stack of 3, hashes, Home tabs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import FakeClock
from slack_standin import SlackStandIn


def modal(title: str = "Escalate", **extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": title}}],
        **extra,
    }


def _error(call, **kwargs) -> str:
    with pytest.raises(SlackApiError) as raised:
        call(**kwargs)
    return raised.value.response["error"]


def test_views_open_returns_the_stored_view(frozen: SlackStandIn, frozen_client: WebClient):
    view = frozen_client.views_open(
        trigger_id=frozen.mint_trigger("U0REP1"), view=modal(callback_id="intake", private_metadata="C0SALES")
    )["view"]
    assert view["id"].startswith("V")
    assert view["hash"]
    assert view["state"] == {"values": {}}
    assert (view["root_view_id"], view["previous_view_id"]) == (view["id"], None)
    assert (view["callback_id"], view["private_metadata"]) == ("intake", "C0SALES")
    assert frozen.user("U0REP1").open_view()["id"] == view["id"]


def test_trigger_id_expires_after_three_seconds_of_the_shared_clock(
    clock: FakeClock, frozen: SlackStandIn, frozen_client: WebClient
):
    late = frozen.mint_trigger("U0REP1")
    clock.advance(timedelta(seconds=3.1))
    assert _error(frozen_client.views_open, trigger_id=late, view=modal()) == "expired_trigger_id"
    in_time = frozen.mint_trigger("U0REP1")
    clock.advance(timedelta(seconds=2.9))
    assert frozen_client.views_open(trigger_id=in_time, view=modal())["ok"]


def test_trigger_id_works_once(frozen: SlackStandIn, frozen_client: WebClient):
    trigger = frozen.mint_trigger("U0REP1")
    frozen_client.views_open(trigger_id=trigger, view=modal())
    assert _error(frozen_client.views_open, trigger_id=trigger, view=modal()) == "exchanged_trigger_id"
    assert _error(frozen_client.views_open, trigger_id="123.456.abcdef", view=modal()) == "invalid_trigger_id"


def test_interactivity_pointer_is_accepted_for_trigger_id(frozen: SlackStandIn, frozen_client: WebClient):
    pointer = frozen.mint_trigger("U0REP2")
    assert frozen_client.views_open(interactivity_pointer=pointer, view=modal())["ok"]


def test_stale_hash_is_hash_conflict(frozen: SlackStandIn, frozen_client: WebClient):
    opened = frozen_client.views_open(trigger_id=frozen.mint_trigger("U0REP1"), view=modal())["view"]
    first = frozen_client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal("Loaded"))["view"]
    assert (first["id"], first["hash"] != opened["hash"]) == (opened["id"], True)
    stale = _error(frozen_client.views_update, view_id=opened["id"], hash=opened["hash"], view=modal("Again"))
    assert stale == "hash_conflict"
    assert frozen.user("U0REP1").open_view()["title"]["text"] == "Loaded"


def test_update_by_external_id_and_not_found(frozen: SlackStandIn, frozen_client: WebClient):
    frozen_client.views_open(trigger_id=frozen.mint_trigger("U0REP1"), view=modal(external_id="case-42"))
    updated = frozen_client.views_update(external_id="case-42", view=modal("Found", external_id="case-42"))
    assert updated["view"]["title"]["text"] == "Found"
    assert _error(frozen_client.views_update, view_id="V99999999", view=modal()) == "not_found"


def test_a_closed_view_cannot_be_updated(frozen: SlackStandIn, frozen_client: WebClient):
    opened = frozen_client.views_open(trigger_id=frozen.mint_trigger("U0REP1"), view=modal())["view"]
    frozen.user("U0REP1").close_view()
    assert _error(frozen_client.views_update, view_id=opened["id"], view=modal()) == "not_found"


def test_the_stack_holds_three_views(frozen: SlackStandIn, frozen_client: WebClient):
    root = frozen_client.views_open(trigger_id=frozen.mint_trigger("U0REP1"), view=modal("One"))["view"]
    second = frozen_client.views_push(trigger_id=frozen.mint_trigger("U0REP1"), view=modal("Two"))["view"]
    third = frozen_client.views_push(trigger_id=frozen.mint_trigger("U0REP1"), view=modal("Three"))["view"]
    assert (second["root_view_id"], second["previous_view_id"]) == (root["id"], root["id"])
    assert third["previous_view_id"] == second["id"]
    fourth = _error(frozen_client.views_push, trigger_id=frozen.mint_trigger("U0REP1"), view=modal("Four"))
    assert fourth == "push_limit_reached"
    assert [v["title"]["text"] for v in frozen.view_stack("U0REP1")] == ["One", "Two", "Three"]


def test_views_publish_sets_the_home_tab(standin: SlackStandIn, client: WebClient):
    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "On call: Li Wei"}}]}
    published = client.views_publish(user_id="U0LEAD1", view=home)["view"]
    again = client.views_publish(user_id="U0LEAD1", view=home, hash=published["hash"])["view"]
    assert again["id"] == published["id"]
    assert standin.home_view("U0LEAD1")["blocks"] == home["blocks"]
    assert _error(client.views_publish, user_id="U0LEAD1", view=modal()) == "invalid_arguments"
    assert _error(client.views_publish, user_id="U0NOBODY", view=home) == "user_not_found"


def test_entered_values_survive_an_update_that_keeps_block_and_action_ids(
    frozen: SlackStandIn, frozen_client: WebClient
):
    summary = {
        "type": "input",
        "block_id": "summary",
        "label": {"type": "plain_text", "text": "Summary"},
        "element": {"type": "plain_text_input", "action_id": "summary"},
    }
    view = modal(submit={"type": "plain_text", "text": "Send"}, blocks=[summary])
    opened = frozen_client.views_open(trigger_id=frozen.mint_trigger("U0REP1"), view=view)["view"]
    rep = frozen.user("U0REP1")
    assert rep.select(opened, "summary", "summary", "Ads paused") is None, "inputs without dispatch_action send nothing"
    updated = frozen_client.views_update(
        view_id=opened["id"], view={**view, "title": {"type": "plain_text", "text": "Now"}}
    )
    assert updated["view"]["state"]["values"]["summary"]["summary"]["value"] == "Ads paused"
