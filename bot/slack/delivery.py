"""One Slack write, done so that a retry repeats nothing: Slack's errors become retryable or final
DeliveryErrors, every post carries its job's key (and is found in history instead of posted twice when an
earlier attempt may have reached Slack), a message refused as too long is rendered smaller, and a long one
goes out in parts."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import SlackResponse

from bot.domain.case import MessageRef
from bot.observability import metrics
from bot.services.ports import DeliveryError, sending_for
from bot.slack.blocks import budget
from bot.slack.client import AUTH_ERRORS
from bot.slack.escape import truncate
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


class SlackDelivery:
    """The Web API writes the notifier makes, one Slack write per call."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def call(self, method: str, fn: Callable[..., SlackResponse], **kwargs: Any) -> SlackResponse:
        try:
            return fn(**kwargs)
        except (SlackApiError, SlackClientError, OSError, GateClosed) as exc:
            raise as_delivery_error(method, exc) from exc

    def post(
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
                self.call("conversations.join", self.client.conversations_join, channel=kwargs["channel"])
                return self.call("chat.postMessage", self.client.chat_postMessage, **kwargs)
            raise as_delivery_error("chat.postMessage", exc) from exc
        except (SlackClientError, OSError, GateClosed) as exc:
            raise as_delivery_error("chat.postMessage", exc) from exc

    def _find_sent(self, channel: str, key: str, *, part: int, thread_ts: str | None) -> MessageRef | None:
        """The message an earlier attempt of job `key` posted, read back from the conversation."""
        channel_id = channel
        if channel.startswith(("U", "W")):  # a DM is posted to the person; history needs the D… id
            opened = self.call("conversations.open", self.client.conversations_open, users=channel)
            channel_id = str(opened["channel"]["id"])
        read = {"channel": channel_id, "include_all_metadata": True, "limit": HISTORY_LOOKBACK}
        if thread_ts:
            response = self.call("conversations.replies", self.client.conversations_replies, ts=thread_ts, **read)
        else:
            response = self.call("conversations.history", self.client.conversations_history, **read)
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

    def update(self, ref: MessageRef, *, text: str, blocks: list[dict[str, Any]]) -> None:
        text, blocks = truncate(text, MAX_TEXT), budget.fold(blocks)
        try:
            self.client.chat_update(channel=ref.channel_id, ts=ref.ts, text=text, blocks=blocks)
        except SlackApiError as exc:
            if exc.response is None or exc.response.get("error") not in TOO_LONG_ERRORS:
                raise as_delivery_error("chat.update", exc) from exc
            self.call(
                "chat.update",
                self.client.chat_update,
                channel=ref.channel_id,
                ts=ref.ts,
                text=truncate(text, 1000),
                blocks=budget.smaller(blocks),
            )
        except (SlackClientError, OSError, GateClosed) as exc:
            raise as_delivery_error("chat.update", exc) from exc

    def post_in_parts(self, *, channel: str, text: str, blocks: list[dict[str, Any]]) -> MessageRef:
        """A parent message and, when it would not fit in one, thread replies with the rest; returns the parent."""
        parts = budget.split(blocks)
        parent = self.post(channel=channel, text=text, blocks=parts[0])
        for n, part in enumerate(parts[1:], start=1):
            self.post(
                channel=parent.channel_id, text=f"{text} (part {n + 1})", blocks=part, thread_ts=parent.ts, part=n
            )
        return parent

    def upload(
        self, data: bytes, *, filename: str, title: str, alt_text: str, channel_id: str, thread_ts: str | None
    ) -> str:
        """Slack's file upload in its three documented steps: an upload URL, the bytes, completion; the file's
        id."""
        import urllib.error
        import urllib.request

        got = self.call(
            "files.getUploadURLExternal",
            self.client.files_getUploadURLExternal,
            filename=filename,
            length=len(data),
            alt_txt=alt_text[:1000],
        )
        request = urllib.request.Request(
            str(got["upload_url"]), data=data, method="POST", headers={"Content-Type": "application/octet-stream"}
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
        self.call(
            "files.completeUploadExternal",
            self.client.files_completeUploadExternal,
            files=[{"id": str(got["file_id"]), "title": title}],
            channel_id=channel_id,
            thread_ts=thread_ts,
        )
        return str(got["file_id"])
