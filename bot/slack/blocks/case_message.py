"""The case's root message, its thread details, and the DMs to the rep about it."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    Option,
    OverflowMenuElement,
    SectionBlock,
)

from bot.config.durations import format_duration
from bot.domain.case import Case, CaseStatus
from bot.domain.flow import FieldKind, FieldRole, Flow
from bot.domain.form_text import ENGLISH, Catalog
from bot.domain.lifecycle import RULES, Action, Outcome
from bot.domain.sla_terms import SlaTerms
from bot.services.ports import WithdrawOffer
from bot.slack import ids
from bot.slack.blocks.parts import as_dicts, md, slack_date
from bot.slack.escape import escape_mrkdwn, fit, link, split_for_sections, truncate


def case_headline(case: Case, flow: Flow) -> str:
    """Severity tag first, then id, advertiser and campaign (also the notification text). A sensitive
    case shows its id, severity and flow only: the headline goes to DMs and the leads' channel."""
    severity = flow.severity(case.severity_id)
    if case.sensitive:
        return f"{severity.emoji} {severity.label} — {case.human_id} · {escape_mrkdwn(flow.title)} · :lock: sensitive"
    return (
        f"{severity.emoji} {severity.label} — {case.human_id} · {fit(case.advertiser, 100)} / {fit(case.campaign, 100)}"
    )


