"""Case controls on the root message and in the rep's DMs: Take, the overflow menu, and their modals."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.clock import Clock
from bot.config.model import Config
from bot.domain.identity import is_user_id
from bot.domain.lifecycle import RULES, Action, InvalidTransition, Outcome
from bot.domain.permissions import NotAllowed
from bot.domain.refusal import MENU_OUT_OF_DATE, Stale
from bot.services.case_actions import ActionRequest, CaseActions
from bot.services.case_reads import CaseReads
from bot.services.staff import Staff
from bot.slack import ids
from bot.slack.blocks.case_actions import build_action_modal, build_refusal_view
from bot.slack.forms import open_form
from bot.slack.rate_gate import GateClosed
from bot.slack.state import selected_value

NEEDS_INPUT = frozenset(
    {
        Action.REASSIGN,
        Action.CHANGE_SEVERITY,
        Action.ADD_NOTE,
        Action.REQUEST_INFO,
        Action.WAIT_ON_PARTNER,
        Action.RESOLVE,
        Action.REOPEN,
        Action.REP_REPLIED,
    }
)
CONFIRMATIONS = {
    Action.TAKE: "You took {id}; paging has stopped and the root message shows you as owner.",
    Action.RESUME: "{id} is back in progress.",
    Action.CLOSE: "{id} is closed.",
}

log = logging.getLogger(__name__)


def _text(values: dict[str, Any], block_id: str) -> str:
    value = values.get(block_id, {}).get(ids.FIELD_ACTION, {}).get("value")
    return value.strip() if isinstance(value, str) else ""


@dataclass
class CaseListeners:
    """Every lifecycle control goes through CaseActions; this class only parses and renders."""

    config: Config
    cases: CaseReads
    clock: Clock
    actions: CaseActions
    staff: Staff
    kick: Callable[[], None]

    def register(self, app: App) -> None:
        app.action(ids.CASE_TAKE_ACTION)(self.handle_take)
        app.action(ids.CASE_MENU_ACTION)(self.handle_menu)
        app.action(ids.CASE_DO_ACTION)(self.handle_menu)
        app.action(ids.REP_REPLY_ACTION)(self.handle_rep_reply)
        app.action(ids.REP_FOLLOW_UP_ACTION)(self.handle_follow_up)
        app.view_submission(ids.CASE_ACTION_CALLBACK)(self.handle_submission)

    def _say(self, respond: Respond, text: str) -> None:
        respond(text=text, response_type="ephemeral", replace_original=False)

    def _run(self, respond: Respond, case_id: int, request: ActionRequest, user_id: str) -> None:
        case = self.cases.get(case_id)
        now = self.clock.now()
        updated = self.actions.perform(case_id, request, actor=self.staff.actor(user_id, case, now=now), now=now)
        self._say(respond, CONFIRMATIONS.get(request.action, "Done: {id}.").format(id=updated.human_id))
        self.kick()

    def _open_modal(
        self, client: WebClient, respond: Respond, body: dict[str, Any], case_id: int, action: Action
    ) -> None:
        """The form opens first: the trigger dies 3 s after the click, and the access check may ask
        Slack for user groups; a refusal then replaces the form. A sensitive case is checked first
        instead, so its form never shows to someone who may not see it."""
        case = self.cases.get(case_id)
        if case.status not in RULES[action][0]:
            raise InvalidTransition(action, case.status)
        user_id = body["user"]["id"]
        if case.sensitive:
            self.staff.check(user_id, action, case, now=self.clock.now())
        view_id = open_form(
            client,
            trigger_id=body["trigger_id"],
            view=build_action_modal(case, self.config.flow(case.flow_id), action),
            tell=lambda text: self._say(respond, text),
        )
        if view_id is None or case.sensitive:
            return
        try:
            self.staff.check(user_id, action, case, now=self.clock.now())
        except NotAllowed:
            try:  # the form is closed here; the refusal itself is answered with the others (refusals.py)
                client.views_update(view_id=view_id, view=build_refusal_view("You may not do this on this case."))
            except (SlackApiError, SlackClientError, OSError, GateClosed) as exc:
                log.warning("refusal view not shown: %s", type(exc).__name__)
            raise

    def handle_take(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        self._run(respond, int(action.get("value", 0)), ActionRequest(Action.TAKE), body["user"]["id"])

    def handle_menu(
        self, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        value = str((action.get("selected_option") or {}).get("value") or action.get("value") or "")
        name, _, case_id = value.partition(":")
        try:
            chosen, number = Action(name), int(case_id)
        except ValueError:
            raise Stale(MENU_OUT_OF_DATE) from None
        if chosen is Action.WITHDRAW:  # only from the articles shown at intake, which name the guide
            raise Stale(MENU_OUT_OF_DATE)
        if chosen in NEEDS_INPUT:
            self._open_modal(client, respond, body, number, chosen)
        else:
            self._run(respond, number, ActionRequest(chosen), body["user"]["id"])

    def handle_rep_reply(
        self, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        self._open_modal(client, respond, body, int(action.get("value", 0)), Action.REP_REPLIED)

    def handle_follow_up(
        self, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        self._open_modal(client, respond, body, int(action.get("value", 0)), Action.REOPEN)

    def handle_submission(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = view.get("state", {}).get("values", {})
        meta = json.loads(view.get("private_metadata") or "{}")
        action = Action(meta["action"])
        outcome = selected_value(values, ids.CASE_OUTCOME_BLOCK, ids.FIELD_ACTION)
        user = values.get(ids.CASE_USER_BLOCK, {}).get(ids.FIELD_ACTION, {}).get("selected_user")
        worth = values.get(ids.CASE_GUIDE_BLOCK, {}).get(ids.FIELD_ACTION, {}).get("selected_options") or []
        request = ActionRequest(
            action=action,
            text=_text(values, ids.CASE_TEXT_BLOCK),
            user_id=user if isinstance(user, str) else None,
            severity_id=selected_value(values, ids.CASE_SEVERITY_BLOCK, ids.FIELD_ACTION),
            outcome=Outcome(outcome) if outcome else None,
            policy_ref=_text(values, ids.CASE_POLICY_BLOCK),
            worth_a_guide=any(isinstance(o, dict) and o.get("value") == ids.WORTH_A_GUIDE for o in worth),
        )
        if action is Action.REASSIGN and not is_user_id(request.user_id):
            ack(response_action="errors", errors={ids.CASE_USER_BLOCK: "Pick a person from the list"})
            return
        if action is Action.RESOLVE and request.outcome is None:
            ack(response_action="errors", errors={ids.CASE_OUTCOME_BLOCK: "Pick an outcome"})
            return
        case = self.cases.get(int(meta["case_id"]))  # refusals show on the form (bot/slack/refusals.py)
        now = self.clock.now()
        self.actions.perform(case.id, request, actor=self.staff.actor(body["user"]["id"], case, now=now), now=now)
        ack()
        self.kick()
