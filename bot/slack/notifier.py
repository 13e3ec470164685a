"""The Notifier port on Slack's Web API: Slack's errors become retryable or final DeliveryErrors."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import SlackResponse

from bot.domain.case import Case, MessageRef
from bot.domain.digest import Digest
from bot.domain.flow import Flow
from bot.domain.form_text import ENGLISH, Catalog
from bot.domain.sla import SlaTerms
from bot.domain.weekly import WeeklyReport
from bot.observability import metrics
from bot.services.ports import (
    DeliveryError,
    DeliveryFailure,
    HandoffNotice,
    LeadsAlert,
    OpsNotice,
    ThreadNote,
    WithdrawOffer,
    sending_for,
)
from bot.services.rota_check import RotaCheck
from bot.services.swaps import RotaNotice
from bot.slack.blocks import budget
from bot.slack.blocks import case_actions as case_action_blocks
from bot.slack.blocks import case_message as msg
from bot.slack.blocks import oncall as oncall_blocks
from bot.slack.blocks import page_message as pages
from bot.slack.blocks.digest import build_digest
from bot.slack.blocks.guide_review import build_export_dm
from bot.slack.blocks.rota_check import build_rota_check
from bot.slack.blocks.swaps import build_rota_notice
from bot.slack.blocks.weekly import build_weekly
from bot.slack.client import AUTH_ERRORS
from bot.slack.escape import safe_url, truncate
from bot.slack.rate_gate import GateClosed

log = logging.getLogger(__name__)

RETRYABLE_ERRORS = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "message_limit_exceeded",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "team_added_to_org",
    }
)
# The recipient can never get a message: a page to them moves on to the next level at once.
DEAD_ADDRESS_ERRORS = frozenset(
    {"user_not_found", "user_disabled", "channel_not_found", "cannot_dm_bot", "is_archived"}
)
# Slack's answers to a message too big as a whole: render it smaller and post again.
TOO_LONG_ERRORS = frozenset({"msg_too_long", "msg_blocks_too_long"})
# `event_type` of the metadata every post carries, naming the job that sent it (DESIGN: a message knows its job).
JOB_EVENT = "escalation_bot_job"
HISTORY_LOOKBACK = 100  # messages read back to find a post whose answer was lost


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


def _retry_after(response: Any) -> timedelta | None:
    headers = getattr(response, "headers", None) or {}
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return timedelta(seconds=int(str(value))) if value is not None else None
    except ValueError:
        return None


def as_delivery_error(method: str, exc: Exception) -> DeliveryError:
    """Classify a Slack failure: 429/5xx/network come back later; the rest needs a person."""
    if isinstance(exc, SlackApiError):
        status = getattr(exc.response, "status_code", 200)
        error = str(exc.response.get("error", "")) if exc.response is not None else ""
        retry_after = _retry_after(exc.response)
        retryable = status == 429 or status >= 500 or error in RETRYABLE_ERRORS or error in AUTH_ERRORS
        return DeliveryError(
            f"{method}: {error or f'HTTP {status}'}",
            retryable=retryable,
            retry_after=retry_after,
            dead_address=not retryable and error in DEAD_ADDRESS_ERRORS,
            auth=error in AUTH_ERRORS,
            hold=status == 429 or error in ("ratelimited", "rate_limited"),
        )
    if isinstance(exc, GateClosed):  # not sent: this replica holds the method closed (Retry-After)
        return DeliveryError(str(exc), retryable=True, retry_after=timedelta(seconds=exc.seconds), hold=True)
    return DeliveryError(f"{method}: {type(exc).__name__}: {exc}", retryable=True)


class _TooLong(Exception):
    """Slack refused the message as too long as a whole."""


MAX_TEXT = 4_000  # the fallback `text`: chat.update refuses more (msg_too_long); posts keep to it too


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
        self.tz = tz
        self._sla_terms = sla_terms
        # The rep's language for their DMs (their Slack locale's catalogue); the team's side stays English.
        self.catalog_for = catalog_for or (lambda user_id: ENGLISH)

    def _terms(self, case: Case) -> SlaTerms | None:
        """The case's SLAs in words naming their clock (None: the bare durations are shown)."""
        return self._sla_terms(case) if self._sla_terms is not None else None

    def _call(self, method: str, fn: Callable[..., SlackResponse], **kwargs: Any) -> SlackResponse:
        try:
            return fn(**kwargs)
        except (SlackApiError, SlackClientError, OSError, GateClosed) as exc:
            raise as_delivery_error(method, exc) from exc

    def _post(
        self,
        *,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]],
        thread_ts: str | None = None,
        part: int = 0,
    ) -> MessageRef:
        """One message, within budget, carrying its job's key; when an earlier attempt of the job may
        have reached Slack, the conversation is read first and a post found there is not repeated."""
        job = sending_for.get()
        if job is not None and job.may_have_sent:
            found = self._find_sent(channel, job.key, part=part, thread_ts=thread_ts)
            if found is not None:
                log.warning("already_sent key=%s part=%s: found in history, not posted again", job.key, part)
                metrics.slack_found_in_history()
                return found
        kwargs: dict[str, Any] = {"channel": channel, "text": truncate(text, MAX_TEXT), "unfurl_links": False}
        if blocks:
            kwargs["blocks"] = budget.fold(blocks)
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
        if job is not None:
            kwargs["metadata"] = {"event_type": JOB_EVENT, "event_payload": {"job_key": job.key, "part": part}}
        for _ in range(3):
            try:
                response = self._post_once(kwargs)
            except _TooLong:
                # Within our budget but refused as a whole: a smaller rendering, not a final failure.
                if kwargs.get("blocks"):
                    kwargs["blocks"] = budget.smaller(kwargs["blocks"])
                kwargs["text"] = truncate(kwargs["text"], max(300, len(kwargs["text"]) // 2))
                continue
            return MessageRef(channel_id=str(response["channel"]), ts=str(response["ts"]))
        raise DeliveryError("chat.postMessage: msg_blocks_too_long even when folded", retryable=False)

    def _post_once(self, kwargs: dict[str, Any]) -> SlackResponse:
        try:
            return self.client.chat_postMessage(**kwargs)
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            if error in TOO_LONG_ERRORS:
                raise _TooLong from exc
            if error == "not_in_channel":
                # Public channels can be joined; then the same post is tried once more.
                self._call("conversations.join", self.client.conversations_join, channel=kwargs["channel"])
                return self._call("chat.postMessage", self.client.chat_postMessage, **kwargs)
            raise as_delivery_error("chat.postMessage", exc) from exc
        except (SlackClientError, OSError, GateClosed) as exc:
            raise as_delivery_error("chat.postMessage", exc) from exc

    def _find_sent(self, channel: str, key: str, *, part: int, thread_ts: str | None) -> MessageRef | None:
        """The message an earlier attempt of job `key` posted, read back from the conversation."""
        channel_id = channel
        if channel.startswith(("U", "W")):  # a DM is posted to the person; history needs the D… id
            opened = self._call("conversations.open", self.client.conversations_open, users=channel)
            channel_id = str(opened["channel"]["id"])
        if thread_ts:
            response = self._call(
                "conversations.replies",
                self.client.conversations_replies,
                channel=channel_id,
                ts=thread_ts,
                include_all_metadata=True,
                limit=HISTORY_LOOKBACK,
            )
        else:
            response = self._call(
                "conversations.history",
                self.client.conversations_history,
                channel=channel_id,
                include_all_metadata=True,
                limit=HISTORY_LOOKBACK,
            )
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if (
                metadata.get("event_type") == JOB_EVENT
                and payload.get("job_key") == key
                and int(payload.get("part", 0)) == part
            ):
                return MessageRef(channel_id=channel_id, ts=str(message["ts"]))
        return None

    def post_case_root(self, case: Case, flow: Flow) -> MessageRef:
        text, blocks = msg.build_case_root(case, flow, tz=self.tz, terms=self._terms(case))
        return self._post(channel=flow.channel_id, text=text, blocks=blocks)

    def post_case_details(self, case: Case, flow: Flow, *, channel_id: str | None = None) -> MessageRef:
        """In the case thread, or (sensitive cases) as a message in the restricted channel."""
        assert case.root is not None
        text, blocks = msg.build_case_details(case, flow, tz=self.tz)
        if channel_id is not None:
            return self._post(channel=channel_id, text=f"{case.human_id}: {text}", blocks=blocks)
        return self._post(channel=case.root.channel_id, text=text, blocks=blocks, thread_ts=case.root.ts)

    def link_restricted_details(self, case: Case, *, permalink: str) -> None:
        assert case.root is not None
        text = f":lock: The details of this sensitive case are in the restricted channel: <{permalink}|open them>."
        self._post(channel=case.root.channel_id, text=text, blocks=[], thread_ts=case.root.ts)

    def permalink(self, ref: MessageRef) -> str:
        response = self._call(
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
        self._post(channel=case.reporter_id, text=text, blocks=blocks)

    def confirm_follow(self, case: Case, *, user_id: str, permalink: str | None) -> None:
        text, blocks = msg.build_follow_confirmation(case, permalink=permalink, catalog=self.catalog_for(user_id))
        self._post(channel=user_id, text=text, blocks=blocks)

    def note_follower_in_thread(
        self, case: Case, *, user_id: str, question: str = "", market: str = "", links: tuple[str, ...] = ()
    ) -> None:
        assert case.root is not None
        text = msg.follower_note(case, user_id=user_id, question=question, market=market, links=links)
        self._post(channel=case.root.channel_id, text=text, blocks=[], thread_ts=case.root.ts)

    def report_failure(self, failure: DeliveryFailure, *, leads_channel: str) -> None:
        text, blocks = msg.build_failure_report(failure)
        self._post(channel=leads_channel, text=text, blocks=blocks)
        case = failure.case
        if case is not None and case.root is not None:
            try:
                self._post(channel=case.root.channel_id, text=text, blocks=blocks, thread_ts=case.root.ts)
            except DeliveryError as exc:  # the leads already know; the thread is a courtesy
                log.warning("failure report not posted in %s thread: %s", case.human_id, exc.reason)

    def alert_ops(self, notice: OpsNotice, *, channel_id: str) -> None:
        """The auditor's or the reloader's finding about the bot's own health."""
        text, blocks = msg.build_ops_alert(notice)
        self._post(channel=channel_id, text=text, blocks=blocks)

    def send_page(
        self, case: Case, flow: Flow, *, user_id: str, round: int, level: int, again: bool = False
    ) -> MessageRef:
        text, blocks = pages.build_page(
            case, flow, round=round, level=level, tz=self.tz, again=again, terms=self._terms(case)
        )
        return self._post(channel=user_id, text=text, blocks=blocks)

    def post_thread_note(self, case: Case, note: ThreadNote, *, restricted: MessageRef | None = None) -> None:
        assert case.root is not None
        if restricted is not None:
            text = f"*{case.human_id}* · {pages.note_text(note, tz=self.tz)}"
            self._post(channel=restricted.channel_id, text=text, blocks=[], thread_ts=restricted.ts)
            return
        if case.sensitive:
            # Sensitive text has one home: the restricted thread. The case thread reads who did what.
            public = pages.public_note_text(note, tz=self.tz)
            if public is None:
                return
            self._post(channel=case.root.channel_id, text=public, blocks=[], thread_ts=case.root.ts)
            return
        self._post(
            channel=case.root.channel_id, text=pages.note_text(note, tz=self.tz), blocks=[], thread_ts=case.root.ts
        )

    def alert_leads(self, alert: LeadsAlert, flow: Flow, *, leads_channel: str) -> None:
        text, blocks = pages.build_leads_alert(alert, flow)
        self._post(channel=leads_channel, text=text, blocks=blocks)

    def _update(self, ref: MessageRef, *, text: str, blocks: list[dict[str, Any]]) -> None:
        text, blocks = truncate(text, MAX_TEXT), budget.fold(blocks)
        try:
            self.client.chat_update(channel=ref.channel_id, ts=ref.ts, text=text, blocks=blocks)
        except SlackApiError as exc:
            if exc.response is None or exc.response.get("error") not in TOO_LONG_ERRORS:
                raise as_delivery_error("chat.update", exc) from exc
            self._call(
                "chat.update",
                self.client.chat_update,
                channel=ref.channel_id,
                ts=ref.ts,
                text=truncate(text, 1000),
                blocks=budget.smaller(blocks),
            )
        except (SlackClientError, OSError, GateClosed) as exc:
            raise as_delivery_error("chat.update", exc) from exc

    def update_root(self, case: Case, flow: Flow) -> None:
        assert case.root is not None
        text, blocks = msg.build_case_root(case, flow, tz=self.tz, terms=self._terms(case))
        self._update(case.root, text=text, blocks=blocks)

    def update_page(
        self, case: Case, flow: Flow, ref: MessageRef, *, user_id: str, round: int = 0, level: int = 0
    ) -> None:
        text, blocks = pages.build_page_update(
            case, flow, user_id=user_id, round=round, level=level, tz=self.tz, terms=self._terms(case)
        )
        self._update(ref, text=text, blocks=blocks)

    def tell_change(
        self, case: Case, flow: Flow, *, user_id: str, what: str, by: str, text: str, instead_of: str | None
    ) -> None:
        message, blocks = pages.build_change_dm(
            case, flow, what=what, by=by, text=text, instead_of=instead_of, terms=self._terms(case)
        )
        self._post(channel=user_id, text=message, blocks=blocks)

    def send_handoff(self, notice: HandoffNotice) -> None:
        text, blocks = oncall_blocks.build_handoff_dm(notice, tz=self.tz)
        self._post(channel=notice.user_id, text=text, blocks=blocks)

    def post_handoff_note(self, notice: HandoffNotice, *, channel_id: str) -> None:
        self._post(channel=channel_id, text=oncall_blocks.handoff_note_text(notice, tz=self.tz), blocks=[])

    def ask_rep(self, case: Case, flow: Flow, *, question: str, asked_by: str) -> None:
        catalog = self.catalog_for(case.reporter_id)
        text, blocks = case_action_blocks.build_rep_question(
            case, flow, question=question, asked_by=asked_by, catalog=catalog
        )
        self._post(channel=case.reporter_id, text=text, blocks=blocks)

    def tell_outcome(self, case: Case, flow: Flow, *, user_id: str, full: bool = True, may_reopen: bool = True) -> None:
        text, blocks = case_action_blocks.build_outcome(
            case, flow, full=full, may_reopen=may_reopen, catalog=self.catalog_for(user_id)
        )
        self._post(channel=user_id, text=text, blocks=blocks)

    def _post_in_parts(self, *, channel: str, text: str, blocks: list[dict[str, Any]]) -> MessageRef:
        """A parent message and, when it would not fit in one, thread replies with the rest; returns the parent."""
        parts = budget.split(blocks)
        parent = self._post(channel=channel, text=text, blocks=parts[0])
        for n, part in enumerate(parts[1:], start=1):
            self._post(
                channel=parent.channel_id, text=f"{text} (part {n + 1})", blocks=part, thread_ts=parent.ts, part=n
            )
        return parent

    def post_digest(self, digest: Digest, *, channel_id: str) -> None:
        text, blocks = build_digest(digest, tz=self.tz)
        self._post_in_parts(channel=channel_id, text=text, blocks=blocks)

    def send_rota_notice(self, notice: RotaNotice, *, channel_id: str) -> None:
        text, blocks = build_rota_notice(notice, tz=self.tz)
        self._post(channel=channel_id, text=text, blocks=blocks)

    def post_rota_check(self, check: RotaCheck, *, channel_id: str) -> None:
        text, blocks = build_rota_check(check, tz=self.tz)
        self._post(channel=channel_id, text=text, blocks=blocks)

    def post_weekly(self, report: WeeklyReport, *, channel_id: str) -> MessageRef:
        text, blocks = build_weekly(report, tz=self.tz)
        return self._post_in_parts(channel=channel_id, text=text, blocks=blocks)

    def upload_chart(
        self, png: bytes, *, filename: str, title: str, alt_text: str, channel_id: str, thread_ts: str | None
    ) -> str:
        """Slack's file upload in its three documented steps: an upload URL, the bytes, completion; the
        file's id (App Home shows it again by id, without a second upload)."""
        import urllib.error
        import urllib.request

        got = self._call(
            "files.getUploadURLExternal",
            self.client.files_getUploadURLExternal,
            filename=filename,
            length=len(png),
            alt_txt=alt_text[:1000],
        )
        request = urllib.request.Request(
            str(got["upload_url"]), data=png, method="POST", headers={"Content-Type": "application/octet-stream"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status = int(response.status)
        except urllib.error.HTTPError as refused:
            raise DeliveryError(f"file upload: HTTP {refused.code}", retryable=refused.code >= 500) from refused
        except OSError as exc:
            raise DeliveryError(f"file upload: {type(exc).__name__}: {exc}", retryable=True) from exc
        if status != 200:
            raise DeliveryError(f"file upload: HTTP {status}", retryable=status >= 500)
        self._call(
            "files.completeUploadExternal",
            self.client.files_completeUploadExternal,
            files=[{"id": str(got["file_id"]), "title": title}],
            channel_id=channel_id,
            thread_ts=thread_ts,
        )
        return str(got["file_id"])

    def post_chart_text(self, text: str, *, channel_id: str, thread_ts: str | None) -> None:
        self._post(channel=channel_id, text=text, blocks=[], thread_ts=thread_ts)

    def send_guide_export(self, *, user_id: str, guide_id: str, path: str, markdown: str) -> None:
        text, blocks = build_export_dm(guide_id=guide_id, path=path, markdown=markdown)
        self._post(channel=user_id, text=text, blocks=blocks)
