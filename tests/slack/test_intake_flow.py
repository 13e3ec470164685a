"""A rep files an escalation end to end: signed requests in, Web API calls out to the stand-in."""

from __future__ import annotations

import json

from slack_standin import SlackStandIn
from tests.slack.conftest import file_case, last_seq, open_flow, wait_until


def test_slash_command_acks_and_opens_the_type_picker(standin: SlackStandIn, bot):
    response = standin.user("U0REP1").slash_command("/ad-escalate", channel_id="C0SALES")
    assert response.status == 200 and response.on_time
    call = standin.wait_for_call("views.open")
    assert call.ok
    view = call.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "intake_submit"
    picker = view["blocks"][0]
    assert picker["block_id"] == "flow_pick" and picker["dispatch_action"] is True
    assert {o["value"] for o in picker["element"]["options"]} >= {"prelaunch_review", "advertiser_appeal"}


def test_picking_a_type_shows_its_fields_and_keeps_the_view(standin: SlackStandIn, bot):
    person = open_flow(standin, "U0REP1", "prelaunch_review")
    update = standin.calls("views.update")[-1]
    assert update.args["hash"]  # the hash guards against a stale update
    view = person.open_view()
    block_ids = [b.get("block_id") for b in view["blocks"]]
    assert {"field_advertiser", "field_deadline", "field_creative_url"} <= set(block_ids)


def test_command_text_picks_a_flow_by_alias_and_prefills_the_question(standin: SlackStandIn, bot):
    standin.user("U0REP2").slash_command("/ad-escalate", text="appeal Acme video was disapproved", channel_id="C0SALES")
    standin.wait_for_call("views.open")
    view = standin.user("U0REP2").open_view()
    picker = next(b for b in view["blocks"] if b.get("block_id") == "flow_pick")
    assert picker["element"]["initial_option"]["value"] == "advertiser_appeal"
    question = next(b for b in view["blocks"] if b.get("block_id") == "field_question")
    assert question["element"]["initial_value"] == "Acme video was disapproved"


def test_the_next_rep_to_open_the_same_form_sees_nothing_of_the_last_ones(standin: SlackStandIn, bot):
    # The form's fixed parts are built once and shared (bot/slack/blocks/built_once.py); what a rep typed is not.
    def review_form(user: str, text: str, channel: str) -> dict:
        mark = last_seq(standin)
        standin.user(user).slash_command("/ad-escalate", text=text, channel_id=channel)
        return standin.wait_for_call("views.open", where=lambda c: c.seq > mark and c.ok).args["view"]

    first = review_form("U0REP1", "review Mei's secret launch", "C0SALES")
    assert "Mei's secret launch" in json.dumps(first)
    second = review_form("U0REP2", "review", "C0ESCALATE")
    assert "Mei's secret launch" not in json.dumps(second)
    question = next(b for b in second["blocks"] if b.get("block_id") == "field_question")
    assert "initial_value" not in question["element"]
    meta = json.loads(second["private_metadata"])
    assert meta["source_channel_id"] == "C0ESCALATE" and meta["text"] == ""


def test_submission_files_a_case_posts_it_and_tells_the_rep(standin: SlackStandIn, bot):
    response = file_case(standin)
    answer = response.json()
    assert answer["response_action"] == "update"
    assert "ADS-1001" in json.dumps(answer["view"])

    root = standin.wait_for_call(
        "chat.postMessage", where=lambda c: c.args.get("channel") == "C0ESCALATE" and "thread_ts" not in c.args and c.ok
    )
    headline = root.args["blocks"][0]["text"]["text"]
    assert headline.startswith("*:large_yellow_circle: SEV3 · Normal — ADS-1001")
    assert "Acme Foods" in headline and "Spring launch" in headline
    assert root.args["text"].startswith(":large_yellow_circle: SEV3")
    root_ts = root.response["ts"]

    details = standin.wait_for_call(
        "chat.postMessage", where=lambda c: c.args.get("thread_ts") == root_ts and c.args["text"].startswith("Details")
    )
    detail_text = json.dumps(details.args["blocks"])
    assert "Can the alcohol creative run before 10 pm in Singapore?" in detail_text
    assert "salesforce.com" in detail_text and "Video" in detail_text

    dm = standin.wait_for_call("chat.postMessage", where=lambda c: c.args.get("channel") == "U0REP1" and c.ok)
    permalink = standin.calls("chat.getPermalink")[-1].response["permalink"]
    assert "ADS-1001" in dm.args["text"]
    assert permalink in json.dumps(dm.args["blocks"])

    thread = standin.messages("C0ESCALATE", thread_ts=root_ts)
    assert [m["text"][:7] for m in thread[:2]] == [root.args["text"][:7], "Details"]

    def confirmed():
        with bot.store.transaction() as tx:
            events = [e.kind for e in tx.cases.events(1)]
            return (tx.cases.get(1), events) if "reporter_confirmed" in events else None

    case, events = wait_until(confirmed)
    assert case.root is not None and case.root.ts == root_ts
    assert case.permalink == permalink
    assert events[:2] == ["opened", "paging_started"]
    assert {"posted", "details_posted", "reporter_confirmed"} <= set(events)


def test_a_near_deadline_raises_the_severity_shown_first(standin: SlackStandIn, bot):
    from tests.slack.conftest import in_days

    file_case(standin, deadline=in_days(0.5))
    root = standin.wait_for_call("chat.postMessage", where=lambda c: c.args.get("channel") == "C0ESCALATE")
    assert root.args["text"].startswith(":large_orange_circle: SEV2 · High")


def test_follow_button_adds_the_clicker_as_follower(standin: SlackStandIn, bot):
    file_case(standin)
    root = standin.wait_for_call("chat.postMessage", where=lambda c: c.args.get("channel") == "C0ESCALATE" and c.ok)
    mark = last_seq(standin)
    standin.user("U0REP2").click(root.response["ts"], "case_follow", value="1", channel="C0ESCALATE")
    standin.wait_for_call("chat.postMessage", where=lambda c: c.seq > mark and c.args.get("channel") == "U0REP2")
    with bot.store.transaction() as tx:
        assert tx.cases.get(1).followers == ("U0REP1", "U0REP2")
    note = standin.wait_for_call(
        "chat.postMessage",
        where=lambda c: c.args.get("thread_ts") == root.response["ts"] and "U0REP2" in c.args.get("text", ""),
    )
    assert note.ok


def test_the_form_is_answered_with_prefilled_values_after_a_type_change(standin: SlackStandIn, bot):
    person = open_flow(standin, "U0REP3", "prelaunch_review")
    view = person.open_view()
    person.submit_view({"field_advertiser": "Keep Me"} | {"flow_pick": "advertiser_appeal"}, client_validation=False)
    view = person.open_view()
    advertiser = next(b for b in view["blocks"] if b.get("block_id") == "field_advertiser")
    assert advertiser["element"].get("initial_value") == "Keep Me"
    assert any(b.get("block_id") == "field_rejection_reason" for b in view["blocks"])


def test_optional_fields_may_stay_empty(standin: SlackStandIn, bot):
    response = file_case(standin, ad_formats=None, salesforce_url=None)
    assert response.json()["response_action"] == "update"
    with bot.store.transaction() as tx:
        case = tx.cases.get(1)
    assert case.values["ad_formats"] is None and case.values["salesforce_url"] is None
