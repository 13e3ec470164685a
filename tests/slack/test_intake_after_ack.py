"""The form is opened after the ack, in a pool of its own (bot/slack/app.py AFTER_ACK): an ack never waits
for a listener thread that is waiting on Slack for another rep's form."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from slack_standin import Signing, SlackStandIn
from tests.slack.conftest import file_case, wait_until

REPS = 20  # more than Bolt's 16 listener threads


def test_every_rep_is_acked_in_time_while_slack_is_slow_to_open_the_forms(standin: SlackStandIn, bot):
    standin.faults.add("views.open", hang=3.5, times=None)  # each form takes longer than Slack's ack deadline
    start = threading.Barrier(REPS)

    def command(_: int) -> tuple[int, bool]:
        start.wait()
        response = standin.user("U0REP1").slash_command("/ad-escalate", text="review Acme", channel_id="C0SALES")
        return response.status, response.on_time

    with ThreadPoolExecutor(REPS) as pool:
        answers = list(pool.map(command, range(REPS)))
    assert answers == [(200, True)] * REPS
    # The forms were still asked for, every one of them, once their turn came.
    wait_until(lambda: len(standin.calls("views.open")) == REPS, timeout=15)


def test_a_form_that_slack_refuses_is_still_reported_to_the_rep(standin: SlackStandIn, bot):
    standin.faults.add("views.open", error="expired_trigger_id")
    response = standin.user("U0REP1").slash_command("/ad-escalate", channel_id="C0SALES")
    assert response.status == 200 and response.on_time
    said = wait_until(lambda: standin.ephemerals("U0REP1"))
    assert "expired_trigger_id" in said[-1]["text"]


def test_the_runner_is_kicked_for_a_filed_case_once_the_submission_has_been_answered(standin: SlackStandIn, bot):
    # bot/jobs/acks_first.py: the listener's kick waits for the answer; then the case is posted at once.
    held = bot.acks.held
    response = file_case(standin)
    assert response.json()["response_action"] == "update"
    wait_until(lambda: [m for m in standin.messages("C0ESCALATE") if "Acme" in str(m.get("blocks"))])
    assert bot.acks.held > held, "the submission's kick was held for its answer"
    wait_until(lambda: bot.acks.in_flight == 0)


def test_every_slack_request_is_counted_out_answered_or_refused(standin: SlackStandIn, bot):
    rep = standin.user("U0REP1")
    forged = rep.slash_command("/ad-escalate", channel_id="C0SALES", signing=Signing(secret="not-ours"))
    assert forged.status == 401
    assert rep.slash_command("/ad-escalate", channel_id="C0SALES").ok
    wait_until(lambda: bot.acks.in_flight == 0)
