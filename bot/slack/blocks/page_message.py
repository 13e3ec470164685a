"""The page DM, thread notes about paging, and the leads' alerts."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.domain.case import Case
from bot.domain.flow import Flow
from bot.domain.lifecycle import Action
from bot.services.ports import LeadsAlert, ThreadNote
from bot.slack import ids
from bot.slack.blocks.case_actions import lifecycle_note
from bot.slack.blocks.case_message import case_headline, slack_date
from bot.slack.escape import escape_mrkdwn, split_for_sections, truncate


def _md(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text)


def _mentions(users: tuple[str, ...]) -> str:
    return ", ".join(f"<@{u}>" for u in users)


def build_page(
    case: Case, flow: Flow, *, round: int, level: int, tz: ZoneInfo, again: bool = False
) -> tuple[str, list[dict[str, Any]]]:
    """The DM that pages one person: what, how urgent, by when, and one-click buttons."""
    severity = flow.severity(case.severity_id)
    deadline = f"Campaign deadline {slack_date(case.deadline_at, tz)}" if case.deadline_at else "No campaign deadline"
    sensitive = ":lock: Sensitive case: details in the restricted channel."
    summary = sensitive if case.sensitive else escape_mrkdwn(case.summary)
    buttons = [
        ButtonElement(text="Acknowledge", action_id=ids.CASE_ACK_ACTION, value=str(case.id), style="primary"),
        ButtonElement(
            text="Can't take it",
            action_id=ids.PAGE_PASS_ACTION,
            value=str(case.id),
            confirm=ConfirmObject(
                title="Pass it on?", text="The next level is paged now.", confirm="Pass it on", deny="Keep it"
            ),
        ),
    ]
    if case.permalink:
        buttons.insert(1, ButtonElement(text="Open thread", action_id=ids.OPEN_THREAD_ACTION, url=case.permalink))
    blocks: list[Block] = [
        SectionBlock(
            text=_md(
                f":rotating_light: *You are paged{' again' if again else ''}* (level {level}, round {round})\n"
                f"*{case_headline(case, flow)}*"
            )
        ),
        SectionBlock(text=_md(truncate(split_for_sections(summary or "—")[0], 2900))),
        ContextBlock(
            elements=[
                _md(
                    f"{deadline} · acknowledge within {int(severity.acknowledge_within.total_seconds() // 60)} min · "
                    f"filed by <@{case.reporter_id}>"
                )
            ]
        ),
        ActionsBlock(block_id=ids.PAGE_ACTIONS_BLOCK, elements=buttons),
    ]
    prefix = "Paged again" if again else "Paged"
    return f"{prefix}: {case_headline(case, flow)}", [b.to_dict() for b in blocks]


def build_page_done(case: Case, flow: Flow, *, user_id: str, tz: ZoneInfo) -> tuple[str, list[dict[str, Any]]]:
    """The page DM once the case is acknowledged (by this person or another)."""
    who = "You" if case.acknowledged_by == user_id else f"<@{case.acknowledged_by}>"
    when = slack_date(case.acknowledged_at, tz) if case.acknowledged_at else ""
    text = f":white_check_mark: {who} acknowledged *{case.human_id}* {when}.\n{case_headline(case, flow)}"
    return f"{case.human_id} acknowledged", [SectionBlock(text=_md(text)).to_dict()]


def note_text(note: ThreadNote, *, tz: ZoneInfo) -> str:
    """One line for the case thread."""
    lifecycle = lifecycle_note(note, tz=tz)
    if lifecycle is not None:
        return lifecycle
    if note.kind == "paging":
        return f":pager: Paging {_mentions(note.users)} (level {note.level}, round {note.round})."
    if note.kind == "nobody_on_call":
        return f":warning: Nobody is on call for level {note.level}; moving to the next level. The leads are told."
    if note.kind == "held":
        until = slack_date(note.at, tz) if note.at else "the next business day"
        return f":zzz: Low severity: on-call is paged at the start of business hours ({until})."
    if note.kind == "acknowledged":
        return f":white_check_mark: {_mentions(note.users)} acknowledged this case."
    if note.kind in ("sla", "deadline"):
        when = f" ({slack_date(note.at, tz)})" if note.at else ""
        icon = ":alarm_clock:" if "breach" in note.text or "passed" in note.text else ":hourglass_flowing_sand:"
        return f"{icon} {escape_mrkdwn(note.text.capitalize())}{when}."
    if note.kind == "linked":
        return (
            f":link: {escape_mrkdwn(note.detail)} was filed separately for the same advertiser and campaign; "
            "its reporter was not told about this sensitive case."
        )
    if note.kind == "declined":
        return f":leftwards_arrow_with_hook: {_mentions(note.users)} can't take it; the next level is paged now."
    return escape_mrkdwn(note.kind)


RESTRICTED = "details in the restricted channel"
# Notes whose `detail` is safe to show outside the restricted channel (a severity label).
_PUBLIC_DETAIL = frozenset({Action.CHANGE_SEVERITY.value})


def public_note_text(note: ThreadNote, *, tz: ZoneInfo) -> str | None:
    """The line a sensitive case's public thread gets: who did what, never what they wrote (None: the
    note is for the restricted thread only)."""
    if note.kind == "linked":
        return None
    if not note.text and (not note.detail or note.kind in _PUBLIC_DETAIL):
        return note_text(note, tz=tz)
    if note.kind in ("sla", "deadline"):
        return f":hourglass_flowing_sand: A timer fell due on this case ({RESTRICTED})."
    bare = replace(note, text="", detail=note.detail if note.kind in _PUBLIC_DETAIL else "")
    line = note_text(bare, tz=tz).rstrip(":")
    if note.kind == Action.WITHDRAW.value:
        line = f":books: {_mentions(note.users[:1])} withdrew this case before anyone was paged"
    return f"{line.rstrip('.')} ({RESTRICTED})."


def build_leads_alert(alert: LeadsAlert, flow: Flow) -> tuple[str, list[dict[str, Any]]]:
    """The leads hear when a case went unanswered through every level, or nobody was on call."""
    case = alert.case
    where = f" · <{case.permalink}|thread>" if case.permalink else ""
    if alert.kind == "nobody_on_call":
        what = f"nobody is on call for level {alert.level} of its policy"
    elif alert.kind == "deadline_breach":
        what = "its campaign deadline passed and it is not resolved"
    elif alert.kind.endswith("_breach"):
        what = f"its time-to-{alert.kind.removesuffix('_breach')} SLA is breached"
    else:
        what = f"nobody acknowledged it through every level (round {alert.round})"
    if alert.kind.endswith("_breach"):
        then = ""
    elif alert.repeats:
        then = " Paging starts again from level 1."
    else:
        then = " The policy has no more rounds: a lead must take it."
    text = f":rotating_light: *{case.human_id}*: {what}.{then}\n{case_headline(case, flow)}{where}"
    return f"{case.human_id}: {what}", [SectionBlock(text=_md(text)).to_dict()]
