"""`/ad-policy <question>`, "This answered it" / "Still need help", and withdrawing a case at intake."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.config.model import Config
from bot.domain.flow import FieldRole
from bot.domain.form_text import Catalog, pick_catalog
from bot.domain.guidance import GuideSource
from bot.domain.refusal import BUTTON_OUT_OF_DATE, GUIDE_GONE, Stale
from bot.services.guidance import Guidance
from bot.services.withdrawal import Withdrawal, Withdrawals
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

log = logging.getLogger(__name__)


def _pair(value: str) -> tuple[int, str] | None:
    head, _, tail = value.partition(":")
    return (int(head), tail) if head.isdigit() and tail else None


@dataclass
class GuidanceListeners:
    """Listeners for policy guidance; they parse, call Guidance or CaseActions, and render."""

    config: Config
    clock: Clock
    guidance: Guidance
    withdrawals: Withdrawals
    locales: Locales
    kick: Callable[[], None]

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
            raise Stale(BUTTON_OUT_OF_DATE)
        event_id, guide_id = parsed
        user_id = body["user"]["id"]
        if self.guidance.guide(guide_id) is None:
            raise Stale(GUIDE_GONE)
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
        if parsed is None:
            raise Stale(BUTTON_OUT_OF_DATE)
        text = self._withdraw(parsed, user_id=user_id, t=self._catalog(user_id).text)
        view = body.get("view")
        if not isinstance(view, dict):
            respond(text=text, response_type="ephemeral", replace_original=False)
        else:
            try:
                client.views_update(view_id=view["id"], view=build_withdraw_result(text, title=TITLE))
            except SlackApiError as exc:
                log.info("views.update skipped: %s", exc.response.get("error") if exc.response is not None else exc)
        self.kick()

    def _catalog(self, user_id: str) -> Catalog:
        """The rep's language (their Slack locale's catalogue; English without one). Called after the ack."""
        return pick_catalog(self.config.form_catalogs, self.locales.locale(user_id))

    def _withdraw(self, parsed: tuple[int, str], *, user_id: str, t: Callable[[str], str]) -> str:
        """The rep's answer to their press of Withdraw (decided in bot/services/withdrawal.py), in their
        language (`t`)."""
        done = self.withdrawals.withdraw(*parsed, user_id=user_id, now=self.clock.now())
        case, title = done.case, f"“{escape_mrkdwn(done.guide_title)}”"
        told = t("They are told in its thread that {title} answered your question.").format(title=title)
        told = told if done.told else ""
        if done.outcome is Withdrawal.PAGED:
            who = ", ".join(f"<@{u}>" for u in done.who) or t("the on-call specialist")
            late = t(":information_source: Too late to withdraw *{case}*: {who} was paged already.")
            return _joined(late.format(case=case.human_id, who=who), told)
        if done.outcome is Withdrawal.TAKEN:
            taken = (
                t(":information_source: *{case}* cannot be withdrawn: {owner} has it already.")
                if done.who
                else t(":information_source: *{case}* cannot be withdrawn: a specialist has it already.")
            )
            owner = f"<@{done.who[0]}>" if done.who else ""
            return _joined(taken.format(case=case.human_id, owner=owner), told)
        if done.outcome is Withdrawal.SETTLED:
            return t("*{case}* is no longer open; nothing to withdraw.").format(case=case.human_id)
        return t(
            ":white_check_mark: *{case}* is withdrawn: {title} answered your question. Nobody was paged, and its "
            "thread says so. Thanks for checking the guidance!"
        ).format(case=case.human_id, title=title)


def _joined(*parts: str) -> str:
    return " ".join(p for p in parts if p)
