"""Swaps and override notices in Block Kit: the swap modal, the ask with Accept / Decline, the notices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.domain import rota
from bot.services.swaps import NoticeKind, RotaNotice
from bot.slack import ids
from bot.slack.blocks.parts import as_dicts, md, notice_modal, option, select_input, slack_date, user_input
from bot.slack.escape import escape_mrkdwn, truncate


def shift_value(shift: rota.Shift) -> str:
    """A select option's value naming one shift (under Slack's 150-character limit)."""
    return f"{shift.schedule_id}|{shift.layer}|{int(shift.start_at.timestamp())}|{int(shift.end_at.timestamp())}"


def _label(shift: rota.Shift, titles: Mapping[str, str], tz: ZoneInfo) -> str:
    start, end = shift.start_at.astimezone(tz), shift.end_at.astimezone(tz)
    return f"{shift.layer}: {start:%a %d %b %H:%M} → {end:%a %d %b %H:%M} ({titles.get(shift.schedule_id, '')})"


def build_swap_modal(shifts: Sequence[rota.Shift], *, titles: Mapping[str, str], tz: ZoneInfo) -> dict[str, Any]:
    """Pick one of your next shifts and the colleague you ask to cover it."""
    options = [option(shift_value(s), _label(s, titles, tz)) for s in shifts]
    blocks = [
        select_input(ids.SWAP_SHIFT_BLOCK, "Your shift to give away", options),
        user_input(ids.SWAP_WITH_BLOCK, "Ask who to cover it"),
    ]
    return View(
        type="modal", callback_id=ids.SWAP_CALLBACK, title="Swap a shift", submit="Ask", close="Cancel", blocks=blocks
    ).to_dict()


def build_swap_asked(who: str, *, tz: ZoneInfo, start_at: datetime) -> dict[str, Any]:
    """The modal after submitting: who was asked."""
    text = (
        f"Asked <@{who}> to cover your shift from {slack_date(start_at, tz)}. You will hear their answer here in a DM."
    )
    return notice_modal("Swap a shift", text)


def _span(notice: RotaNotice, tz: ZoneInfo) -> str:
    layer = f"*{escape_mrkdwn(notice.layer)}*" if notice.layer else "*every layer*"
    return (
        f"{layer} of {escape_mrkdwn(notice.schedule_title)} from {slack_date(notice.start_at, tz)} "
        f"to {slack_date(notice.end_at, tz)}"
    )


def build_rota_notice(notice: RotaNotice, *, tz: ZoneInfo) -> tuple[str, list[dict[str, Any]]]:
    """Words for each notice; the ask carries Accept / Decline buttons with the proposal."""
    span, user, other = _span(notice, tz), f"<@{notice.user_id}>", f"<@{notice.other_id}>"
    texts = {
        NoticeKind.PUT_ON_CALL: f":bell: You are now on call for {span}"
        + (f", covering for {other}." if notice.other_id else "."),
        NoticeKind.RELIEVED: f":palm_tree: {user} covers your on-call time for {span}. You are off call then.",
        NoticeKind.SWAP_ASKED: f":arrows_counterclockwise: {other} asks you to cover their shift: {span}.",
        NoticeKind.SWAP_ACCEPTED: f":white_check_mark: {user} accepted your swap and covers {span}.",
        NoticeKind.SWAP_DECLINED: f":no_entry_sign: {user} declined your swap for {span}.",
        NoticeKind.SWAP_CONFIRMED: f":bell: Swap agreed: you are on call for {span}, covering for {other}.",
        NoticeKind.SWAP_NOTE: f":arrows_counterclockwise: Swap: {user} covers {other} for {span}.",
    }
    text = texts[notice.kind]
    blocks: list[Any] = [SectionBlock(text=md(truncate(text, 3000)))]
    if notice.kind is NoticeKind.SWAP_ASKED and notice.proposal is not None:
        value = notice.proposal.encode()
        blocks.append(
            ActionsBlock(
                block_id="swap_answer",
                elements=[
                    ButtonElement(text="Accept", action_id=ids.SWAP_ACCEPT_ACTION, value=value, style="primary"),
                    ButtonElement(text="Decline", action_id=ids.SWAP_DECLINE_ACTION, value=value),
                ],
            )
        )
    return text, as_dicts(blocks)
