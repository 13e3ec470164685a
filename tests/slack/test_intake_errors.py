"""Bad input gets Slack's inline field errors and stores nothing; duplicates are offered, not filed."""

from __future__ import annotations

import json

import pytest

from slack_standin import SlackStandIn
from tests.slack.conftest import file_case, in_days, last_seq, open_flow, prelaunch_values, wait_until


def case_count(bot) -> int:
    with bot.store.transaction() as tx:
        return tx.cases.count()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("advertiser", None, "Advertiser is required"),
        ("deadline", in_days(-1), "The deadline is in the past"),
        ("creative_url", "htp:/broken link", "Enter a full link"),
        ("salesforce_url", "https://phish.example.net/006", "Use a link on salesforce.com"),
        ("advertiser", "A" * 300, "Keep it under 120 characters"),
        ("question", "help", "Write at least 10 characters"),
    ],
)
def test_bad_field_comes_back_as_an_inline_error(standin: SlackStandIn, bot, field, value, message):
    person = open_flow(standin, "U0REP1", "prelaunch_review")
    values = prelaunch_values()
    values.pop(f"field_{field}")
    if value is not None:
        values[f"field_{field}"] = value
    # client_validation=False: send what a modified or older client could send; the bot must check itself.
    response = person.submit_view(values, client_validation=False)
    assert response.status == 200
    assert response.json()["response_action"] == "errors"
    assert list(response.errors) == [f"field_{field}"]
    assert response.errors[f"field_{field}"].startswith(message)
    assert person.current_view() is not None  # the modal stays open with the rep's input
    assert case_count(bot) == 0
    assert standin.calls("chat.postMessage") == []


def test_submitting_without_a_type_asks_for_one(standin: SlackStandIn, bot):
    person = standin.user("U0REP1")
    person.slash_command("/ad-escalate", channel_id="C0SALES")
    standin.wait_for_call("views.open")
    response = person.submit_view({}, client_validation=False)
    assert response.errors == {"flow_pick": "Pick an escalation type"}


def test_open_case_for_same_advertiser_and_campaign_is_offered_to_follow(standin: SlackStandIn, bot):
    file_case(standin, "U0REP1")
    wait_until(lambda: standin.calls("chat.getPermalink"))
    person = open_flow(standin, "U0REP2", "prelaunch_review")
    response = person.submit_view(prelaunch_values(advertiser="ACME foods", campaign="spring LAUNCH"))
    assert response.json()["response_action"] == "update"
    view = person.open_view()
    notice = json.dumps(view["blocks"][0])
    assert "ADS-1001" in notice and "already open" in notice
    assert case_count(bot) == 1

    mark = last_seq(standin)
    response = person.submit_view({"duplicate_choice": "follow"})
    assert "You now follow *ADS-1001*" in json.dumps(response.json()["view"])
    dm = standin.wait_for_call("chat.postMessage", where=lambda c: c.seq > mark and c.args["channel"] == "U0REP2")
    assert "ADS-1001" in dm.args["text"]
    assert case_count(bot) == 1
    with bot.store.transaction() as tx:
        assert tx.cases.get(1).followers == ("U0REP1", "U0REP2")


def test_rep_may_file_a_new_case_despite_an_open_one(standin: SlackStandIn, bot):
    file_case(standin, "U0REP1")
    person = open_flow(standin, "U0REP2", "prelaunch_review")
    person.submit_view(prelaunch_values())
    response = person.submit_view({"duplicate_choice": "file_new"})
    assert "ADS-1002" in json.dumps(response.json()["view"])
    assert case_count(bot) == 2
