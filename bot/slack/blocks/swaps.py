"""Swaps and override notices in Block Kit: the swap modal, the ask with Accept / Decline, the notices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, InputBlock, SectionBlock, StaticSelectElement
from slack_sdk.models.views import View

from bot.domain import rota
from bot.services.swaps import Direction, NoticeKind, RotaNotice
from bot.slack import ids
from bot.slack.blocks.parts import as_dicts, md, notice_modal, option, slack_date, user_input
from bot.slack.escape import escape_mrkdwn, truncate


def shift_value(shift: rota.Shift) -> str:
    """A select option's value naming one shift (under Slack's 150-character limit)."""
    return f"{shift.schedule_id}|{shift.layer}|{int(shift.start_at.timestamp())}|{int(shift.end_at.timestamp())}"


def _label(shift: rota.Shift, titles: Mapping[str, str], tz: ZoneInfo) -> str:
    start, end = shift.start_at.astimezone(tz), shift.end_at.astimezone(tz)
    return f"{shift.layer}: {start:%a %d %b %H:%M} → {end:%a %d %b %H:%M} ({titles.get(shift.schedule_id, '')})"


def taken_value(shift: rota.Shift) -> str:
    """A colleague's shift: the shift and its owner (under Slack's 150-character limit)."""
    return f"{shift_value(shift)}|{shift.user_id}"


def build_swap_modal(
    shifts: Sequence[rota.Shift],
    *,
    titles: Mapping[str, str],
    tz: ZoneInfo,
    theirs: Sequence[rota.Shift] = (),
    names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Give one of your next shifts to a colleague you pick, or ask to take a colleague's upcoming shift
    (`theirs`, labelled with the owner's name from `names`). With both parts shown each is optional; the
    submission says when both or neither were picked."""
    names = names or {}
    blocks: list[Any] = []
    if shifts:
        mine = [option(shift_value(s), _label(s, titles, tz)) for s in shifts]
        blocks += [
            InputBlock(
                block_id=ids.SWAP_SHIFT_BLOCK,
                label="Give: your shift to give away",
                element=StaticSelectElement(action_id=ids.FIELD_ACTION, options=mine),
                optional=bool(theirs),
            ),
            user_input(ids.SWAP_WITH_BLOCK, "Ask who to cover it", optional=bool(theirs)),
        ]
    if theirs:
        others = [
            option(taken_value(s), f"{names.get(s.user_id, s.user_id)} · {_label(s, titles, tz)}") for s in theirs
        ]
        blocks.append(
            InputBlock(
                block_id=ids.SWAP_TAKE_BLOCK,
                label="Or take: a colleague's shift you would cover",
                hint="They are asked to accept; nothing changes until they do.",
                element=StaticSelectElement(action_id=ids.FIELD_ACTION, options=others),
                optional=bool(shifts),
            )
        )
    return View(
        type="modal", callback_id=ids.SWAP_CALLBACK, title="Swap a shift", submit="Ask", close="Cancel", blocks=blocks
    ).to_dict()


def build_swap_asked(who: str, *, tz: ZoneInfo, start_at: datetime, take: bool = False) -> dict[str, Any]:
    """The modal after submitting: who was asked."""
    what = "if you may take their shift from" if take else "to cover your shift from"
    text = f"Asked <@{who}> {what} {slack_date(start_at, tz)}. You will hear their answer in a DM."
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
    if notice.proposal is not None and notice.proposal.direction is Direction.TAKE:
        # user_id is the person asked (the shift's owner), other_id the proposer (who would cover it)
        texts |= {
            NoticeKind.SWAP_ASKED: f":arrows_counterclockwise: {other} offers to take your shift: {span}.",
            NoticeKind.SWAP_ACCEPTED: f":white_check_mark: {user} accepted: you are on call for {span}, "
            f"covering for {user}.",
            NoticeKind.SWAP_DECLINED: f":no_entry_sign: {user} declined your offer to take {span}.",
            NoticeKind.SWAP_CONFIRMED: f":palm_tree: Swap agreed: {other} covers your shift: {span}. "
            "You are off call then.",
            NoticeKind.SWAP_NOTE: f":arrows_counterclockwise: Swap: {other} covers {user} for {span}.",
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