def build_case_root(
    case: Case, flow: Flow, *, tz: ZoneInfo, terms: SlaTerms | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """Fallback text and blocks of the root message in the flow's channel; `terms` word the SLAs
    with their clock ("2 business days, Mon-Fri 09:00-18:00 SGT" (with en dashes))."""
    severity = flow.severity(case.severity_id)
    market_field = flow.field_for(FieldRole.MARKET)
    market = market_field.option_label(case.market) if market_field and case.market else "—"
    fields = [
        md(f"*Advertiser*\n{fit(case.advertiser, 300)}"),
        md(f"*Campaign*\n{fit(case.campaign, 300)}"),
        md(f"*Market*\n{escape_mrkdwn(market)}"),
        md(f"*Deadline*\n{slack_date(case.deadline_at, tz) if case.deadline_at else 'none given'}"),
        md(f"*Reporter*\n<@{case.reporter_id}>"),
        md(f"*Status*\n{_status(case, tz)}"),
    ]
    if case.owner_id:
        fields.append(md(f"*Owner*\n<@{case.owner_id}>"))
    if case.outcome:
        fields.append(md(f"*Outcome*\n{Outcome(case.outcome).label}"))
    if case.answered_by_guide:
        fields.append(md(f"*Answered by guide*\n`{escape_mrkdwn(case.answered_by_guide)}` (withdrawn by the rep)"))
    if terms is not None:
        sla = f"Acknowledge within {terms.acknowledge} · resolve within {terms.resolve} · {escape_mrkdwn(flow.title)}"
    else:
        sla = (
            f"Acknowledge within {format_duration(severity.acknowledge_within)} · "
            f"resolve within {format_duration(severity.resolve_within)} · {escape_mrkdwn(flow.title)}"
        )
    if case.sensitive:
        # The public root carries only the id, severity, flow and a warning (issue: sensitive content).
        severity = flow.severity(case.severity_id)
        headline = f"{severity.emoji} {severity.label} — {case.human_id} · {escape_mrkdwn(flow.title)}"
        warning = (
            ":lock: *Sensitive case* — may contain disturbing or confidential content. "
            "Details are in the restricted channel only."
        )
        fields = [md(f"*Status*\n{_status(case, tz)}")] + (
            [md(f"*Owner*\n<@{case.owner_id}>")] if case.owner_id else []
        )
        blocks_sensitive: list[Block] = [
            SectionBlock(block_id="case_headline", text=md(f"*{headline}*")),
            SectionBlock(block_id="case_warning", text=md(warning)),
            SectionBlock(block_id="case_fields", fields=fields),
            ActionsBlock(block_id=ids.CASE_ACTIONS_BLOCK, elements=_root_buttons(case)),
        ]
        return headline, as_dicts(blocks_sensitive)
    blocks: list[Block] = [
        SectionBlock(block_id="case_headline", text=md(f"*{case_headline(case, flow)}*")),
        SectionBlock(block_id="case_fields", fields=fields),
        ContextBlock(block_id="case_sla", elements=[md(sla)]),
        ActionsBlock(block_id=ids.CASE_ACTIONS_BLOCK, elements=_root_buttons(case)),
    ]
    return case_headline(case, flow), as_dicts(blocks)


def _status(case: Case, tz: ZoneInfo) -> str:
    status = case.status.value.replace("_", " ").capitalize()
    if case.acknowledged_by:
        when = f" {slack_date(case.acknowledged_at, tz)}" if case.acknowledged_at else ""
        status += f" by <@{case.acknowledged_by}>{when}"
    return status


# Buttons for the main step of each status; the rest goes into the overflow menu (2 to 5 entries).
BUTTONS = ((Action.RESOLVE, "Resolve"), (Action.REOPEN, "Reopen"))
MENU = (
    (Action.REASSIGN, "Reassign…"),
    (Action.CHANGE_SEVERITY, "Change severity…"),
    (Action.ADD_NOTE, "Add note…"),
    (Action.REQUEST_INFO, "Request info from the rep…"),
    (Action.WAIT_ON_PARTNER, "Waiting on a partner team…"),
    (Action.RESUME, "Resume work"),
    (Action.CLOSE, "Close"),
)


def _allowed(case: Case, entries: tuple[tuple[Action, str], ...]) -> list[tuple[Action, str]]:
    return [(action, label) for action, label in entries if case.status in RULES[action][0]]


def menu_actions(case: Case) -> list[tuple[Action, str]]:
    """The overflow menu entries that make sense in the case's status (Slack allows 2 to 5)."""
    return _allowed(case, MENU)[:5]


def _root_buttons(case: Case) -> list[Any]:
    buttons: list[Any] = []
    if case.needs_paging:
        buttons.append(
            ButtonElement(text="Acknowledge", action_id=ids.CASE_ACK_ACTION, value=str(case.id), style="primary")
        )
    if case.status.is_open and case.status is not CaseStatus.INVESTIGATING:
        buttons.append(ButtonElement(text="Take", action_id=ids.CASE_TAKE_ACTION, value=str(case.id)))
    for action, label in _allowed(case, BUTTONS):
        buttons.append(ButtonElement(text=label, action_id=ids.CASE_DO_ACTION, value=f"{action.value}:{case.id}"))
    entries = menu_actions(case)
    if len(entries) >= 2:
        buttons.append(
            OverflowMenuElement(
                action_id=ids.CASE_MENU_ACTION,
                options=[Option(value=f"{action.value}:{case.id}", label=label) for action, label in entries],
            )
        )
    if not case.sensitive:  # following a sensitive case is not offered (the team hears it anyway)
        buttons.append(ButtonElement(text="Follow", action_id=ids.CASE_FOLLOW_ACTION, value=str(case.id)))
    return buttons


def _value_text(flow: Flow, field_id: str, value: Any, tz: ZoneInfo) -> str | None:
    field = flow.field(field_id)
    if value in (None, "", [], False):
        return None
    if field.kind is FieldKind.URL:
        return link(str(value), truncate(str(value), 80))
    if field.kind is FieldKind.DATETIME:
        return slack_date(datetime.fromisoformat(str(value)), tz)
    if field.kind is FieldKind.SELECT:
        return escape_mrkdwn(field.option_label(str(value)))
    if field.kind is FieldKind.MULTI_SELECT:
        return escape_mrkdwn(", ".join(field.option_label(str(v)) for v in value))
    if field.kind is FieldKind.SEVERITY:
        return escape_mrkdwn(flow.severity(str(value)).label)
    if field.kind is FieldKind.CHECKBOX:
        return "yes"
    if field.kind is FieldKind.USER:
        return f"<@{value}>" if str(value).isalnum() else escape_mrkdwn(str(value))
    return escape_mrkdwn(str(value))


def build_case_details(case: Case, flow: Flow, *, tz: ZoneInfo) -> tuple[str, list[dict[str, Any]]]:
    """The thread's first reply: the question, every other answer, links and guidance."""
    blocks: list[Block] = []
    if case.sensitive:
        blocks.append(
            SectionBlock(
                text=md(
                    ":lock: *Sensitive case* — may contain disturbing or confidential "
                    "content. Do not copy it outside this thread."
                )
            )
        )
    summary_field = flow.field_for(FieldRole.SUMMARY)
    label = summary_field.label if summary_field else "Question"
    for index, chunk in enumerate(split_for_sections(escape_mrkdwn(case.summary) or "—")):
        heading = f"*{escape_mrkdwn(label)}*\n" if index == 0 else ""
        blocks.append(SectionBlock(text=md(heading + chunk)))
    shown_roles = {FieldRole.ADVERTISER, FieldRole.CAMPAIGN, FieldRole.MARKET, FieldRole.SUMMARY, FieldRole.DEADLINE}
    lines = []
    for field in flow.fields:
        if field.role in shown_roles:
            continue
        text = _value_text(flow, field.id, case.values.get(field.id), tz)
        if text and field.role is FieldRole.SALESFORCE and case.salesforce_id:
            record = f"{escape_mrkdwn(case.salesforce_object or 'Record')} {case.salesforce_id}"
            text = link(str(case.values[field.id]), record)
        if text:
            lines.append(f"*{escape_mrkdwn(field.label)}:* {text}")
    if lines:
        blocks.append(SectionBlock(text=md(truncate("\n".join(lines), 3000))))
    if flow.guidance:
        guidance = " · ".join(link(g.url, g.title) for g in flow.guidance)
        blocks.append(ContextBlock(elements=[md(truncate(f":books: Guidance: {guidance}", 3000))]))
    if case.source_message:
        lines_from = link(case.source_message, "this Slack message")
        blocks.append(ContextBlock(elements=[md(f":speech_balloon: Escalated from {lines_from}")]))
    blocks.append(ContextBlock(elements=[md(f"Filed by <@{case.reporter_id}> with /ad-escalate · {case.human_id}")]))
    return f"Details of {case.human_id}", as_dicts(blocks[:50])


def build_reporter_confirmation(
    case: Case,
    flow: Flow,
    *,
    permalink: str,
    offer: WithdrawOffer | None = None,
    tz: ZoneInfo | None = None,
    catalog: Catalog = ENGLISH,
) -> tuple[str, list[dict[str, Any]]]:
    """The DM that gives the rep the case id and the link to its thread (and, while the first page is held,
    the guide article that may answer it, with a button to withdraw the case), in the rep's language."""
    t = catalog.text
    severity = flow.severity(case.severity_id)
    filed = t(":white_check_mark: *{case}* is filed — {emoji} *{severity}* ({flow}).").format(
        case=case.human_id,
        emoji=severity.emoji,
        severity=escape_mrkdwn(t(severity.label)),
        flow=escape_mrkdwn(t(flow.title)),
    )
    follow = t(
        "Follow it here: {link} in {channel}. The ads policy team answers in the thread, and you will get the "
        "outcome in this conversation."
    ).format(link=link(permalink, t("{case} thread").format(case=case.human_id)), channel=f"<#{flow.channel_id}>")
    text = f"{filed}\n{follow}"
    blocks: list[Block] = [SectionBlock(text=md(text))]
    if offer is not None:
        when = slack_date(offer.held_until, tz or ZoneInfo("UTC"))
        blocks.append(
            SectionBlock(
                block_id="guide_offer",
                text=md(
                    t(
                        ":books: Nobody is paged before {when}. The article {article} may already answer your "
                        "question: if it does, withdraw {case} and nobody will be."
                    ).format(when=when, article=link(offer.url, offer.title), case=case.human_id)
                ),
            )
        )
        blocks.append(
            ActionsBlock(
                block_id="guide_offer_actions",
                elements=[
                    ButtonElement(
                        text=t("This answered it — withdraw"),
                        action_id=ids.GUIDE_WITHDRAW_ACTION,
                        value=f"{case.id}:{offer.guide_id}",
                    )
                ],
            )
        )
    return t("{case} is filed").format(case=case.human_id), as_dicts(blocks)


def build_follow_confirmation(
    case: Case, *, permalink: str | None, catalog: Catalog = ENGLISH
) -> tuple[str, list[dict[str, Any]]]:
    """The DM to a rep who chose to follow an existing case, in the rep's language."""
    t = catalog.text
    where = link(permalink, t("{case} thread").format(case=case.human_id)) if permalink else t("the escalation channel")
    about = (
        t("sensitive case") if case.sensitive else f"{escape_mrkdwn(case.advertiser)} / {escape_mrkdwn(case.campaign)}"
    )
    text = t(":eyes: You follow *{case}* ({about}). Its thread: {where}. You will get the outcome here.").format(
        case=case.human_id, about=about, where=where
    )
    return t("You follow {case}").format(case=case.human_id), as_dicts([SectionBlock(text=md(text))])


def follower_note(case: Case, *, user_id: str, question: str, market: str, links: tuple[str, ...]) -> str:
    """The thread line for a rep who joined the case (a second report of it, or more from the reporter):
    what they asked is kept here; a sensitive case keeps it in its history only."""
    if user_id == case.reporter_id:
        head = f":heavy_plus_sign: <@{user_id}> filed the same again and added to this case"
    else:
        head = f":eyes: <@{user_id}> reported this too and follows it (they hear the outcome)"
    if case.sensitive or not (question or market or links):
        return head + "."
    lines = [head + ":"]
    if question:
        lines.append(">" + fit(question, 2000).replace("\n", "\n>"))
    if market:
        lines.append(f"Market: {escape_mrkdwn(market)}")
    lines.extend(f"<{escape_mrkdwn(link)}>" for link in links[:5])
    return "\n".join(lines)
