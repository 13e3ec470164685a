"""`/ad-policy <question>`, "This answered it" / "Still need help", and withdrawing a case at intake."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.config.model import Config
from bot.domain.case import AlreadyPaged, Case
from bot.domain.flow import FieldRole
from bot.domain.form_text import Catalog, pick_catalog
from bot.domain.guidance import GuideSource
from bot.domain.lifecycle import Action, InvalidTransition
from bot.domain.permissions import Actor, NotAllowed
from bot.services.case_actions import ActionRequest, CaseActions
from bot.services.guidance import Guidance
from bot.services.staff import Staff
from bot.slack import ids
from bot.slack.blocks.guidance import (
    build_answered_reply,
    build_form_answered_view,
    build_policy_answer,
    build_policy_help,
    build_withdraw_result,
)
from bot.slack.blocks.intake_modal import TITLE, build_intake_modal
from bot.slack.escape import escape_mrkdwn
from bot.slack.locales import Locales
from bot.slack.state import IntakeMeta, field_value
from bot.store.store import Store

log = logging.getLogger(__name__)


def _pair(value: str) -> tuple[int, str] | None:
    head, _, tail = value.partition(":")
    return (int(head), tail) if head.isdigit() and tail else None


@dataclass
class GuidanceListeners:
    """Listeners for policy guidance; they parse, call Guidance or CaseActions, and render."""

    config: Config
    store: Store
    clock: Clock
    guidance: Guidance
    locales: Locales
    kick: Callable[[], None]
    actions: CaseActions | None = None
    staff: Staff | None = None

    def register(self, app: App) -> None:
        app.command(self.config.app.policy_command)(self.handle_command)
        app.action(ids.GUIDE_ANSWERED_ACTION)(self.handle_answered)
        app.action(ids.GUIDE_ESCALATE_ACTION)(self.handle_escalate)
        app.action(ids.GUIDE_FORM_ANSWERED_ACTION)(self.handle_form_answered)
        app.action(ids.GUIDE_WITHDRAW_ACTION)(self.handle_withdraw)

    def handle_command(self, ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        question = str(command.get("text") or "").strip()
        if not question or question.lower() in ("help", "?"):
            help_text = build_policy_help(
                self.config.app.policy_command,
                self.config.app.slash_command,
                catalog=self._catalog(str(command.get("user_id"))),
            )
            respond(text=help_text, response_type="ephemeral")
            return
        user_id = str(command.get("user_id"))
        locale = self.locales.locale(user_id)
        answer = self.guidance.ask(
            question, user_id=user_id, source=GuideSource.COMMAND, now=self.clock.now(), locale=locale
        )
        catalog = pick_catalog(self.config.form_catalogs, locale)
        text, blocks = build_policy_answer(answer, locale=locale, catalog=catalog)
        respond(text=text, blocks=blocks, response_type="ephemeral")

    def handle_answered(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        parsed = _pair(str(action.get("value") or ""))
        if parsed is None:
            respond(text="That button is out of date.", response_type="ephemeral", replace_original=False)
            return
        event_id, guide_id = parsed
        user_id = body["user"]["id"]
        if self.guidance.guide(guide_id) is None:
            respond(text="That article is no longer in the policy guides.", response_type="ephemeral")
            return
        searched = self.guidance.searched(event_id) if event_id else None
        self.guidance.answered(
            user_id=user_id,
            guide_id=guide_id,
            source=GuideSource.COMMAND,
            now=self.clock.now(),
            query=searched.query if searched else "",
            locale=searched.locale if searched else None,
            once_key=f"guide.answered:{event_id}:{guide_id}:{user_id}",
        )
        respond(
            text=build_answered_reply(self.guidance.guide(guide_id), catalog=self._catalog(user_id)),
            response_type="ephemeral",
            replace_original=True,
        )

    def handle_escalate(
        self, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        raw = str(action.get("value") or "")
        event_id = int(raw) if raw.isdigit() else 0
        searched = self.guidance.searched(event_id) if event_id else None
        user_id = body["user"]["id"]
        channel = body.get("channel") or {}
        meta = IntakeMeta(
            source_channel_id=channel.get("id") if isinstance(channel, dict) else None,
            text=searched.query if searched else "",
            asked=True,
        )
        try:  # first: the trigger_id dies 3 s after the click
            client.views_open(
                trigger_id=body["trigger_id"], view=build_intake_modal(self.config.flows, chosen=None, meta=meta)
            )
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else "unknown"
            log.warning("views.open failed: %s", error)
            respond(
                text=f":warning: Slack did not open the form ({error}). Run {self.config.app.slash_command} instead.",
                response_type="ephemeral",
                replace_original=False,
            )
            return
        if searched is not None:
            self.guidance.escalated(
                user_id=user_id,
                source=GuideSource.COMMAND,
                now=self.clock.now(),
                guide_ids=searched.guide_ids,
                good_match=searched.good_match,
                query=searched.query,
                locale=searched.locale,
                once_key=f"guide.escalated:{event_id}:{user_id}",
            )

    def handle_form_answered(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        view = body["view"]
        meta = IntakeMeta.load(view.get("private_metadata"))
        guide_id = str(action.get("value") or "")
        user_id = body["user"]["id"]
        if self.guidance.guide(guide_id) is None:
            return  # a stale form: the article is gone; the form stays as it is
        self.guidance.answered(
            user_id=user_id,
            guide_id=guide_id,
            source=GuideSource.INTAKE_FORM,
            now=self.clock.now(),
            query=self._typed_question(view, meta),
            locale=self.locales.cached(user_id),
            once_key=f"guide.form_answered:{view['id']}",
        )
        try:
            client.views_update(
                view_id=view["id"],
                hash=view.get("hash"),
                view=build_form_answered_view(
                    self.guidance.guide(guide_id), title=TITLE, catalog=self._catalog(body["user"]["id"])
                ),
            )
        except SlackApiError as exc:
            log.info("views.update skipped: %s", exc.response.get("error") if exc.response is not None else exc)

    def _typed_question(self, view: dict[str, Any], meta: IntakeMeta) -> str:
        """The question as the rep has typed it so far (else as it was prefilled)."""
        flow = self.config.find_flow(meta.shown_flow) if meta.shown_flow else None
        field = flow.field_for(FieldRole.SUMMARY) if flow else None
        if field is not None:
            typed = field_value(field, view.get("state", {}).get("values", {}))
            if isinstance(typed, str) and typed.strip():
                return typed.strip()
        return meta.text

    def handle_withdraw(
        self, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        """From the filed view (the modal is updated) or the rep's confirmation DM (answered below it)."""
        ack()
        parsed = _pair(str(action.get("value") or ""))
        user_id = body["user"]["id"]
        t = self._catalog(user_id).text
        text = self._withdraw(parsed, user_id=user_id, t=t) if parsed else t("That button is out of date.")
        view = body.get("view")
        if not isinstance(view, dict):
            respond(text=text, response_type="ephemeral", replace_original=False)
        else:
            try:
                client.views_update(view_id=view["id"], view=build_withdraw_result(text, title=TITLE))
            except SlackApiError as exc:
                log.info("views.update skipped: %s", exc.response.get("error") if exc.response is not None else exc)
        self.kick()

    def _actor(self, user_id: str, case: Case) -> Actor:
        return self.staff.actor(user_id, case, now=self.clock.now()) if self.staff is not None else Actor(user_id)

    def _catalog(self, user_id: str) -> Catalog:
        """The rep's language (their Slack locale's catalogue; English without one). Called after the ack."""
        return pick_catalog(self.config.form_catalogs, self.locales.locale(user_id))

    def _withdraw(self, parsed: tuple[int, str], *, user_id: str, t: Callable[[str], str]) -> str:
        """What the rep reads after "This answered it — withdraw", in their language (`t`)."""
        case_id, guide_id = parsed
        with self.store.read() as tx:
            case = tx.cases.find(case_id)
        guide = self.guidance.guide(guide_id)
        if case is None or self.actions is None:
            return t("That case no longer exists.")
        if guide is None:
            return t("That article is no longer in the policy guides; the case stays open.")
        title = f"“{escape_mrkdwn(guide.title)}”"
        now = self.clock.now()
        try:
            self.actions.perform(
                case.id, ActionRequest(Action.WITHDRAW, guide_id=guide_id), actor=self._actor(user_id, case), now=now
            )
        except NotAllowed:
            return f":no_entry: Only <@{case.reporter_id}>, who filed {case.human_id}, can withdraw it."
        except AlreadyPaged as paged:
            who = ", ".join(f"<@{u}>" for u in paged.users) or t("the on-call specialist")
            told = self._tell_thread(case, user_id=user_id, guide_id=guide_id, now=now)
            too_late = t(":information_source: Too late to withdraw *{case}*: {who} was paged already.")
            return _joined(
                too_late.format(case=case.human_id, who=who),
                t("They are told in its thread that {title} answered your question.").format(title=title)
                if told
                else "",
            )
        except InvalidTransition:
            current = self._case(case.id)
            if current.status.is_open:
                told = self._tell_thread(current, user_id=user_id, guide_id=guide_id, now=now)
                owner = current.acknowledged_by or current.owner_id
                taken = (
                    t(":information_source: *{case}* cannot be withdrawn: {owner} has it already.")
                    if owner
                    else t(":information_source: *{case}* cannot be withdrawn: a specialist has it already.")
                )
                return _joined(
                    taken.format(case=current.human_id, owner=f"<@{owner}>"),
                    t("They are told in its thread that {title} answered your question.").format(title=title)
                    if told
                    else "",
                )
            return t("*{case}* is no longer open; nothing to withdraw.").format(case=current.human_id)
        return t(
            ":white_check_mark: *{case}* is withdrawn: {title} answered your question. Nobody was paged, and its "
            "thread says so. Thanks for checking the guidance!"
        ).format(case=case.human_id, title=title)

    def _case(self, case_id: int) -> Case:
        with self.store.read() as tx:
            return tx.cases.get(case_id)

    def _tell_thread(self, case: Case, *, user_id: str, guide_id: str, now: datetime) -> bool:
        """Too late to withdraw: the rep's word goes into the thread, and counts as answered (not withdrawn)."""
        assert self.actions is not None
        guide = self.guidance.guide(guide_id)
        name = f"“{guide.title}” ({guide_id})" if guide else guide_id
        first = self.guidance.answered(
            user_id=user_id,
            guide_id=guide_id,
            source=GuideSource.INTAKE,
            now=now,
            query=case.summary,
            case_id=case.id,
            once_key=f"guide.too_late:{case.id}:{user_id}",
        )
        if not first:
            return True  # a second click: the thread was told the first time
        note = f"The policy guide {name} answered my question; nothing more is needed unless you see a reason."
        try:
            self.actions.perform(
                case.id, ActionRequest(Action.ADD_NOTE, text=note), actor=self._actor(user_id, case), now=now
            )
        except (NotAllowed, InvalidTransition):
            return False
        return True


def _joined(*parts: str) -> str:
    return " ".join(p for p in parts if p)
