"""`/ad-escalate`, the intake modal and its submission."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.clock import Clock
from bot.config.model import Config
from bot.domain.case import Case
from bot.domain.duplicates import family as duplicate_family
from bot.domain.flow import FieldRole, Flow
from bot.domain.form_text import ERRORS, Catalog, localize_flow, pick_catalog
from bot.domain.intake import FieldValue, IntakeInvalid, validate_intake
from bot.domain.message_intake import guess_flow, prefill_from_message
from bot.domain.refusal import BUTTON_OUT_OF_DATE, Stale
from bot.services.case_opened import GUIDES_SHOWN, LOCALE
from bot.services.filing import Filing, StoreUnavailable
from bot.services.guidance import Answer, Guidance
from bot.services.guide_search import Hit
from bot.services.open_case import DuplicateCaseOpen, FollowNote
from bot.services.paging import first_page_due
from bot.slack import ids
from bot.slack.blocks.built_once import BuiltOnce
from bot.slack.blocks.intake_modal import build_filed_view, build_following_view, build_intake_modal, message_text
from bot.slack.http import frames
from bot.slack.listeners.lookup import VERBS, LookupCommands
from bot.slack.locales import Locales
from bot.slack.state import IntakeMeta, intake_values, selected_value

log = logging.getLogger(__name__)

HELP = (  # each line a catalogue string (bot/domain/form_text.py REP_WORDS): the rep's language
    "*{command}* opens the escalation form. Add words to prefill it: `{command} appeal Acme disapproved video` "
    "picks the appeal type and puts the rest in the question.",
    "Types: {types}",
    "`{command} mine` your open cases · `{command} find <advertiser or campaign>` · `{command} status {case}` "
    "its history · `{command} update {case} [message]` ask for an update",
)


@dataclass
class IntakeListeners:
    """Listeners for intake; every dependency is passed in, nothing is global."""

    config: Config
    filing: Filing
    clock: Clock
    kick: Callable[[], None]
    lookup: LookupCommands | None = None
    guidance: Guidance | None = None
    locales: Locales | None = None
    # The form's parts that depend only on the configuration, built once per flow and catalogue.
    parts: BuiltOnce = field(default_factory=BuiltOnce)
    # Where the form is opened after the ack (bot/slack/app.py AFTER_ACK); None: in the listener's thread.
    after_ack: Executor | None = None

    def register(self, app: App) -> None:
        app.command(self.config.app.slash_command)(self.handle_command)
        app.block_action({"action_id": ids.FLOW_ACTION, "block_id": ids.FLOW_BLOCK})(self.handle_flow_picked)
        app.view_submission(ids.INTAKE_CALLBACK)(self.handle_submission)
        app.block_action(ids.CASE_FOLLOW_ACTION)(self.handle_follow_button)
        app.message_shortcut(ids.MESSAGE_SHORTCUT_CALLBACK)(self.handle_message_shortcut)

    def handle_message_shortcut(self, ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
        """ "Escalate this message": the form opens prefilled from the message (question, link back to it,
        the flow its channel or words point at, advertiser and campaign where it names them)."""
        ack()
        self._later(lambda: self._open_from_message(shortcut, client))

    def _open_from_message(self, shortcut: dict[str, Any], client: WebClient) -> None:
        message = shortcut.get("message") or {}
        channel_id = str((shortcut.get("channel") or {}).get("id") or "")
        ts = str(message.get("ts") or shortcut.get("message_ts") or "")
        text = message_text(str(message.get("text") or ""))
        try:
            # One quick read before views.open: the form carries the link, so the case can link back.
            permalink = str(client.chat_getPermalink(channel=channel_id, message_ts=ts)["permalink"])
        except SlackApiError as exc:
            log.info("chat.getPermalink failed: %s", exc.response.get("error") if exc.response is not None else exc)
            permalink = None
        chosen = guess_flow(self.config.flows, channel_id=channel_id, text=text)
        meta = IntakeMeta(
            source_channel_id=channel_id or None,
            text=text,
            source_message=permalink,
            reply_ts=str(message.get("thread_ts") or ts) or None,
            prefill=prefill_from_message(text),
        )
        user_id = str((shortcut.get("user") or {}).get("id"))
        self._open_form(client, shortcut["trigger_id"], user_id, chosen=chosen, meta=meta)

    def handle_command(self, ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        text = str(command.get("text") or "").strip()
        if text.lower() in ("help", "?"):
            user_id = str(command.get("user_id"))
            t = self._catalog(user_id, ask=True).text
            types = ", ".join(f"`{f.aliases[0] if f.aliases else f.id}` ({t(f.title)})" for f in self.config.flows)
            words = {
                "command": self.config.app.slash_command,
                "types": types,
                "case": f"{self.config.app.case_prefix}-1042",
            }
            respond(text="\n".join(t(line).format(**words) for line in HELP), response_type="ephemeral")
            return
        first, _, rest = text.partition(" ")
        if self.lookup is not None and first.lower() in VERBS:
            user_id = str(command.get("user_id"))
            catalog = self._catalog(user_id, ask=True)  # after the ack, and no form to open
            self.lookup.handle(first.lower(), rest, user_id=user_id, respond=respond, catalog=catalog)
            return
        chosen = self.config.find_flow(first) if first else None
        meta = IntakeMeta(source_channel_id=command.get("channel_id"), text=rest if chosen else text)
        user_id, trigger_id = str(command.get("user_id")), str(command["trigger_id"])
        self._later(lambda: self._open_or_say(client, respond, trigger_id, user_id, chosen=chosen, meta=meta))

    def _open_or_say(
        self,
        client: WebClient,
        respond: Respond,
        trigger_id: str,
        user_id: str,
        *,
        chosen: Flow | None,
        meta: IntakeMeta,
    ) -> None:
        """Open the form; if Slack did not, tell the rep (ephemeral, through the command's response_url)."""
        error = self._open_form(client, trigger_id, user_id, chosen=chosen, meta=meta)
        if error is not None:
            respond(
                text=self._catalog(user_id)
                .text(":warning: Slack did not open the form ({error}). Please run {command} again.")
                .format(error=error, command=self.config.app.slash_command),
                response_type="ephemeral",
            )

    def _later(self, work: Callable[[], None]) -> None:
        """Run Slack-bound work after the ack in the `after_ack` pool, else here and now."""
        if self.after_ack is None:
            work()
            return
        self.after_ack.submit(_reported, work)

    def _catalog(self, user_id: str, *, ask: bool = False) -> Catalog:
        """The form's language: the rep's Slack locale where a catalogue exists (cached; never calls Slack
        unless `ask`, for answers sent after the ack that open no form)."""
        if self.locales is None:
            return pick_catalog(self.config.form_catalogs, None)
        locale = self.locales.locale(user_id) if ask else self.locales.cached(user_id)
        return pick_catalog(self.config.form_catalogs, locale)

    def _open_form(
        self, client: WebClient, trigger_id: str, user_id: str, *, chosen: Flow | None, meta: IntakeMeta
    ) -> str | None:
        """views.open first (the trigger dies in 3 s), in the language known now; then the rep's locale is
        looked up and, if it has a catalogue the form was not shown in, the form is redrawn in it.
        Returns Slack's error when the form did not open."""
        catalog = self._catalog(user_id)
        articles = self._articles(meta, chosen, {}, user_id)
        view = build_intake_modal(
            self.config.flows, chosen=chosen, meta=meta, articles=articles, catalog=catalog, parts=self.parts
        )
        try:
            opened = client.views_open(trigger_id=trigger_id, view=view)
        except (SlackApiError, SlackClientError, OSError) as exc:
            if isinstance(exc, SlackApiError):
                error = str(exc.response.get("error") if exc.response is not None else "unknown")
            else:  # no answer in time: the person still hears, while the trigger may still be alive
                error = f"no answer: {type(exc).__name__}"
            log.warning("views.open failed: %s", error)
            return error
        if self.locales is None:
            return None
        self.locales.locale(user_id)  # after the modal is open: the form's language and the articles use it
        wanted = self._catalog(user_id)
        if wanted is catalog:
            return None
        shown = opened.get("view") or {}
        redrawn = build_intake_modal(
            self.config.flows,
            chosen=chosen,
            meta=meta,
            articles=self._articles(meta, chosen, {}, user_id),
            catalog=wanted,
            parts=self.parts,
        )
        try:
            client.views_update(view_id=shown.get("id"), hash=shown.get("hash"), view=redrawn)
        except SlackApiError as exc:  # the rep already changed it: their newer view stands
            log.info("views.update skipped: %s", exc.response.get("error") if exc.response is not None else exc)
        return None

    def handle_flow_picked(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        self._later(lambda: self._redraw_for_flow(body, client))

    def _redraw_for_flow(self, body: dict[str, Any], client: WebClient) -> None:
        """The form redrawn for the type just picked, keeping what the rep typed (views.update, hash-guarded)."""
        view = body["view"]
        values = view.get("state", {}).get("values", {})
        meta = IntakeMeta.load(view.get("private_metadata"))
        flow_id = selected_value(values, ids.FLOW_BLOCK, ids.FLOW_ACTION)
        chosen = self.config.find_flow(flow_id) if flow_id else None
        previous = self.config.find_flow(meta.shown_flow) if meta.shown_flow else None
        initial = intake_values(previous, values) if previous else {}
        articles = self._articles(meta, chosen, initial, body["user"]["id"], previous=previous)
        updated = build_intake_modal(
            self.config.flows,
            chosen=chosen,
            meta=meta,
            initial=initial,
            articles=articles,
            catalog=self._catalog(body["user"]["id"]),
            parts=self.parts,
        )
        try:
            client.views_update(view_id=view["id"], hash=view.get("hash"), view=updated)
        except SlackApiError as exc:  # hash_conflict: the person changed it again; the newer update wins
            log.info("views.update skipped: %s", exc.response.get("error") if exc.response is not None else exc)

    def handle_submission(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = view.get("state", {}).get("values", {})
        meta = IntakeMeta.load(view.get("private_metadata"))
        user_id = body["user"]["id"]
        catalog = self._catalog(user_id)
        flow_id = selected_value(values, ids.FLOW_BLOCK, ids.FLOW_ACTION)
        flow = self.config.find_flow(flow_id) if flow_id else None
        if flow is None:
            ack(response_action="errors", errors={ids.FLOW_BLOCK: catalog.text(ERRORS["pick_type"])})
            return
        if meta.shown_flow != flow.id:
            previous = self.config.find_flow(meta.shown_flow) if meta.shown_flow else None
            initial = intake_values(previous, values) if previous else {}
            shown = self._articles(meta, flow, initial, user_id, previous=previous)
            ack(
                response_action="update",
                view=build_intake_modal(
                    self.config.flows, chosen=flow, meta=meta, initial=initial, articles=shown, catalog=catalog
                ),
            )
            return
        raw = intake_values(flow, values)
        now = self.clock.now()
        try:
            intake = validate_intake(
                flow,
                raw,
                reporter_id=user_id,
                now=now,
                source_channel_id=meta.source_channel_id,
                source_message=meta.source_message,
                reply_ts=meta.reply_ts if meta.source_message else None,
                catalog=catalog,
            )
        except IntakeInvalid as invalid:
            ack(response_action="errors", errors={ids.field_block(k): v for k, v in invalid.errors.items()})
            return
        choice = selected_value(values, ids.DUPLICATE_BLOCK, ids.DUPLICATE_ACTION) if meta.duplicate_of else None
        try:
            if choice == ids.DUPLICATE_FOLLOW and meta.duplicate_of is not None:
                # A refusal (a sensitive case: only the team follows it) shows on the choice (refusals.py).
                case = self.filing.follow(meta.duplicate_of, user_id=user_id, now=now, note=FollowNote.of(intake, flow))
                view = build_following_view(case, user_id=user_id, catalog=self._catalog(user_id))
                ack(response_action="update", view=view)
                self.kick()
                return
            locale = self.locales.cached(user_id) if self.locales else None
            opened = self.filing.open(
                intake,
                user_id=user_id,
                now=now,
                intake_key=f"view:{view['id']}:{view.get('hash', '')}",
                allow_duplicate=choice == ids.DUPLICATE_FILE_NEW,
                family=duplicate_family(flow, self.config.flows),
                # What the form showed, for the follow-up job's record of the search.
                follow_up={LOCALE: locale, GUIDES_SHOWN: list(meta.guides)},
            )
        except DuplicateCaseOpen as dup:
            ack(
                response_action="update",
                view=build_intake_modal(
                    self.config.flows,
                    chosen=flow,
                    meta=meta,
                    initial=raw,
                    duplicate=dup.existing,
                    viewer_id=user_id,
                    catalog=catalog,
                ),
            )
            return
        except StoreUnavailable:
            log.exception("store unavailable during intake")
            ack(
                response_action="errors",
                errors={
                    ids.FLOW_BLOCK: catalog.text(
                        "We could not save this just now. Nothing was filed: press the button again in a minute."
                    )
                },
            )
            return
        severity = localize_flow(flow, catalog).severity(opened.case.severity_id)
        answer = self._filed_answer(opened.case, flow, user_id)
        articles = list(answer.good[:3]) if answer is not None else []
        case = opened.case
        if case.first_page_at is None:
            # Paging starts in the `case.opened` job right after this ack; it plans at the case's creation
            # time, from the configuration, as this does (one rule for both: first_page_due).
            first_page_at, _ = first_page_due(case, config=self.config, now=case.created_at)
            case = dataclasses.replace(case, first_page_at=first_page_at)
        held_until = case.page_held_until() if articles else None
        ack(
            response_action="update",
            view=build_filed_view(
                opened.case,
                flow,
                severity_label=severity.label,
                articles=articles,
                held_until=held_until,
                tz=self.config.app.timezone,
                catalog=catalog,
            ),
        )
        if not opened.created:
            log.info("re-sent submission for %s answered from the store", opened.case.human_id)
        self.kick()

    def _articles(
        self,
        meta: IntakeMeta,
        chosen: Flow | None,
        initial: dict[str, FieldValue],
        user_id: str,
        *,
        previous: Flow | None = None,
    ) -> list[Hit]:
        """Good articles for the question typed (or prefilled) so far, for the form of `chosen`."""
        if self.guidance is None or chosen is None or meta.asked:
            return []
        summary = previous.field_for(FieldRole.SUMMARY) if previous else None
        typed = initial.get(summary.id) if summary else None
        question = typed if isinstance(typed, str) and typed.strip() else meta.text
        if not question.strip():
            return []
        locale = self.locales.cached(user_id) if self.locales else None
        return list(self.guidance.suggest(question, locale=locale, flow=chosen.id).good[:3])

    def _filed_answer(self, case: Case, flow: Flow, user_id: str) -> Answer | None:
        """The articles for the filed question (a search in memory)."""
        if self.guidance is None or not case.summary.strip():
            return None
        locale = self.locales.cached(user_id) if self.locales else None
        return self.guidance.suggest(case.summary, locale=locale, market=case.market, flow=flow.id)

    def handle_follow_button(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        user_id = body["user"]["id"]
        try:
            case_id = int(action.get("value", ""))
        except ValueError:
            raise Stale(BUTTON_OUT_OF_DATE) from None
        case = self.filing.follow(case_id, user_id=user_id, now=self.clock.now())
        said = self._catalog(user_id, ask=True).text(
            ":eyes: You follow {case}; you will get its outcome in a direct message."
        )
        respond(
            text=said.format(case=case.human_id),
            response_type="ephemeral",
            replace_original=False,
        )
        self.kick()


def _reported(work: Callable[[], None]) -> None:
    """Work handed off after the ack fails as a listener does: the type and the frames in the log (Bolt's
    error handler no longer sees it; what it would answer cannot reach Slack after an ack anyway)."""
    try:
        work()
    except Exception as exc:
        log.error("listener failed after the ack: %s\n%s", type(exc).__name__, frames(exc))
