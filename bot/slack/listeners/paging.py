"""Acknowledge and "Can't take it" buttons, from a page DM or the case's root message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, Respond

from bot.clock import Clock
from bot.domain.case import AlreadyAcknowledged, CaseNotOpen
from bot.domain.lifecycle import Action
from bot.domain.permissions import NotAllowed
from bot.services.paging import PassedOn, acknowledge, pass_on
from bot.services.staff import Staff
from bot.slack import ids
from bot.slack.blocks.parts import slack_date
from bot.store.store import Store

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
    """Listeners for the paging buttons; the first acknowledgement wins in the store."""

    store: Store
    clock: Clock
    tz: ZoneInfo
    kick: Callable[[], None]
    staff: Staff | None = None

    def _refuse_outsider(self, respond: Respond, user_id: str, case_id: int, action: Action) -> bool:
        """True (and the person told) when they may not do this; nothing changes then."""
        if self.staff is None:
            return False
        with self.store.read() as tx:
            case = tx.cases.find(case_id)
        if case is None:
            self._say(respond, "That case no longer exists.")
            return True
        try:
            self.staff.check(user_id, action, case, now=self.clock.now())
        except NotAllowed as refused:
            self._say(respond, f":no_entry: {refused}")
            return True
        return False

    def register(self, app: App) -> None:
        app.action(ids.CASE_ACK_ACTION)(self.handle_acknowledge)
        app.action(ids.PAGE_PASS_ACTION)(self.handle_pass_on)
        app.action(ids.OPEN_THREAD_ACTION)(self.handle_open_thread)

    def _say(self, respond: Respond, text: str) -> None:
        respond(text=text, response_type="ephemeral", replace_original=False)

    def _refusal(self, exc: AlreadyAcknowledged | CaseNotOpen) -> str:
        case = exc.case
        if isinstance(exc, AlreadyAcknowledged) and case.acknowledged_by:
            when = f" at {slack_date(case.acknowledged_at, self.tz)}" if case.acknowledged_at else ""
            return f"{case.human_id} was already acknowledged by <@{case.acknowledged_by}>{when}."
        return f"{case.human_id} is {case.status.value.replace('_', ' ')}; there is nothing to acknowledge."

    def _press(
        self, body: dict[str, Any], action: dict[str, Any], respond: Respond, do: Callable[[int, str], str]
    ) -> None:
        """The shared path of both buttons: parse, check the person, run `do`, tell them the result."""
        case_id = _case_id(action)
        user_id = body["user"]["id"]
        if case_id is None:
            self._say(respond, "That button is out of date.")
            return
        if self._refuse_outsider(respond, user_id, case_id, Action.ACKNOWLEDGE):
            return
        try:
            told = do(case_id, user_id)
        except (AlreadyAcknowledged, CaseNotOpen) as exc:
            self._say(respond, self._refusal(exc))
            return
        self._say(respond, told)
        self.kick()

    def handle_acknowledge(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()

        def do(case_id: int, user_id: str) -> str:
            case = acknowledge(case_id, user_id=user_id, store=self.store, now=self.clock.now())
            return (
                f":white_check_mark: You acknowledged {case.human_id}; paging has stopped. Work it in the case thread."
            )

        self._press(body, action, respond, do)

    def handle_pass_on(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()

        def do(case_id: int, user_id: str) -> str:
            passed = pass_on(case_id, user_id=user_id, store=self.store, now=self.clock.now())
            return PASSED_ON[passed]

        self._press(body, action, respond, do)

    def handle_open_thread(self, ack: Ack) -> None:
        ack()  # a link button: Slack opens the URL and still tells the app
