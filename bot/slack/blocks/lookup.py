"""`/ad-escalate status | mine | find`: a case's history and short case lists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, ContextBlock, SectionBlock

from bot.domain.case import Case
from bot.domain.events import CaseEvent
from bot.domain.form_text import ENGLISH, Catalog
from bot.slack.blocks.parts import as_dicts, md, slack_date
from bot.slack.escape import escape_mrkdwn, fit, truncate


def case_line(case: Case, catalog: Catalog = ENGLISH) -> str:
    """One line: id (linked), severity, status, advertiser / campaign."""
    ident = f"<{case.permalink}|{case.human_id}>" if case.permalink else case.human_id
    names = (
        catalog.text("sensitive case") if case.sensitive else (f"{fit(case.advertiser, 60)} / {fit(case.campaign, 60)}")
    )
    return f"• *{ident}* {case.severity_id.upper()} · {case.status.value.replace('_', ' ')} · {names}"


def build_case_list(title: str, cases: Sequence[Case], *, catalog: Catalog = ENGLISH) -> list[dict[str, Any]]:
    """A titled list of cases, or a line saying there are none (`title` comes translated)."""
    text = "\n".join(case_line(c, catalog) for c in cases[:40]) or catalog.text("_none_")
    return [SectionBlock(text=md(truncate(f"*{escape_mrkdwn(title)}*\n{text}", 3000))).to_dict()]


def build_history(case: Case, history: Sequence[CaseEvent], *, tz: ZoneInfo) -> list[dict[str, Any]]:
    """The case's status and its audit trail, newest last, folded to fit Slack's limits."""
    lines = []
    for event in history:
        who = f" by <@{event.actor_id}>" if event.actor_id else ""
        change = ""
        if event.data.get("after"):
            change = " → " + ", ".join(f"{k}: {escape_mrkdwn(str(v))}" for k, v in event.data["after"].items())
        lines.append(f"{slack_date(event.at, tz)} · {event.kind.replace('_', ' ')}{who}{truncate(change, 200)}")
    shown = lines[-40:]
    folded = f"…{len(lines) - len(shown)} earlier events\n" if len(lines) > len(shown) else ""
    blocks: list[Block] = [
        SectionBlock(text=md(case_line(case))),
        SectionBlock(text=md(truncate(folded + "\n".join(shown), 3000))),
        ContextBlock(elements=[md(f"{len(lines)} events · times in your time zone")]),
    ]
    return as_dicts(blocks)
