"""A real bot logging at DEBUG through the JSON handler: a sensitive case is filed and paged, and no
line carries the bot token, the signing secret or the case's text; runner and Slack lines carry
their context."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from bot.observability.logs import configure_logging
from slack_standin import SlackStandIn
from tests.slack.conftest import SECRET, TOKEN, open_flow, wait_until

SGT = ZoneInfo("Asia/Singapore")
QUESTION = "A reporter holds the leaked Hush Holdings creative brief and publishes at noon"
ADVERTISER = "Hush Holdings"
PINNED = ("slack_sdk", "bot.slack.web", "sqlalchemy.engine")


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """The root logger at DEBUG through configure_logging's JSON handler into a buffer (undone after)."""
    root = logging.getLogger()
    saved = root.level, {name: logging.getLogger(name).level for name in PINNED}
    buffer = io.StringIO()
    handler = configure_logging("json", logging.DEBUG, secrets=[TOKEN, SECRET], stream=buffer, force=True)
    assert handler is not None
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        for name, level in saved[1].items():
            logging.getLogger(name).setLevel(level)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 1, 11, 0, tzinfo=SGT), ticking=True)  # a Tuesday morning


def file_sensitive_case(standin: SlackStandIn, clock: FakeClock) -> None:
    person = open_flow(standin, "U0REP1", "pr_risk")  # pr_risk is sensitive: true
    response = person.submit_view(
        {
            "field_advertiser": ADVERTISER,
            "field_campaign": "Quiet launch",
            "field_market": "SG",
            "field_audience": "press",
            "field_deadline": (clock.now() + timedelta(hours=3)).replace(microsecond=0),
            "field_question": QUESTION,
            "field_salesforce_url": "https://acme.my.salesforce.com/0065g00000AbCdE",
        }
    )
    assert response.status == 200, response.body


def test_debug_logs_of_a_sensitive_case_hold_no_secret_or_case_text_and_carry_context(
    json_lines: io.StringIO, standin: SlackStandIn, make_bot, clock
):
    bot = make_bot(clock=clock)
    file_sensitive_case(standin, clock)
    # The question went to Slack in a message body (the restricted channel), and a page went out.
    wait_until(lambda: [c for c in standin.calls("chat.postMessage") if c.ok and QUESTION in json.dumps(c.args)])
    wait_until(lambda: [c for c in standin.calls("chat.postMessage") if c.ok and c.args["channel"].startswith("U")])
    wait_until(lambda: '"job_kind": "page.send"' in json_lines.getvalue() and "job_done" in json_lines.getvalue())
    with bot.store.read() as tx:
        case = tx.cases.get(1)
    assert case.sensitive

    text = json_lines.getvalue()
    assert text.endswith("\n")
    lines: list[dict[str, Any]] = [json.loads(line) for line in text.splitlines()]  # every line is JSON
    assert len(lines) > 20
    for secret in (TOKEN, SECRET, QUESTION, ADVERTISER):
        assert secret not in text

    runner = [line for line in lines if line["logger"] == "bot.jobs.runner"]
    assert runner and all("job_id" in line and "job_kind" in line for line in runner)
    case_jobs = [line for line in runner if line["job_kind"].startswith(("case.", "page."))]
    assert {"case.post_root", "page.escalate", "page.send"} <= {line["job_kind"] for line in case_jobs}
    assert all(line.get("case_id") == case.id for line in case_jobs)

    slack_calls = [line for line in lines if line["message"].startswith("slack_call ")]
    assert {"chat.postMessage", "views.open", "views.update"} <= {line["slack_method"] for line in slack_calls}
    assert all(f"method={line['slack_method']} " in line["message"] for line in slack_calls)

    opened = next(line for line in lines if line["message"].startswith("case_opened"))
    assert opened["case_id"] == case.id and opened["flow"] == "pr_risk"
    assert any(line.get("request_id") for line in lines)  # lines logged while Bolt handled a request
    assert all(line["ts"].endswith("Z") and line["level"] in {"DEBUG", "INFO", "WARNING", "ERROR"} for line in lines)
