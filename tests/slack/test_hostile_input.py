"""Fault matrix #10: oversized and hostile input is refused or cleaned, never a 500, never stored
half-way, and nothing typed can ping a channel or break a message."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

from slack_standin import SlackStandIn
from tests.slack.conftest import SECRET, file_case, in_days, open_flow, prelaunch_values, wait_until


def case_count(bot) -> int:
    with bot.store.read() as tx:
        return tx.cases.count()


def signed(body: bytes) -> dict[str, str]:
    """Slack's signature over the raw bytes, whatever they are."""
    timestamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={digest}",
    }


def clean(response) -> None:
    assert response.status != 500 and response.status < 500, (response.status, response.body)
    assert "Traceback" not in response.body and 'File "' not in response.body


def test_a_one_megabyte_body_is_refused_before_parsing(standin: SlackStandIn, bot):
    body = urlencode({"command": "/ad-escalate", "text": "x" * (1024 * 1024), "user_id": "U0REP1"}).encode()
    response = standin.post_raw(body, signed(body))
    assert response.status == 413
    clean(response)
    assert case_count(bot) == 0


def test_a_ten_thousand_character_command_opens_a_modal_within_slacks_limits(standin: SlackStandIn, bot):
    text = "review " + "Is this alcohol ad allowed? " * 400  # about 11,000 characters
    assert len(text) > 10_000
    response = standin.user("U0REP1").slash_command("/ad-escalate", text=text, channel_id="C0SALES")
    clean(response)
    assert response.status == 200
    opened = standin.wait_for_call("views.open")
    assert opened.ok, opened.response  # the stand-in checks every Block Kit limit, as Slack does
    assert len(json.dumps(opened.args["view"])) < 250_000


def test_ten_thousand_character_fields_get_inline_errors_and_nothing_is_stored(standin: SlackStandIn, bot):
    person = open_flow(standin, "U0REP1", "prelaunch_review")
    values = prelaunch_values(advertiser="A" * 10_000, question="Why? " * 2_000, deadline=in_days(3))
    # Slack's own client stops this (max_length); a forged or scripted submission does not.
    assert not person.submit_view(values).delivered
    response = person.submit_view(values, client_validation=False)
    clean(response)
    answer = json.loads(response.body)
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) >= {"field_advertiser", "field_question"}
    assert all("characters" in message for message in answer["errors"].values())
    assert case_count(bot) == 0


def test_invalid_utf8_in_a_correctly_signed_request_is_a_clean_400(standin: SlackStandIn, bot):
    for body in (
        b"command=%2Fad-escalate&user_id=U0REP1&text=\xff\xfe\xc3\x28&trigger_id=1.2.3",
        b"payload=%7B%22type%22%3A%22view_submission%22%2C%22x%22%3A%22\xff\xfe%22%7D",
        b"\xc3\x28\xa0\xa1",
    ):
        response = standin.post_raw(body, signed(body))
        clean(response)
        assert response.status in (200, 400, 404), (body, response.status, response.body)
    assert case_count(bot) == 0


def test_markup_and_sql_metacharacters_are_kept_as_text_and_shown_harmlessly(standin: SlackStandIn, bot):
    advertiser = "Robert'); DROP TABLE cases;-- *bold* _it_ ~gone~"
    question = 'Is `code` ok? <https://evil.test|click me> &amp; "}]},{"type":"section"} <!everyone>'
    file_case(standin, advertiser=advertiser, question=question, deadline=in_days(3))
    root = wait_until(
        lambda: next(
            (
                c
                for c in standin.calls("chat.postMessage")
                if c.ok and c.args.get("channel") == "C0ESCALATE" and "thread_ts" not in c.args
            ),
            None,
        )
    )
    with bot.store.read() as tx:
        case = tx.cases.get(1)
    assert case.advertiser == advertiser  # parameterised SQL: stored as typed, the table intact
    assert case_count(bot) == 1
    wait_until(lambda: len([c for c in standin.calls("chat.postMessage") if c.ok]) >= 3)
    for call in standin.calls("chat.postMessage"):
        sent = json.dumps(call.args)
        assert "<https://evil.test" not in sent and "<!everyone>" not in sent
    shown = json.dumps(root.args["blocks"])
    assert "DROP TABLE" in shown  # shown, as text
