"""Who is on call, the next two weeks, the override modal, and handoff notices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    DateTimePickerElement,
    HeaderBlock,
    InputBlock,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.domain import rota
from bot.domain.case import Case
from bot.services.ports import HandoffNotice
from bot.slack import ids
from bot.slack.blocks.parts import md, notice_modal, option, select_input, slack_date, user_input
from bot.slack.escape import escape_mrkdwn, fit, truncate


def _person(member: str) -> str:
    """A Slack id becomes a mention; an e-mail member is shown as written."""
    return escape_mrkdwn(member) if rota.is_email(member) else f"<@{member}>"


def _who(users: Sequence[str]) -> str:
    return ", ".join(_person(u) for u in users) if users else "_nobody_"


def build_who_is_on_call(
    schedules: Sequence[rota.Schedule], *, now: datetime, overrides: dict[str, tuple[rota.Override, ...]]
) -> list[dict[str, Any]]:
    """For each schedule and layer: who now, until when, and who is next."""
    blocks: list[Block] = []
    for schedule in schedules:
        own = overrides.get(schedule.id, ())
        current = rota.on_call(schedule, now, overrides=own)
        lines = []
        for layer in schedule.layers:
            change = rota.next_handoff(schedule, now, overrides=own, layer=layer.name)
            following = rota.on_call(schedule, change, overrides=own).get(layer.name, ()) if change else ()
            until = f" until {slack_date(change, schedule.timezone)}, then {_who(following)}" if change else ""
            lines.append(f"*{escape_mrkdwn(layer.name)}*: {_who(current.get(layer.name, ()))}{until}")
        blocks.append(SectionBlock(text=md(truncate(f"*{escape_mrkdwn(schedule.title)}*\n" + "\n".join(lines), 3000))))
    if not blocks:
        blocks.append(SectionBlock(text=md("No on-call schedules are configured.")))
    return [b.to_dict() for b in blocks[:50]]


def build_schedule_days(
    schedule: rota.Schedule, *, now: datetime, overrides: tuple[rota.Override, ...], days: int = 14
) -> list[dict[str, Any]]:
    """The next `days` days of shifts, one section per layer."""
    end_at = now + timedelta(days=days)
    blocks: list[Block] = [HeaderBlock(text=truncate(f"{schedule.title}: next {days} days", 150))]
    for layer in schedule.layers:
        lines = []
        for shift in rota.shifts(schedule, now, end_at, overrides=overrides, layer=layer.name):
            start = shift.start_at.astimezone(schedule.timezone)
            stop = shift.end_at.astimezone(schedule.timezone)
            tag = " (override)" if shift.override_id is not None else ""
            lines.append(f"{start:%a %d %b %H:%M} → {stop:%a %d %b %H:%M}  {_person(shift.user_id)}{tag}")
        text = "\n".join(lines) or "_nobody_"
        blocks.append(SectionBlock(text=md(truncate(f"*{escape_mrkdwn(layer.name)}*\n{text}", 3000))))
    blocks.append(ContextBlock(elements=[md(f"Times in {schedule.timezone.key}.")]))
    return [b.to_dict() for b in blocks[:50]]


def build_override_modal(schedules: Sequence[rota.Schedule], *, user_id: str, now: datetime) -> dict[str, Any]:
    """Who covers whom, from when to when."""
    schedule_options = [option(s.id, s.title) for s in schedules]
    layer_names = sorted({layer.name for s in schedules for layer in s.layers})
    layer_options = [option(ids.ALL_LAYERS, "Every layer"), *(option(n, n) for n in layer_names)]
    start = int(now.timestamp())
    blocks = [
        select_input(
            ids.OVERRIDE_SCHEDULE_BLOCK,
            "Schedule",
            schedule_options,
            initial=schedule_options[0] if len(schedules) == 1 else None,
        ),
        select_input(ids.OVERRIDE_LAYER_BLOCK, "Layer", layer_options, initial=layer_options[0]),
        user_input(ids.OVERRIDE_USER_BLOCK, "Who covers", initial_user=user_id),
        user_input(ids.OVERRIDE_REPLACES_BLOCK, "Instead of (leave empty: whoever is on call)", optional=True),
        InputBlock(
            block_id=ids.OVERRIDE_START_BLOCK,
            label="From",
            element=DateTimePickerElement(action_id=ids.FIELD_ACTION, initial_date_time=start),
        ),
        InputBlock(
            block_id=ids.OVERRIDE_END_BLOCK,
            label="Until",
            element=DateTimePickerElement(action_id=ids.FIELD_ACTION, initial_date_time=start + 8 * 3600),
        ),
    ]
    return View(
        type="modal",
        callback_id=ids.OVERRIDE_CALLBACK,
        title="On-call override",
        submit="Save",
        close="Cancel",
        blocks=blocks,
    ).to_dict()


def build_override_list(
    overrides: Sequence[rota.Override], schedules: dict[str, rota.Schedule]
) -> list[dict[str, Any]]:
    """Current and coming overrides, each with a Cancel button."""
    if not overrides:
        return [SectionBlock(text=md("No overrides are running or planned.")).to_dict()]
    blocks: list[Block] = []
    for override in list(overrides)[:24]:
        schedule = schedules.get(override.schedule_id)
        tz = schedule.timezone if schedule else None
        title = schedule.title if schedule else override.schedule_id
        instead = f" instead of <@{override.replaces}>" if override.replaces else ""
        when = f"{slack_date(override.start_at, tz)} → {slack_date(override.end_at, tz)}" if tz else ""
        layer = escape_mrkdwn(override.layer or "every layer")
        text = f"<@{override.user_id}> covers *{layer}*{instead} · {escape_mrkdwn(title)}\n{when}"
        blocks.append(
            SectionBlock(
                text=md(text),
                accessory=ButtonElement(
                    text="Cancel", action_id=ids.OVERRIDE_CANCEL_ACTION, value=str(override.id), style="danger"
                ),
            )
        )
    return [b.to_dict() for b in blocks]


def _case_line(case: Case) -> str:
    link = f"<{case.permalink}|{case.human_id}>" if case.permalink else case.human_id
    names = (
        ":lock: sensitive — details in the restricted channel"
        if case.sensitive
        else f"{fit(case.advertiser, 60)} / {fit(case.campaign, 60)}"
    )
    return f"• {link} {names} ({case.severity_id}, {case.status.value.replace('_', ' ')})"


def build_handoff_dm(notice: HandoffNotice, *, tz: Any) -> tuple[str, list[dict[str, Any]]]:
    """The incoming on-call's briefing: open cases and what falls due during the shift."""
    until = f" until {slack_date(notice.end_at, tz)}" if notice.end_at else ""
    where = f"*{escape_mrkdwn(notice.layer)}* on call for *{escape_mrkdwn(notice.schedule_title)}*"
    head = f":wave: You are now {where}{until}."
    blocks: list[Block] = [SectionBlock(text=md(head))]
    cases = notice.open_cases[:15]
    if cases:
        more = f"\n…and {len(notice.open_cases) - len(cases)} more" if len(notice.open_cases) > len(cases) else ""
        blocks.append(
            SectionBlock(
                text=md(
                    truncate(
                        f"*Open cases ({len(notice.open_cases)})*\n" + "\n".join(_case_line(c) for c in cases) + more,
                        3000,
                    )
                )
            )
        )
    else:
        blocks.append(SectionBlock(text=md("No open cases right now.")))
    if notice.due:
        lines = [f"• {slack_date(item.at, tz)} {item.what} of {item.case.human_id}" for item in notice.due[:20]]
        blocks.append(SectionBlock(text=md(truncate("*Due during your shift*\n" + "\n".join(lines), 3000))))
    return f"You are now {notice.layer} on call for {notice.schedule_title}", [b.to_dict() for b in blocks]


def handoff_note_text(notice: HandoffNotice, *, tz: Any) -> str:
    """The channel's one-line note at a handoff."""
    until = f" until {slack_date(notice.end_at, tz)}" if notice.end_at else ""
    return (
        f":arrows_counterclockwise: Handoff: <@{notice.user_id}> is now *{escape_mrkdwn(notice.layer)}* on call "
        f"for {escape_mrkdwn(notice.schedule_title)}{until} · {len(notice.open_cases)} open case(s)."
    )


def build_override_saved(override: rota.Override, schedule: rota.Schedule) -> dict[str, Any]:
    """The modal after saving: what will happen, in the schedule's words."""
    instead = f" instead of <@{override.replaces}>" if override.replaces else ""
    text = (
        f":white_check_mark: <@{override.user_id}> covers *{escape_mrkdwn(override.layer or 'every layer')}* of "
        f"{escape_mrkdwn(schedule.title)}{instead} from {slack_date(override.start_at, schedule.timezone)} "
        f"to {slack_date(override.end_at, schedule.timezone)}. `/oncall overrides` lists and cancels overrides."
    )
    return notice_modal("On-call override", text)
