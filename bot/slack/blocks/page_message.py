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
    SectionBlock,
)

from bot.domain.case import Case, CaseStatus
from bot.domain.flow import Flow
from bot.domain.lifecycle import Action, Outcome
from bot.domain.sla_terms import SlaTerms
from bot.services.ports import LeadsAlert, ThreadNote
from bot.slack import ids
from bot.slack.blocks.case_actions import lifecycle_note
from bot.slack.blocks.case_message import case_headline
from bot.slack.blocks.parts import md, slack_date
from bot.slack.escape import escape_mrkdwn, fit, split_for_sections, truncate


def _mentions(users: tuple[str, ...]) -> str:
    return ", ".join(f"<@{u}>" for u in users)


def build_page(
    case: Case, flow: Flow, *, round: int, level: int, tz: ZoneInfo, again: bool = False, terms: SlaTerms | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """The DM that pages one person: what, how urgent, by when, and one-click buttons."""
    severity = flow.severity(case.severity_id)
    within = terms.acknowledge if terms else f"{int(severity.acknowledge_within.total_seconds() // 60)} min"
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
            text=md(
                (
                    ":rotating_light: *You are paged: this case was reassigned to you*"
                    if level == 0
                    else f":rotating_light: *You are paged{' again' if again else ''}* (level {level}, round {round})"
                )
                + "\n"
                f"*{case_headline(case, flow)}*"
            )
        ),
        SectionBlock(text=md(truncate(split_for_sections(summary or "—")[0], 2900))),
        ContextBlock(elements=[md(f"{deadline} · acknowledge within {within} · filed by <@{case.reporter_id}>")]),
        ActionsBlock(block_id=ids.PAGE_ACTIONS_BLOCK, elements=buttons),
    ]
    prefix = "Paged again" if again else "Paged"
    return f"{prefix}: {case_headline(case, flow)}", [b.to_dict() for b in blocks]


