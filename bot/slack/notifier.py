"""The Notifier port on Slack's Web API: what each event sends, and where (`SlackDelivery` does the writing)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.domain.case import Case, MessageRef
from bot.domain.digest import Digest
from bot.domain.flow import Flow
from bot.domain.form_text import ENGLISH, Catalog
from bot.domain.sla_terms import SlaTerms
from bot.domain.weekly import WeeklyReport
from bot.services.ports import (
    DeliveryError,
    DeliveryFailure,
    HandoffNotice,
    LeadsAlert,
    OpsNotice,
    ThreadNote,
    WithdrawOffer,
)
from bot.services.rota_check import RotaCheck
from bot.services.swaps import RotaNotice
from bot.slack.blocks import case_actions as case_action_blocks
from bot.slack.blocks import case_message as msg
from bot.slack.blocks import oncall as oncall_blocks
from bot.slack.blocks import ops_alert
from bot.slack.blocks import page_message as pages
from bot.slack.blocks.digest import build_digest
from bot.slack.blocks.guide_review import build_export_dm
from bot.slack.blocks.rota_check import build_rota_check
from bot.slack.blocks.swaps import build_rota_notice
from bot.slack.blocks.weekly import build_weekly
from bot.slack.delivery import SlackDelivery, as_delivery_error
from bot.slack.escape import safe_url

log = logging.getLogger(__name__)


# Where the escalated message lives is out of the bot's reach (not a member, archived, gone).
UNREACHABLE = frozenset(
    {
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "user_not_in_channel",
        "thread_not_found",
        "message_not_found",
    }
)


class SlackNotifier:
    """Sends for the job engine; one Slack write per method so a retry repeats nothing else."""

    def __init__(
        self,
        client: WebClient,
        *,
        tz: ZoneInfo,
        sla_terms: Callable[[Case], SlaTerms] | None = None,
        catalog_for: Callable[[str], Catalog] | None = None,
    ) -> None:
        self.client = client
        self.delivery = SlackDelivery(client)
        self.tz = tz
        self._sla_terms = sla_terms
        # The rep's language for their DMs (their Slack locale's catalogue); the team's side stays English.
        self.catalog_for = catalog_for or (lambda user_id: ENGLISH)

    def _terms(self, case: Case) -> SlaTerms | None:
        """The case's SLAs in words naming their clock (None: the bare durations are shown)."""
        return self._sla_terms(case) if self._sla_terms is not None else None

    def post_case_root(self, case: Case, flow: Flow) -> MessageRef:
        text, blocks = msg.build_case_root(case, flow, tz=self.tz, terms=self._terms(case))
        return self.delivery.post(channel=flow.channel_id, text=text, blocks=blocks)

    def post_case_details(self, case: Case, flow: Flow, *, channel_id: str | None = None) -> MessageRef:
        """In the case thread, or (sensitive cases) as a message in the restricted channel."""
        assert case.root is not None
        text, blocks = msg.build_case_details(case, flow, tz=self.tz)
        if channel_id is not None:
            return self.delivery.post(channel=channel_id, text=f"{case.human_id}: {text}", blocks=blocks)
        return self.delivery.post(channel=case.root.channel_id, text=text, blocks=blocks, thread_ts=case.root.ts)

    def link_restricted_details(self, case: Case, *, permalink: str) -> None:
        assert case.root is not None
        text = f":lock: The details of this sensitive case are in the restricted channel: <{permalink}|open them>."
        self.delivery.post(channel=case.root.channel_id, text=text, blocks=[], thread_ts=case.root.ts)

    def permalink(self, ref: MessageRef) -> str:
        response = self.delivery.call(
            "chat.getPermalink", self.client.chat_getPermalink, channel=ref.channel_id, message_ts=ref.ts
        )
        return str(response["permalink"])

    def reply_to_source(self, case: Case, where: MessageRef, *, permalink: str, private_to: str | None) -> bool:
        text = f":inbox_tray: escalated as <{safe_url(permalink)}|{case.human_id}>"
        try:
            if private_to is None:
                self.client.chat_postMessage(
                    channel=where.channel_id, text=text, thread_ts=where.ts, unfurl_links=False
                )
            else:
                self.client.chat_postEphemeral(channel=where.channel_id, user=private_to, text=text, thread_ts=where.ts)
        except SlackApiError as exc:
            error = str(exc.response.get("error", "")) if exc.response is not None else ""
            if error in UNREACHABLE:  # a courtesy: the rep has the case id in a DM already
                log.info("reply to the escalated message of %s not shown: %s", case.human_id, error)
                return False
            raise as_delivery_error("chat.postEphemeral" if private_to else "chat.postMessage", exc) from exc
        except (SlackClientError, OSError) as exc:
            raise as_delivery_error("chat.postMessage", exc) from exc
        return True

    def confirm_to_reporter(
        self, case: Case, flow: Flow, *, permalink: str, offer: WithdrawOffer | None = None
    ) -> None:
        catalog = self.catalog_for(case.reporter_id)
        text, blocks = msg.build_reporter_confirmation(
            case, flow, permalink=permalink, offer=offer, tz=self.tz, catalog=catalog
        )
        self.delivery.post(channel=case.reporter_id, text=text, blocks=blocks)

    def confirm_follow(self, case: Case, *, user_id: str, permalink: str | None) -> None:
        text, blocks = msg.build_follow_confirmation(case, permalink=permalink, catalog=self.catalog_for(user_id))
        self.delivery.post(channel=user_id, text=text, blocks=blocks)

    def note_follower_in_thread(
        self, case: Case, *, user_id: str, question: str = "", market: str = "", links: tuple[str, ...] = ()
    ) -> None:
        assert case.root is not None
        text = msg.follower_note(case, user_id=user_id, question=question, market=market, links=links)
        self.delivery.post(channel=case.root.channel_id, text=text, blocks=[], thread_ts=case.root.ts)

    def report_failure(self, failure: DeliveryFailure, *, leads_channel: str) -> None:
        text, blocks = ops_alert.build_failure_report(failure)
        self.delivery.post(channel=leads_channel, text=text, blocks=blocks)
        case = failure.case
        if case is not None and case.root is not None:
            try:
                self.delivery.post(channel=case.root.channel_id, text=text, blocks=blocks, thread_ts=case.root.ts)
            except DeliveryError as exc:  # the leads already know; the thread is a courtesy
                log.warning("failure report not posted in %s thread: %s", case.human_id, exc.reason)

    def alert_ops(self, notice: OpsNotice, *, channel_id: str) -> None:
        """The auditor's or the reloader's finding about the bot's own health."""
        text, blocks = ops_alert.build_ops_alert(notice)
        self.delivery.post(channel=channel_id, text=text, blocks=blocks)

    def send_page(
        self, case: Case, flow: Flow, *, user_id: str, round: int, level: int, again: bool = False
    ) -> MessageRef:
        text, blocks = pages.build_page(
            case, flow, round=round, level=level, tz=self.tz, again=again, terms=self._terms(case)
        )
        return self.delivery.post(channel=user_id, text=text, blocks=blocks)

    def post_thread_note(self, case: Case, note: ThreadNote, *, restricted: MessageRef | None = None) -> None:
        assert case.root is not None
        if restricted is not None:
            text = f"*{case.human_id}* · {pages.note_text(note, tz=self.tz)}"
            self.delivery.post(channel=restricted.channel_id, text=text, blocks=[], thread_ts=restricted.ts)
            return
        if case.sensitive:
            # Sensitive text has one home: the restricted thread. The case thread reads who did what.
            public = pages.public_note_text(note, tz=self.tz)
            if public is None:
                return
            self.delivery.post(channel=case.root.channel_id, text=public, blocks=[], thread_ts=case.root.ts)
            return
        self.delivery.post(
            channel=case.root.channel_id, text=pages.note_text(note, tz=self.tz), blocks=[], thread_ts=case.root.ts
        )

    def alert_leads(self, alert: LeadsAlert, flow: Flow, *, leads_channel: str) -> None:
        text, blocks = pages.build_leads_alert(alert, flow)
        self.delivery.post(channel=leads_channel, text=text, blocks=blocks)

    def update_root(self, case: Case, flow: Flow) -> None:
        assert case.root is not None
        text, blocks = msg.build_case_root(case, flow, tz=self.tz, terms=self._terms(case))
        self.delivery.update(case.root, text=text, blocks=blocks)

    def update_page(
        self, case: Case, flow: Flow, ref: MessageRef, *, user_id: str, round: int = 0, level: int = 0
    ) -> None:
        text, blocks = pages.build_page_update(
            case, flow, user_id=user_id, round=round, level=level, tz=self.tz, terms=self._terms(case)
        )
        self.delivery.update(ref, text=text, blocks=blocks)

    def tell_change(
        self, case: Case, flow: Flow, *, user_id: str, what: str, by: str, text: str, instead_of: str | None
    ) -> None:
        message, blocks = pages.build_change_dm(
            case, flow, what=what, by=by, text=text, instead_of=instead_of, terms=self._terms(case)
        )
        self.delivery.post(channel=user_id, text=message, blocks=blocks)

    def send_handoff(self, notice: HandoffNotice) -> None:
        text, blocks = oncall_blocks.build_handoff_dm(notice, tz=self.tz)
        self.delivery.post(channel=notice.user_id, text=text, blocks=blocks)

    def post_handoff_note(self, notice: HandoffNotice, *, channel_id: str) -> None:
        self.delivery.post(channel=channel_id, text=oncall_blocks.handoff_note_text(notice, tz=self.tz), blocks=[])

    def ask_rep(self, case: Case, flow: Flow, *, question: str, asked_by: str) -> None:
        catalog = self.catalog_for(case.reporter_id)
        text, blocks = case_action_blocks.build_rep_question(
            case, flow, question=question, asked_by=asked_by, catalog=catalog
        )
        self.delivery.post(channel=case.reporter_id, text=text, blocks=blocks)

    def tell_outcome(self, case: Case, flow: Flow, *, user_id: str, full: bool = True, may_reopen: bool = True) -> None:
        text, blocks = case_action_blocks.build_outcome(
            case, flow, full=full, may_reopen=may_reopen, catalog=self.catalog_for(user_id)
        )
        self.delivery.post(channel=user_id, text=text, blocks=blocks)

    def post_digest(self, digest: Digest, *, channel_id: str) -> None:
        text, blocks = build_digest(digest, tz=self.tz)
        self.delivery.post_in_parts(channel=channel_id, text=text, blocks=blocks)

    def send_rota_notice(self, notice: RotaNotice, *, channel_id: str) -> None:
        text, blocks = build_rota_notice(notice, tz=self.tz)
        self.delivery.post(channel=channel_id, text=text, blocks=blocks)

    def post_rota_check(self, check: RotaCheck, *, channel_id: str) -> None:
        text, blocks = build_rota_check(check, tz=self.tz)
        self.delivery.post(channel=channel_id, text=text, blocks=blocks)

    def post_weekly(self, report: WeeklyReport, *, channel_id: str) -> MessageRef:
        text, blocks = build_weekly(report, tz=self.tz)
        return self.delivery.post_in_parts(channel=channel_id, text=text, blocks=blocks)

    def upload_chart(
        self, png: bytes, *, filename: str, title: str, alt_text: str, channel_id: str, thread_ts: str | None
    ) -> str:
        """The file's id: App Home shows it again by id, without a second upload."""
        return self.delivery.upload(
            png, filename=filename, title=title, alt_text=alt_text, channel_id=channel_id, thread_ts=thread_ts
        )

    def post_chart_text(self, text: str, *, channel_id: str, thread_ts: str | None) -> None:
        self.delivery.post(channel=channel_id, text=text, blocks=[], thread_ts=thread_ts)

    def send_guide_export(self, *, user_id: str, guide_id: str, path: str, markdown: str) -> None:
        text, blocks = build_export_dm(guide_id=guide_id, path=path, markdown=markdown)
        self.delivery.post(channel=user_id, text=text, blocks=blocks)
