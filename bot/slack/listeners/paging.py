"""Acknowledge and "Can't take it" buttons, from a page DM or the case's root message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.clock import Clock
from bot.domain.refusal import BUTTON_OUT_OF_DATE, Stale
from bot.services.page_answers import PageAnswers
from bot.services.paging import PassedOn
from bot.slack import ids

# Said only about what the pass-on queued in its own transaction ("being alerted", not "told").
PASSED_ON = {
    PassedOn.NEXT_LEVEL: "Passed on: the next level is paged now.",
    PassedOn.LEADS_AND_NEXT_ROUND: (
        "Passed on. That was the last level: the leads' channel is being alerted now, "
        "and paging starts again from level 1."
    ),
    PassedOn.LEADS: "Passed on. There is no further level: the leads' channel is being alerted now.",
    PassedOn.NOTHING: "Passed on. Every level has been paged and the leads were alerted already.",
}


def _case_id(action: dict[str, Any]) -> int | None:
    try:
        return int(action.get("value", ""))
    except ValueError:
        return None


@dataclass
class PagingListeners:
    """Listeners for the paging buttons; PageAnswers checks the person, the store keeps the first answer."""

    answers: PageAnswers
    clock: Clock
    kick: Callable[[], None]

    def register(self, app: App) -> None:
        app.action(ids.CASE_ACK_ACTION)(self.handle_acknowledge)
        app.action(ids.PAGE_PASS_ACTION)(self.handle_pass_on)
        app.action(ids.OPEN_THREAD_ACTION)(self.handle_open_thread)

    def _press(
        self, body: dict[str, Any], action: dict[str, Any], respond: Respond, do: Callable[[int, str], str]
    ) -> None:
        """The shared path of both buttons: parse, run `do`, tell the person the result (a refusal rises
        to bot/slack/refusals.py)."""
        case_id = _case_id(action)
        if case_id is None:
            raise Stale(BUTTON_OUT_OF_DATE)
        told = do(case_id, body["user"]["id"])
        respond(text=told, response_type="ephemeral", replace_original=False)
        self.kick()

    def handle_acknowledge(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()

        def do(case_id: int, user_id: str) -> str:
            case = self.answers.acknowledge(case_id, user_id=user_id, now=self.clock.now())
            return (
                f":white_check_mark: You acknowledged {case.human_id}; paging has stopped. Work it in the case thread."
            )

        self._press(body, action, respond, do)

    def handle_pass_on(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()

        def do(case_id: int, user_id: str) -> str:
            return PASSED_ON[self.answers.pass_on(case_id, user_id=user_id, now=self.clock.now())]

        self._press(body, action, respond, do)

    def handle_open_thread(self, ack: Ack) -> None:
        ack()  # a link button: Slack opens the URL and still tells the app
