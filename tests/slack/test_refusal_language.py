"""Refusals in the rep's language: every refusal is answered in one place (bot/slack/refusals.py), in the
Slack locale of the person who pressed, where a catalogue translates it; English otherwise."""

from __future__ import annotations

from typing import Any

import pytest

from slack_standin import SlackStandIn
from tests.slack.conftest import file_case, prelaunch_values, wait_until
from tests.slack.test_form_language import open_in


def root(standin: SlackStandIn, bot) -> dict[str, Any]:
    """The case's root message as Slack holds it (Slack posts about one message a second to a channel)."""

    def posted() -> Any:
        with bot.store.read() as tx:  # a fresh snapshot each time
            return tx.cases.get(1).root

    ref = wait_until(posted, timeout=30)
    return next(m for m in standin.messages(ref.channel_id) if m["ts"] == ref.ts)


def press(standin: SlackStandIn, bot, user: str, action_id: str, value: str) -> str:
    """`user` presses a button on the case's root message; the ephemeral answer they get."""
    mark = len(standin.ephemerals(user))
    standin.user(user).click(root(standin, bot), action_id, value=value, channel="C0ESCALATE")
    return wait_until(lambda: standin.ephemerals(user)[mark:], timeout=20)[0]["text"]  # a busy machine is slow


@pytest.mark.parametrize(
    ("locale", "told"),
    [
        ("ja-JP", "このボタンは古くなっています。"),
        ("en-US", "That button is out of date."),
        ("fr-FR", "That button is out of date."),  # no catalogue: English
    ],
)
def test_a_stale_button_is_refused_in_the_pressers_language(standin: SlackStandIn, bot, locale, told):
    file_case(standin)
    standin.workspace.users["U0REP2"].locale = locale
    assert press(standin, bot, "U0REP2", "case_ack", value="no-such-case") == told


def test_a_japanese_rep_is_refused_in_japanese_and_an_english_one_in_english(standin: SlackStandIn, bot):
    file_case(standin)
    standin.workspace.users["U0REP2"].locale = "ja-JP"
    standin.workspace.users["U0REP3"].locale = "en-GB"
    assert press(standin, bot, "U0REP2", "case_ack", value="1") == (
        ":no_entry: ADS-1001 でこの操作ができるのは、広告ポリシーのスペシャリストとリードだけです。"
        "スレッドで情報を追加することはできます。"
    )
    assert press(standin, bot, "U0REP3", "case_ack", value="1") == (
        ":no_entry: Only the ads policy specialists and leads can do that on ADS-1001. "
        "You can add information in its thread."
    )


def test_a_refused_transition_is_told_with_its_status_and_action_translated(standin: SlackStandIn, bot):
    """The reporter may reopen, but not a case that is still new: the sentence and its words in Japanese."""
    person, _ = open_in(standin, "U0REP1", "ja-JP")  # filed in Japanese: the form waited for the locale
    assert person.submit_view(prelaunch_values()).status == 200
    refused = press(standin, bot, "U0REP1", "case_do", value="reopen:1")
    assert refused == ":no_entry: ステータスが「新規」のケースは「再オープン」にできません。"
