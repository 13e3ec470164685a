"""Messages for people about the bot itself: a Slack delivery that failed for good, and the ops alerts of the
auditor and the reloader (timers late, a stalled loop, the store down or locked, clock skew, config reloads)."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import SectionBlock

from bot.config.durations import format_duration
from bot.services.ports import DeliveryFailure, OpsKind, OpsNotice
from bot.slack.blocks.parts import as_dicts, md
from bot.slack.escape import escape_mrkdwn, fit, truncate


def build_failure_report(failure: DeliveryFailure) -> tuple[str, list[dict[str, Any]]]:
    """Tell people that a Slack delivery failed for good, and that the case is safe."""
    about = f" for *{failure.case.human_id}*" if failure.case else ""
    text = (
        f":warning: Could not {fit(failure.what, 300)}{about} after {failure.attempts} attempts: "
        f"`{fit(failure.error, 300)}`. The case is saved; a person needs to look "
        "(check the channel id in the flow and that the bot is a member)."
    )
    return truncate(f"Delivery failed{about}: {failure.error}", 300), as_dicts([SectionBlock(text=md(text))])


def build_ops_alert(notice: OpsNotice) -> tuple[str, list[dict[str, Any]]]:
    """The auditor's or the reloader's finding, for the leads' channel."""
    text = truncate(_ops_text(notice), 2900)
    return text, as_dicts([SectionBlock(text=md(text))])


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