def build_page_update(
    case: Case, flow: Flow, *, user_id: str, round: int, level: int, tz: ZoneInfo, terms: SlaTerms | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """A page DM as the case stands now: still a page (current severity, buttons) while the page can
    be answered; otherwise what happened, with no buttons left to press."""
    if case.needs_paging and case.owner_id in (None, user_id):
        return build_page(case, flow, round=round, level=level, tz=tz, terms=terms)

    def who(user: str | None) -> str:
        return "You" if user == user_id else f"<@{user}>"

    if case.needs_paging:
        line = f":arrow_right: *{case.human_id}* was reassigned to {who(case.owner_id)}; nothing to do here."
        short = f"{case.human_id} reassigned"
    elif case.answered_by_guide:
        line = f":books: *{case.human_id}* was withdrawn by the rep: a guide article answered it."
        short = f"{case.human_id} withdrawn"
    elif case.status is CaseStatus.CLOSED:
        line = f":lock: *{case.human_id}* is closed."
        short = f"{case.human_id} closed"
    elif case.status is CaseStatus.RESOLVED:
        by = f" by {who(case.resolved_by)}" if case.resolved_by else ""
        when = f" {slack_date(case.resolved_at, tz)}" if case.resolved_at else ""
        outcome = f": {Outcome(case.outcome).label}" if case.outcome else ""
        line = f":white_check_mark: *{case.human_id}* was resolved{by}{when}{outcome}."
        short = f"{case.human_id} resolved"
    else:
        when = f" {slack_date(case.acknowledged_at, tz)}" if case.acknowledged_at else ""
        line = f":white_check_mark: {who(case.acknowledged_by)} acknowledged *{case.human_id}*{when}."
        if case.owner_id and case.owner_id != case.acknowledged_by:
            line += f" Owner: {who(case.owner_id)}."
        short = f"{case.human_id} acknowledged"
    text = f"{line}\n{case_headline(case, flow)}"
    return short, [SectionBlock(text=md(text)).to_dict()]


def build_change_dm(
    case: Case, flow: Flow, *, what: str, by: str, text: str, instead_of: str | None, terms: SlaTerms | None
) -> tuple[str, list[dict[str, Any]]]:
    """Tells whoever works a case that it was reopened or its severity changed."""
    did = "reopened" if what == "reopen" else "changed the severity of"
    severity = flow.severity(case.severity_id).label
    head = f":arrow_double_up: *{case.human_id}*"
    if by:
        head = f":arrows_counterclockwise: <@{by}> {did} *{case.human_id}*"
    if not by and what != "reopen":
        head += " was raised as its campaign deadline nears"
    if what != "reopen":
        head += f": now *{escape_mrkdwn(severity)}*"
    said = f"\n>{fit(text, 2500)}" if text else ""
    why = (
        f"You are told as the on-call: its owner <@{instead_of}> is off shift."
        if instead_of
        else "You are told because it is yours."
    )
    resolve = f" Resolve within {terms.resolve}." if terms else ""
    where = f" <{case.permalink}|Open the thread>." if case.permalink else ""
    blocks = [
        SectionBlock(text=md(f"{head}{said}\n*{case_headline(case, flow)}*")),
        ContextBlock(elements=[md(f"{why}{resolve}{where}")]),
    ]
    verb = "reopened" if what == "reopen" else "severity changed"
    return f"{case.human_id} {verb}: {case_headline(case, flow)}", [b.to_dict() for b in blocks]


def note_text(note: ThreadNote, *, tz: ZoneInfo) -> str:
    """One line for the case thread."""
    lifecycle = lifecycle_note(note, tz=tz)
    if lifecycle is not None:
        return lifecycle
    if note.kind == "paging":
        return f":pager: Paging {_mentions(note.users)} (level {note.level}, round {note.round})."
    if note.kind == "nobody_on_call":
        return (
            f":warning: Nobody is on call for level {note.level}; moving to the next level. "
            "The leads are being alerted."
        )
    if note.kind == "held":
        until = slack_date(note.at, tz) if note.at else "the next business day"
        if note.detail == "deadline":
            return (
                f":zzz: Low severity, out of hours: on-call is paged at {until}, "
                "in time to acknowledge before the campaign deadline."
            )
        return f":zzz: Low severity: on-call is paged at the start of business hours ({until})."
    if note.kind == "acknowledged":
        via = f" by {escape_mrkdwn(note.detail)}" if note.detail and note.detail != "Slack" else ""
        return f":white_check_mark: {_mentions(note.users)} acknowledged this case{via}."
    if note.kind == "contacted":
        return f":iphone: {_mentions(note.users)} not acknowledged yet: {escape_mrkdwn(note.text)} sent."
    if note.kind == "contact_failed":
        return (
            f":warning: Could not reach {_mentions(note.users)} by {escape_mrkdwn(note.text)}"
            f" ({escape_mrkdwn(note.detail)}). The leads are told."
        )
    if note.kind in ("sla", "deadline"):
        when = f" ({slack_date(note.at, tz)})" if note.at else ""
        icon = ":alarm_clock:" if "breach" in note.text or "passed" in note.text else ":hourglass_flowing_sand:"
        who = f"{_mentions(note.users)}: " if note.users else ""
        return f"{icon} {who}{escape_mrkdwn(note.text.capitalize())}{when}."
    if note.kind == "deadline_raise":
        return (
            f":arrow_double_up: Severity raised to *{escape_mrkdwn(note.detail)}*: "
            f"{escape_mrkdwn(note.text)}. Paging follows the new severity."
        )
    if note.kind == "page_failed":
        why = escape_mrkdwn(note.detail or "undeliverable")
        head = f":warning: The page to {_mentions(note.users)} (level {note.level}) cannot be delivered ({why})"
        if note.text == "policy":
            return f"{head}; paging returns to the policy now."
        if note.text == "next_level":
            return f"{head}; the next level is paged now."
        if note.text == "others":
            return f"{head}; the others at this level were paged."
        if note.text == "last":
            return f"{head}; there is no further level, so the leads are being alerted now."
        return f"{head}."
    if note.kind == "owner_unacknowledged":
        return (
            f":hourglass: {_mentions(note.users)} did not acknowledge the reassignment in time; "
            "paging returns to the policy."
        )
    if note.kind == "linked":
        return (
            f":link: {escape_mrkdwn(note.detail)} was filed separately for the same advertiser and campaign; "
            "its reporter was not told about this sensitive case."
        )
    if note.kind == "declined":
        then = {
            "leads_and_next_round": "the last level, so the leads are being alerted and level 1 is paged again",
            "leads": "there is no further level, so the leads are being alerted",
            "nothing": "every level has been paged already",
        }.get(note.detail, "the next level is paged now")
        return f":leftwards_arrow_with_hook: {_mentions(note.users)} can't take it; {then}."
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
    elif alert.kind == "backlog":
        what = "it was filed during an outage and nobody has been paged for it yet; paging now"
    else:
        what = f"nobody acknowledged it through every level (round {alert.round})"
    if alert.kind.endswith("_breach") or alert.kind == "backlog":
        then = ""
    elif alert.repeats:
        then = " Paging starts again from level 1."
    else:
        then = " The policy has no more rounds: a lead must take it."
    text = f":rotating_light: *{case.human_id}*: {what}.{then}\n{case_headline(case, flow)}{where}"
    return f"{case.human_id}: {what}", [SectionBlock(text=md(text)).to_dict()]
