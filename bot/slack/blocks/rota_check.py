"""The weekly rota check in Block Kit: per schedule, the gaps and the placeholder ids still on call."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, HeaderBlock, MarkdownTextObject, SectionBlock

from bot.services.rota_check import RotaCheck
from bot.slack.blocks.parts import slack_date
from bot.slack.escape import escape_mrkdwn, truncate

SHOWN = 15


def build_rota_check(check: RotaCheck, *, tz: ZoneInfo) -> tuple[str, list[dict[str, Any]]]:
    """Fallback text and blocks: one section per schedule with findings (gaps first, then placeholders)."""
    gaps = sum(len(f.gaps) for f in check.findings)
    waiting = sum(len(f.placeholders) for f in check.findings)
    text = f"Rota check, next {check.weeks} weeks: {gaps} gap(s), {waiting} placeholder id(s) on call"
    blocks: list[Block] = [HeaderBlock(text=truncate(f"Rota check · next {check.weeks} weeks", 150))]
    for found in check.findings:
        if found.empty:
            continue
        lines = [f"*{escape_mrkdwn(found.title)}* (`{found.schedule_id}`)"]
        for gap in found.gaps[:SHOWN]:
            lines.append(
                f"• nobody on call for *{escape_mrkdwn(gap.layer)}* "
                f"{slack_date(gap.start_at, tz)} → {slack_date(gap.end_at, tz)}"
            )
        if len(found.gaps) > SHOWN:
            lines.append(f"• …and {len(found.gaps) - SHOWN} more gap(s)")
        for user_id, first_at in found.placeholders[:SHOWN]:
            lines.append(
                f"• placeholder id `{escape_mrkdwn(user_id)}` is on call from {slack_date(first_at, tz)}: "
                "replace it with a real person"
            )
        blocks.append(SectionBlock(text=MarkdownTextObject(text=truncate("\n".join(lines), 3000))))
        if len(blocks) >= 45:
            break
    return text, [b.to_dict() for b in blocks]
