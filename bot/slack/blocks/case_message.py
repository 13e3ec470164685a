"""The case's root message, its thread details, and the DMs about it."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    Option,
    OverflowMenuElement,
    SectionBlock,
)

from bot.config.durations import format_duration
from bot.domain.case import Case, CaseStatus
from bot.domain.flow import FieldKind, FieldRole, Flow
from bot.domain.form_text import ENGLISH, Catalog
from bot.domain.lifecycle import RULES, Action, Outcome
from bot.domain.sla import SlaTerms
from bot.services.ports import DeliveryFailure, OpsKind, OpsNotice, WithdrawOffer
from bot.slack import ids
from bot.slack.escape import escape_mrkdwn, fit, link, split_for_sections, truncate


def slack_date(at: datetime, tz: ZoneInfo) -> str:
    """A date Slack shows in each reader's own time zone, with a team-zone fallback."""
    fallback = at.astimezone(tz).strftime("%a %d %b %Y %H:%M %Z")
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def _md(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text)


def _blocks(blocks: list[Block]) -> list[dict[str, Any]]:
    return [b.to_dict() for b in blocks]


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
        _md(f"*Advertiser*\n{fit(case.advertiser, 300)}"),
        _md(f"*Campaign*\n{fit(case.campaign, 300)}"),
        _md(f"*Market*\n{escape_mrkdwn(market)}"),
        _md(f"*Deadline*\n{slack_date(case.deadline_at, tz) if case.deadline_at else 'none given'}"),
        _md(f"*Reporter*\n<@{case.reporter_id}>"),
        _md(f"*Status*\n{_status(case, tz)}"),
    ]
    if case.owner_id:
        fields.append(_md(f"*Owner*\n<@{case.owner_id}>"))
    if case.outcome:
        fields.append(_md(f"*Outcome*\n{Outcome(case.outcome).label}"))
    if case.answered_by_guide:
        fields.append(_md(f"*Answered by guide*\n`{escape_mrkdwn(case.answered_by_guide)}` (withdrawn by the rep)"))
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
        fields = [_md(f"*Status*\n{_status(case, tz)}")] + (
            [_md(f"*Owner*\n<@{case.owner_id}>")] if case.owner_id else []
        )
        blocks_sensitive: list[Block] = [
            SectionBlock(block_id="case_headline", text=_md(f"*{headline}*")),
            SectionBlock(block_id="case_warning", text=_md(warning)),
            SectionBlock(block_id="case_fields", fields=fields),
            ActionsBlock(block_id=ids.CASE_ACTIONS_BLOCK, elements=_root_buttons(case)),
        ]
        return headline, _blocks(blocks_sensitive)
    blocks: list[Block] = [
        SectionBlock(block_id="case_headline", text=_md(f"*{case_headline(case, flow)}*")),
        SectionBlock(block_id="case_fields", fields=fields),
        ContextBlock(block_id="case_sla", elements=[_md(sla)]),
        ActionsBlock(block_id=ids.CASE_ACTIONS_BLOCK, elements=_root_buttons(case)),
    ]
    return case_headline(case, flow), _blocks(blocks)


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
                text=_md(
                    ":lock: *Sensitive case* — may contain disturbing or confidential "
                    "content. Do not copy it outside this thread."
                )
            )
        )
    summary_field = flow.field_for(FieldRole.SUMMARY)
    label = summary_field.label if summary_field else "Question"
    for index, chunk in enumerate(split_for_sections(escape_mrkdwn(case.summary) or "—")):
        heading = f"*{escape_mrkdwn(label)}*\n" if index == 0 else ""
        blocks.append(SectionBlock(text=_md(heading + chunk)))
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
        blocks.append(SectionBlock(text=_md(truncate("\n".join(lines), 3000))))
    if flow.guidance:
        guidance = " · ".join(link(g.url, g.title) for g in flow.guidance)
        blocks.append(ContextBlock(elements=[_md(truncate(f":books: Guidance: {guidance}", 3000))]))
    if case.source_message:
        lines_from = link(case.source_message, "this Slack message")
        blocks.append(ContextBlock(elements=[_md(f":speech_balloon: Escalated from {lines_from}")]))
    blocks.append(ContextBlock(elements=[_md(f"Filed by <@{case.reporter_id}> with /ad-escalate · {case.human_id}")]))
    return f"Details of {case.human_id}", _blocks(blocks[:50])


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
    blocks: list[Block] = [SectionBlock(text=_md(text))]
    if offer is not None:
        when = slack_date(offer.held_until, tz or ZoneInfo("UTC"))
        blocks.append(
            SectionBlock(
                block_id="guide_offer",
                text=_md(
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
    return t("{case} is filed").format(case=case.human_id), _blocks(blocks)


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
    return t("You follow {case}").format(case=case.human_id), _blocks([SectionBlock(text=_md(text))])


def build_failure_report(failure: DeliveryFailure) -> tuple[str, list[dict[str, Any]]]:
    """Tell people that a Slack delivery failed for good, and that the case is safe."""
    about = f" for *{failure.case.human_id}*" if failure.case else ""
    text = (
        f":warning: Could not {fit(failure.what, 300)}{about} after {failure.attempts} attempts: "
        f"`{fit(failure.error, 300)}`. The case is saved; a person needs to look "
        "(check the channel id in the flow and that the bot is a member)."
    )
    return truncate(f"Delivery failed{about}: {failure.error}", 300), _blocks([SectionBlock(text=_md(text))])


def build_ops_alert(notice: OpsNotice) -> tuple[str, list[dict[str, Any]]]:
    """The auditor's or the reloader's finding, for the leads' channel."""
    text = truncate(_ops_text(notice), 2900)
    return text, _blocks([SectionBlock(text=_md(text))])


def _ops_text(notice: OpsNotice) -> str:
    span, worker = format_duration(notice.duration), escape_mrkdwn(notice.worker)
    match notice.kind:
        case OpsKind.TIMERS_LATE:
            case = f", case {notice.case_id}" if notice.case_id else ""
            return (
                f":rotating_light: *Escalation timers are running late.* {notice.overdue} job(s) are overdue; the "
                f"oldest ({notice.job_kind}{case}) was due {span} ago. Pages may not be going out: check that a "
                "replica is running and ready (`/readyz`), and its logs."
            )
        case OpsKind.TICK_STALLED:
            return (
                f":rotating_light: *The job loop of replica `{worker}` has stalled:* no tick has finished for "
                f"{span}. Other replicas keep running jobs; if this is the only one, pages are not going out. "
                "Restart it (it is not ready on `/readyz`)."
            )
        case OpsKind.STORE_DOWN:
            return (
                f":rotating_light: *The database has been unreachable for {span}* from replica `{worker}`. New "
                "escalations are refused with a request to try again, and timers wait: nothing accepted is lost, "
                "and pages go out when it is back."
            )
        case OpsKind.STORE_LOCKED:
            return (
                f":rotating_light: *The database is refusing writes from replica `{worker}`* (locked or slow) "
                f"for {span}. New escalations are refused with a request to try again and timers wait; "
                "`/readyz` shows it. Look for a process holding the database (a backup, a migration, a long query)."
            )
        case OpsKind.CLOCK_SKEW:
            return (
                f":warning: *The clock of replica `{worker}` is off by {span}* from the database's. The bot takes "
                "its time from the database, so pages stay on time; fix the machine's time sync (NTP)."
            )
        case OpsKind.SLACK_BACK:
            return (
                f":white_check_mark: *Slack answers replica `{worker}` again* after {span} "
                f"({escape_mrkdwn(notice.summary)}). Sends held meanwhile are going out now, oldest first; "
                "nothing was dropped."
            )
        case OpsKind.STORE_BACK:
            return f":white_check_mark: The database is reachable again after {span}; timers are catching up."
        case OpsKind.CONFIG_REJECTED:
            shown = "\n".join(f"• `{escape_mrkdwn(line)}`" for line in notice.problems[:5])
            more = f"\n…and {len(notice.problems) - 5} more" if len(notice.problems) > 5 else ""
            loaded = notice.loaded_at.isoformat(timespec="seconds") if notice.loaded_at else "start"
            return (
                ":warning: *Configuration reload failed; the bot keeps running the last good configuration* "
                f"(loaded {loaded}). Fix and push again:\n{shown}{more}"
            )
        case OpsKind.CONFIG_NEEDS_RESTART:
            return (
                f":information_source: Configuration reloaded ({notice.summary}). These settings change only on "
                f"restart and are unchanged until then: {', '.join(notice.settings)}."
            )


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
