"""The weekly report in Block Kit: volume, SLA compliance, missed deadlines, on-call load, advertisers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, HeaderBlock, SectionBlock

from bot.domain.weekly import GuidanceFigures, WeeklyReport
from bot.slack.blocks.burden import short_burden
from bot.slack.blocks.parts import md
from bot.slack.escape import escape_mrkdwn, fit, truncate


def _counts(pairs: Sequence[tuple[str, int]], limit: int = 12) -> str:
    shown = ", ".join(f"{escape_mrkdwn(k)} {n}" for k, n in pairs[:limit]) or "none"
    return shown + (f", …and {len(pairs) - limit} more" if len(pairs) > limit else "")


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def build_weekly(report: WeeklyReport, *, tz: ZoneInfo) -> tuple[str, list[dict[str, Any]]]:
    """Fallback text and blocks of the weekly report (a handful of sections, within Slack's limits)."""
    start = report.start_at.astimezone(tz).strftime("%a %d %b")
    end = report.end_at.astimezone(tz).strftime("%a %d %b %Y")
    text = f"Weekly report {start} to {end}: {report.opened} cases"
    load = (
        "\n".join(f"• <@{p.user_id}>: {p.pages} page(s), {p.out_of_hours} out of hours" for p in report.load[:15])
        or "No pages this week."
    )
    blocks: list[Block] = [
        HeaderBlock(text=truncate(f"Weekly report · {start} to {end}", 150)),
        SectionBlock(
            text=md(
                truncate(
                    f"*Volume:* {report.opened} case(s)\n*By flow:* {_counts(report.by_flow)}\n"
                    f"*By market:* {_counts(report.by_market)}\n*By severity:* {_counts(report.by_severity)}",
                    3000,
                )
            )
        ),
        SectionBlock(
            text=md(
                f"*SLA compliance:* acknowledge {_share(report.acknowledge_compliance)} · "
                f"resolve {_share(report.resolve_compliance)}\n*Campaign deadlines missed:* {report.deadlines_missed}"
            )
        ),
        SectionBlock(text=md(truncate(f"*On-call load (fairness)*\n{load}", 3000))),
        SectionBlock(text=md(truncate(f"*Most escalated advertisers:* {_counts(report.top_advertisers, 5)}", 3000))),
    ]
    if report.burden is not None:
        blocks += short_burden(report.burden, report.burden_quarter)
    if report.guidance is not None:
        blocks.append(SectionBlock(block_id="weekly_guidance", text=md(_guidance(report.guidance))))
    return text, [b.to_dict() for b in blocks]


def _guidance(figures: GuidanceFigures) -> str:
    """Policy guidance: answered without an escalation, the gaps to write next, articles that did not suffice."""

    def lines(pairs: tuple[tuple[str, int], ...], empty: str) -> str:
        found = "\n".join(f"• {fit(name, 150)} ({n})" for name, n in pairs[:5])
        return found or empty

    text = (
        f"*Policy guidance:* {figures.answered_without_escalation} question(s) answered without an escalation "
        f"({figures.answered} said an article answered them, {figures.withdrawn} withdrew a case before paging)\n"
        f"*Most searched with no good article* (write these next):\n{lines(figures.gaps, '_none_')}\n"
        f"*Articles shown that still led to an escalation:*\n{lines(figures.escalated_anyway, '_none_')}"
    )
    return truncate(text, 3000)
