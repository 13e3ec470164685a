"""The leads' daily digest as one Block Kit message, within Slack's limits whatever the volume.

A handful of blocks (never near 50); each list section takes lines while they fit in 3000
characters and folds the rest, with what the domain already folded, into "…and N more".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, SectionBlock

from bot.config.durations import format_duration
from bot.domain import digest as d
from bot.domain.digest_input import Measure
from bot.domain.digest_text import summary_line
from bot.slack.blocks.parts import md, slack_date
from bot.slack.escape import escape_mrkdwn, fit, link, truncate

SECTION_LIMIT = 3000
HEADER_LIMIT = 150


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=md(truncate(text, SECTION_LIMIT)))


def _person(user: str) -> str:
    """A Slack id becomes a mention; anything else (an e-mail member) is shown as written."""
    return f"<@{user}>" if user.isalnum() else escape_mrkdwn(user)


def _people(users: Sequence[str]) -> str:
    return ", ".join(_person(u) for u in users) if users else "_nobody_"


def _words(value: str) -> str:
    return value.replace("_", " ")


def _age(delta: timedelta) -> str:
    """The two largest units ("2d 3h", "45m"): enough to see how old a case is."""
    return " ".join(format_duration(max(delta, timedelta(minutes=1))).split(" ")[:2])


def _window(delta: timedelta) -> str:
    """`4 h`, `24 h`: a window reads better in hours than as `1d`."""
    hours, rest = divmod(int(delta.total_seconds()), 3600)
    return f"{hours} h" if not rest else format_duration(delta)


def _case(digest: d.Digest, line: d.CaseLine, *, owner: bool = False) -> str:
    ref = link(line.permalink, line.human_id) if line.permalink else escape_mrkdwn(line.human_id)
    head = f"{ref} {escape_mrkdwn(digest.severity_label(line.severity_id))}"
    if line.details is None:
        return f"{head} · :lock: sensitive · {_words(line.status.value)}"
    about = f"{fit(line.details.advertiser, 80)} / {fit(line.details.campaign, 80)}"
    who = ""
    if owner:
        who = f" · {_person(line.details.owner_id)}" if line.details.owner_id else " · *unowned*"
    return f"{head} · {about} · {_words(line.status.value)}{who}"


def _fold(title: str, lines: Sequence[str], more: int, *, empty: str | None = None) -> SectionBlock:
    """A titled list: as many lines as fit in one section, the rest counted in "…and N more"."""
    if not lines and not more:
        return _section(f"{title}\n{empty or '_none_'}")
    kept: list[str] = []
    size = len(title) + len(f"\n…and {len(lines) + more} more")  # room for the fold, should it be needed
    for line in lines:  # whole lines only: a cut could split a link, a date or an escape
        if size + 1 + len(line) > SECTION_LIMIT:
            break
        kept.append(line)
        size += 1 + len(line)
    hidden = len(lines) - len(kept) + more
    tail = [f"…and {hidden} more"] if hidden else []
    return _section("\n".join([title, *kept, *tail]))


def _open(digest: d.Digest, tz: ZoneInfo) -> list[Block]:
    rows = [
        f"{escape_mrkdwn(f'{t.emoji} {t.label}'.strip())}: *{t.open}* open"
        + (f" ({t.unowned} unowned)" if t.unowned else "")
        for t in digest.open_by_severity
    ]
    head = (
        f"*Open cases: {digest.open_total}* ({digest.unowned_total} unowned) · "
        f"{digest.opened_since} opened since {slack_date(digest.since, tz)}"
    )
    urgent = [f"• {_case(digest, u.case, owner=True)} · {_age(u.age)} old" for u in digest.urgent.items]
    return [
        _section(head + "\n" + "\n".join(rows)),
        _fold("*Most urgent*", urgent, digest.urgent.more),
    ]


def _sla(digest: d.Digest, tz: ZoneInfo) -> list[Block]:
    def lines(items: Sequence[d.SlaLine]) -> list[str]:
        return [f"• {_case(digest, s.case)} · {s.measure.value} SLA due {slack_date(s.due_at, tz)}" for s in items]

    soon = _window(digest.limits.due_soon)
    events = digest.breach_events
    since = (
        f"Since {slack_date(digest.since, tz)}: acknowledge SLA breached on {events.acknowledge} case(s), "
        f"resolve SLA on {events.resolve}, campaign deadline passed unresolved on {events.deadlines_passed}."
    )
    return [
        _fold(f"*Past SLA ({digest.breached.total})*", lines(digest.breached.items), digest.breached.more),
        _fold(
            f"*About to breach, within {soon} ({digest.due_soon.total})*",
            lines(digest.due_soon.items),
            digest.due_soon.more,
        ),
        ContextBlock(elements=[md(since)]),
    ]


def _deadlines(digest: d.Digest, tz: ZoneInfo) -> Block:
    window = _window(digest.limits.deadline_window)
    lines = [f"• {_case(digest, x.case)} · deadline {slack_date(x.deadline_at, tz)}" for x in digest.deadlines.items]
    return _fold(f"*Campaign deadlines in the next {window} ({digest.deadlines.total})*", lines, digest.deadlines.more)


def _resolved(digest: d.Digest, tz: ZoneInfo) -> Block:
    outcomes = ", ".join(f"{n} {escape_mrkdwn(label)}" for label, n in digest.resolved_by_outcome)
    title = f"*Resolved since {slack_date(digest.since, tz)} ({digest.resolved.total})*" + (
        f": {outcomes}" if outcomes else ""
    )
    lines = [
        f"• {_case(digest, r.case)}" + (f" · {escape_mrkdwn(r.outcome)}" if r.outcome else "")
        for r in digest.resolved.items
    ]
    return _fold(truncate(title, 1000), lines, digest.resolved.more)


def _response_times(digest: d.Digest) -> Block:
    title = f"*Response times, cases opened in the last {digest.response_days} days* (median / 90th percentile)"
    if not digest.response_times:
        return _section(f"{title}\n_no acknowledged or resolved cases_")
    lines = []
    for severity_id in dict.fromkeys(r.severity_id for r in digest.response_times):
        parts = []
        for measure in Measure:
            cells = [
                f"{r.day.value} {format_duration(r.median)} / {format_duration(r.p90)} (n={r.count})"
                for r in digest.response_times
                if r.severity_id == severity_id and r.measure is measure
            ]
            if cells:
                parts.append(f"{measure.value}: " + ", ".join(cells))
        lines.append(f"{escape_mrkdwn(digest.severity_label(severity_id))} — " + "; ".join(parts))
    return _fold(title, lines, 0)


def _on_call(digest: d.Digest, tz: ZoneInfo) -> Block:
    lines = []
    for layer in digest.on_call:
        until = f" until {slack_date(layer.until, tz)}, then {_people(layer.next_users)}" if layer.until else ""
        lines.append(
            f"{escape_mrkdwn(layer.schedule_title)} · *{escape_mrkdwn(layer.layer)}*: {_people(layer.users)}{until}"
        )
    return _fold("*On call*", lines, 0, empty="No on-call schedules are configured.")


def build_digest(digest: d.Digest, *, tz: ZoneInfo) -> tuple[str, list[dict[str, Any]]]:
    """Fallback text and blocks of the digest message (at most a dozen blocks)."""
    text = truncate(summary_line(digest, tz=tz), 300)
    late = ""
    if digest.late:
        planned = f" (planned for {slack_date(digest.scheduled_at, tz)})" if digest.scheduled_at else ""
        late = f":hourglass: *Late digest*{planned}: the bot was unavailable at the usual time. "
    if digest.quiet:
        line = f"{late}Nothing to report: no open cases, nothing resolved since {slack_date(digest.since, tz)}."
        return text, [_section(line).to_dict()]
    day = digest.now.astimezone(tz).strftime("%a %d %b %Y")
    blocks: list[Block] = [HeaderBlock(text=truncate(f"Escalations digest · {day}", HEADER_LIMIT))]
    if late:
        blocks.append(ContextBlock(elements=[md(late.strip())]))
    blocks += _open(digest, tz)
    blocks += _sla(digest, tz)
    blocks += [_deadlines(digest, tz), _resolved(digest, tz), _response_times(digest), _on_call(digest, tz)]
    return text, [b.to_dict() for b in blocks]
