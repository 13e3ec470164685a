"""On-call burden in Block Kit: short lines for the weekly report, the full table for the lead's Home."""

from __future__ import annotations

from collections.abc import Mapping

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock

from bot.domain.burden import KINDS, Burden, PersonBurden, TimeKind, off_hours_share
from bot.slack.escape import truncate

SHORT = {TimeKind.WEEKDAY: "day", TimeKind.WEEKNIGHT: "night", TimeKind.WEEKEND: "weekend", TimeKind.HOLIDAY: "holiday"}
PER_SECTION = 8


def _split(values: Mapping[TimeKind, float] | Mapping[TimeKind, int], unit: str = "") -> str:
    return " · ".join(f"{SHORT[k]} {values.get(k, 0):g}{unit}" for k in KINDS)


def _covers(person: PersonBurden) -> str:
    parts = []
    if person.covered:
        parts.append("covered " + ", ".join(f"<@{u}> {h:g}h" for u, h in person.covered[:3]))
    if person.covered_by:
        parts.append("covered by " + ", ".join(f"<@{u}> {h:g}h" for u, h in person.covered_by[:3]))
    return ("; " + "; ".join(parts)) if parts else ""


def short_burden(week: Burden, quarter: Burden | None) -> list[Block]:
    """The weekly report's fairness section: the week per person, with the quarter's hours beside it."""
    quarter_of = {p.user_id: p for p in quarter.people} if quarter else {}
    lines = []
    for person in week.people[:12]:
        q = quarter_of.get(person.user_id)
        q_text = f"; quarter {q.total_hours:g}h, {off_hours_share(q):.0%} off-hours" if q else ""
        lines.append(
            f"• <@{person.user_id}>: {person.total_shifts} shift(s), {person.total_hours:g}h "
            f"({_split(person.hours, 'h')}), {person.total_pages} page(s){q_text}{_covers(person)}"
        )
    text = "*On-call burden this week* (hours on call by kind of time)\n" + (
        "\n".join(lines) or "_Nobody was on call._"
    )
    return [SectionBlock(block_id="weekly_burden", text=MarkdownTextObject(text=truncate(text, 3000)))]


def full_burden(periods: Mapping[str, Burden]) -> list[Block]:
    """The lead's view: for each period, per person, shifts, hours and pages split by kind of time, and covers."""
    blocks: list[Block] = []
    for name, result in periods.items():
        lines = [
            f"• <@{p.user_id}>: shifts {p.total_shifts} ({_split(p.shifts)})\n"
            f"   hours {p.total_hours:g} ({_split(p.hours, 'h')})\n"
            f"   pages {p.total_pages} ({_split(p.pages)}){_covers(p)}"
            for p in result.people
        ] or ["_Nobody was on call._"]
        for i in range(0, len(lines), PER_SECTION):
            title = f"*On-call burden — last {name}*\n" if i == 0 else ""
            chunk = "\n".join(lines[i : i + PER_SECTION])
            blocks.append(SectionBlock(text=MarkdownTextObject(text=truncate(title + chunk, 3000))))
    return blocks
