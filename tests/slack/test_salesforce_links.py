"""Salesforce links through Slack: parsed to the record on filing, shown on the case, found with `find`,
and a link that names no record (or a mistyped id) comes back as the field's inline error."""

from __future__ import annotations

import json

import pytest

from slack_standin import SlackStandIn
from tests.slack.conftest import file_case, open_flow, prelaunch_values, wait_until

LIGHTNING = "https://acme.lightning.force.com/lightning/r/Opportunity/0065g00000AbCdEAAV/view"


def stored(bot):
    with bot.store.read() as tx:
        return tx.cases.get(1)


def test_a_lightning_link_is_stored_as_its_record_shown_in_the_thread_and_found_by_id(standin: SlackStandIn, bot):
    file_case(standin, salesforce_url=LIGHTNING)
    case = wait_until(lambda: (c := stored(bot)).root and c)
    assert (case.salesforce_object, case.salesforce_id) == ("Opportunity", "0065g00000AbCdEAAV")
    details = standin.wait_for_call(
        "chat.postMessage",
        where=lambda c: c.args.get("thread_ts") == case.root.ts and c.args["text"].startswith("Details"),
    )
    assert f"<{LIGHTNING}|Opportunity 0065g00000AbCdEAAV>" in json.dumps(details.args["blocks"])

    # The 15-character id (as a Classic page shows it) finds the case; so does the link itself.
    for text in ("find 0065g00000AbCdE", f"find {LIGHTNING}"):
        mark = len(standin.ephemerals("U0REP2"))
        standin.user("U0REP2").slash_command("/ad-escalate", text=text, channel_id="C0SALES")
        found = wait_until(lambda m=mark: [e for e in standin.ephemerals("U0REP2")[m:] if e.get("blocks")])[-1]
        assert "ADS-1001" in json.dumps(found["blocks"]), text


@pytest.mark.parametrize(
    ("link", "message"),
    [
        ("https://acme.my.salesforce.com/0065g00000AbCdEAAA", "That Salesforce id is mistyped"),
        ("https://acme.lightning.force.com/lightning/o/Opportunity/list", "Link to the record itself"),
        ("https://phish.example.net/0065g00000AbCdE", "Use a link on salesforce.com"),
    ],
)
def test_a_link_that_names_no_record_keeps_its_inline_error(standin: SlackStandIn, bot, link, message):
    person = open_flow(standin, "U0REP1", "prelaunch_review")
    response = person.submit_view(prelaunch_values(salesforce_url=link), client_validation=False)
    assert response.json()["response_action"] == "errors"
    assert response.errors["field_salesforce_url"].startswith(message)
    with bot.store.read() as tx:
        assert tx.cases.count() == 0
