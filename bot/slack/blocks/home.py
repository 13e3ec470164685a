"""The App Home tab: each person sees what concerns them (their cases, their queue and shifts, the team)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, ContextBlock, DividerBlock, HeaderBlock, ImageBlock, SectionBlock
from slack_sdk.models.views import View

from bot.domain import digest as d
from bot.domain import rota
from bot.domain.case import Case
from bot.domain.charts import ChartFile
from bot.slack.blocks import digest as digest_blocks
from bot.slack.blocks.lookup import case_line
from bot.slack.blocks.parts import as_dicts, md, slack_date
from bot.slack.escape import escape_mrkdwn, truncate


def _cases(title: str, cases: Sequence[Case], empty: str) -> list[Block]:
    lines = "\n".join(case_line(c) for c in cases[:25]) or empty
    more = f"\n…and {len(cases) - 25} more" if len(cases) > 25 else ""
    return [SectionBlock(text=md(truncate(f"*{escape_mrkdwn(title)}*\n{lines}{more}", 3000)))]


SHIFT_LINES_PER_SECTION = 15  # ~150 characters a line, within a section's 3000


def _shift_sections(shifts: Sequence[rota.Shift], *, now: datetime, tz: ZoneInfo) -> list[Block]:
    """Every shift of the next 14 days, in as many sections as it takes (Slack caps each at 3000)."""
    lines = [
        f"• *{escape_mrkdwn(s.layer)}* {slack_date(s.start_at, tz)} → {slack_date(s.end_at, tz)}"
        + (" (now)" if s.start_at <= now < s.end_at else "")
        for s in shifts
    ]
    if not lines:
        return [SectionBlock(text=md("*Your shifts*\n_No shifts in the next 14 days._"))]
    sections: list[Block] = []
    for i in range(0, len(lines), SHIFT_LINES_PER_SECTION):
        title = f"*Your shifts — next 14 days ({len(lines)})*\n" if i == 0 else ""
        sections.append(
            SectionBlock(text=md(truncate(title + "\n".join(lines[i : i + SHIFT_LINES_PER_SECTION]), 3000)))
        )
    return sections


def build_home_charts(charts: Sequence[ChartFile], *, tz: ZoneInfo) -> list[Block]:
    """The newest weekly report's charts for a lead's Home tab: each uploaded chart as an image block that
    names its Slack file by id (a Home tab takes an `image_url` or a `slack_file`, never a bare upload),
    with its alt text; a chart whose upload failed as its text; none yet as one line saying when."""
    if not charts:
        return [
            SectionBlock(text=md("*Charts*\n_The charts come with the first weekly report; they will show here then._"))
        ]
    week = charts[0].end_at.astimezone(tz)
    blocks: list[Block] = [SectionBlock(text=md(f"*Charts — the week to {week:%a %d %b}*"))]
    for chart in charts:
        if chart.file_id is not None:
            blocks.append(
                ImageBlock(
                    block_id=f"chart_{chart.name}",
                    slack_file={"id": chart.file_id},
                    alt_text=truncate(chart.alt_text, 2000),
                    title=truncate(chart.title, 2000),
                )
            )
        else:
            blocks.append(SectionBlock(block_id=f"chart_{chart.name}", text=md(truncate(chart.fallback, 3000))))
    return blocks


def build_home(
    *,
    now: datetime,
    tz: ZoneInfo,
    mine: Sequence[Case],
    queue: Sequence[Case] | None = None,
    shifts: Sequence[rota.Shift] = (),
    team: d.Digest | None = None,
    review: Sequence[Block] = (),
    notice: str | None = None,
    extra: Sequence[Block] = (),
) -> dict[str, Any]:
    """A rep sees their cases; an on-call specialist their queue and shifts; a lead the team's picture and
    the guide drafts to review. `notice` is the answer to the person's last click in the Home tab."""
    blocks: list[Block] = [HeaderBlock(text="Ads escalations")]
    if notice:
        blocks.append(SectionBlock(block_id="home_notice", text=md(truncate(notice, 3000))))
    blocks += _cases("Your open cases", mine, "_You have no open cases._")
    if queue is not None:
        blocks.append(DividerBlock())
        blocks += _cases("Your queue (owned by you or nobody)", queue, "_The queue is empty._")
        blocks += _shift_sections(shifts, now=now, tz=tz)
    blocks += review
    if team is not None:
        blocks.append(DividerBlock())
        _, team_blocks = digest_blocks.build_digest(team, tz=tz)
        blocks.append(SectionBlock(text=md("*The team this week*")))
        view_blocks = as_dicts(blocks)
        view_blocks += team_blocks[:40]
        if extra:  # the lead's burden (and charts) after the team's digest
            view_blocks.append(DividerBlock().to_dict())
            view_blocks += as_dicts(extra)[: max(0, 97 - len(view_blocks))]
        view_blocks.append(ContextBlock(elements=[md(f"Updated {slack_date(now, tz)}")]).to_dict())
        return View(type="home", blocks=view_blocks[:100]).to_dict()
    blocks.append(ContextBlock(elements=[md(f"Updated {slack_date(now, tz)}")]))
    return View(type="home", blocks=blocks).to_dict()
