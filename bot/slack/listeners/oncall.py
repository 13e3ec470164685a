"""`/oncall`: who is on call, the next two weeks, overrides (make, list, cancel)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.clock import Clock
from bot.config.model import Config
from bot.domain.identity import is_user_id
from bot.services.calendar_feed import CalendarFeeds
from bot.services.overrides import OverrideRequest
from bot.services.rota_desk import RotaDesk
from bot.services.swaps import Direction, Proposal
from bot.slack import ids
from bot.slack.blocks.oncall import (
    build_override_list,
    build_override_modal,
    build_override_saved,
    build_schedule_days,
    build_who_is_on_call,
)
from bot.slack.blocks.parts import slack_date
from bot.slack.blocks.swaps import build_swap_asked, build_swap_modal
from bot.slack.forms import open_form
from bot.slack.people import display_name
from bot.slack.state import selected_value

USAGE = (
    "`/oncall` who is on call now and next · `/oncall schedule [name]` the next 14 days · "
    "`/oncall override` cover for someone · `/oncall overrides` list and cancel overrides · "
    "`/oncall swap` give one of your shifts to a colleague, or take one of theirs · "
    "`/oncall calendar` your shifts as a private calendar URL"
)


def _picked_user(values: dict[str, Any], block_id: str) -> str | None:
    user = values.get(block_id, {}).get(ids.FIELD_ACTION, {}).get("selected_user")
    return user if is_user_id(user) else None  # not a Slack user id: as if nobody was picked


def _picked_time(values: dict[str, Any], block_id: str) -> datetime | None:
    stamp = values.get(block_id, {}).get(ids.FIELD_ACTION, {}).get("selected_date_time")
    return datetime.fromtimestamp(int(stamp), UTC) if isinstance(stamp, int | float) else None


@dataclass
class OnCallListeners:
    """Listeners for `/oncall` and its override modal."""

    config: Config
    desk: RotaDesk
    clock: Clock
    kick: Callable[[], None]
    command: str = "/oncall"
    calendar_feeds: CalendarFeeds | None = None

    def register(self, app: App) -> None:
        app.command(self.command)(self.handle_command)
        app.view_submission(ids.OVERRIDE_CALLBACK)(self.handle_override_submission)
        app.action(ids.OVERRIDE_CANCEL_ACTION)(self.handle_cancel)
        app.view_submission(ids.SWAP_CALLBACK)(self.handle_swap_submission)
        app.action(ids.SWAP_ACCEPT_ACTION)(self.handle_swap_answer)
        app.action(ids.SWAP_DECLINE_ACTION)(self.handle_swap_answer)

    def _say(self, respond: Respond, *, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        respond(text=text, blocks=blocks, response_type="ephemeral")

    def handle_command(self, ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        words = str(command.get("text") or "").split()
        verb, rest = (words[0].lower(), words[1:]) if words else ("", [])
        now = self.clock.now()
        schedules = list(self.config.schedules.values())
        if verb in ("", "now", "who"):
            blocks = build_who_is_on_call(schedules, now=now, overrides=self.desk.overrides())
            self._say(respond, text="Who is on call", blocks=blocks)
        elif verb == "schedule":
            name = rest[0] if rest else (schedules[0].id if len(schedules) == 1 else "")
            schedule = self.config.schedules.get(name)
            if schedule is None:
                names = ", ".join(f"`{s}`" for s in self.config.schedules) or "none"
                self._say(respond, text=f"Which schedule? Try `/oncall schedule <name>` with one of: {names}.")
                return
            blocks = build_schedule_days(schedule, now=now, overrides=self.desk.overrides().get(schedule.id, ()))
            self._say(respond, text=f"{schedule.title}: next 14 days", blocks=blocks)
        elif verb == "override":
            user_id = str(command.get("user_id"))
            allowed = self.desk.manageable(user_id)
            if not allowed:
                self._say(
                    respond, text=":no_entry: Only members of an on-call schedule and the leads can make overrides."
                )
                return
            open_form(
                client,
                trigger_id=command["trigger_id"],
                view=build_override_modal(allowed, user_id=user_id, now=now),
                tell=lambda text: self._say(respond, text=text),
            )
        elif verb == "swap":
            user_id = str(command.get("user_id"))
            shifts = self.desk.upcoming_shifts(user_id, now=now)
            theirs = self.desk.colleague_shifts(user_id, now=now)
            if not shifts and not theirs:
                self._say(respond, text="You have no shifts in the next 31 days to swap, and none to take.")
                return
            titles = {s.id: s.title for s in schedules}
            people = {u: display_name(client, u) for u in dict.fromkeys(s.user_id for s in theirs)}
            open_form(
                client,
                trigger_id=command["trigger_id"],
                view=build_swap_modal(shifts, titles=titles, tz=self.config.app.timezone, theirs=theirs, names=people),
                tell=lambda text: self._say(respond, text=text),
            )
        elif verb == "calendar" and self.calendar_feeds is not None:
            self._calendar(respond, str(command.get("user_id")), rest[0].lower() if rest else "", now=now)
        elif verb == "overrides":
            found = self.desk.list_overrides(now=now)
            self._say(
                respond,
                text=f"{len(found)} override(s)",
                blocks=build_override_list(found, dict(self.config.schedules)),
            )
        else:
            self._say(respond, text=USAGE)

    def _calendar(self, respond: Respond, user_id: str, what: str, *, now: datetime) -> None:
        """`/oncall calendar [new|revoke]`: the person's private feed URL (shown once: only its hash is kept)."""
        assert self.calendar_feeds is not None
        if what == "revoke":
            revoked = self.calendar_feeds.revoke(user_id, now=now)
            self._say(respond, text="Your calendar URL is turned off." if revoked else "You have no calendar URL.")
            return
        since = self.calendar_feeds.live_since(user_id)
        if since is not None and what != "new":
            self._say(
                respond,
                text=(
                    f"You already have a calendar URL (made {slack_date(since, self.config.app.timezone)}); it is "
                    "shown only once. `/oncall calendar new` makes a new one (the old one stops working), "
                    "`/oncall calendar revoke` turns it off."
                ),
            )
            return
        path = self.calendar_feeds.issue(user_id, now=now)
        base = (self.config.app.public_url or "https://<this bot's address>").rstrip("/")
        self._say(
            respond,
            text=(
                f":calendar: Your on-call shifts as a calendar you can subscribe to (Google Calendar: "
                f"*Other calendars → From URL*; Outlook: *Subscribe from web*):\n`{base}{path}`\n"
                "It stays current with overrides. Keep it private: anyone with the URL sees your shifts. "
                "`/oncall calendar revoke` turns it off."
            ),
        )

    def handle_override_submission(
        self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        values = view.get("state", {}).get("values", {})
        actor = body["user"]["id"]
        layer = selected_value(values, ids.OVERRIDE_LAYER_BLOCK, ids.FIELD_ACTION)
        start_at = _picked_time(values, ids.OVERRIDE_START_BLOCK)
        end_at = _picked_time(values, ids.OVERRIDE_END_BLOCK)
        user_id = _picked_user(values, ids.OVERRIDE_USER_BLOCK)
        schedule_id = selected_value(values, ids.OVERRIDE_SCHEDULE_BLOCK, ids.FIELD_ACTION)
        missing = {
            b: "Required"
            for b, v in (
                (ids.OVERRIDE_SCHEDULE_BLOCK, schedule_id),
                (ids.OVERRIDE_USER_BLOCK, user_id),
                (ids.OVERRIDE_START_BLOCK, start_at),
                (ids.OVERRIDE_END_BLOCK, end_at),
            )
            if v is None
        }
        if missing:
            ack(response_action="errors", errors=missing)
            return
        if schedule_id is None or user_id is None or start_at is None or end_at is None:
            return  # unreachable: `missing` covered these
        request = OverrideRequest(
            schedule_id=schedule_id,
            layer=None if layer in (None, ids.ALL_LAYERS) else layer,
            user_id=user_id,
            replaces=_picked_user(values, ids.OVERRIDE_REPLACES_BLOCK),
            start_at=start_at,
            end_at=end_at,
        )
        now = self.clock.now()
        override = self.desk.make_override(request, actor_id=actor, now=now)  # refusals: bot/slack/refusals.py
        schedule = self.config.schedules[override.schedule_id]
        ack(response_action="update", view=build_override_saved(override, schedule))
        self.desk.tell_override(override, actor_id=actor, now=now)
        self.kick()

    def handle_swap_submission(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = view.get("state", {}).get("values", {})
        actor = body["user"]["id"]
        picked = selected_value(values, ids.SWAP_SHIFT_BLOCK, ids.FIELD_ACTION)
        other = _picked_user(values, ids.SWAP_WITH_BLOCK)
        taken = selected_value(values, ids.SWAP_TAKE_BLOCK, ids.FIELD_ACTION)
        if taken is not None and (picked is not None or other is not None):
            ack(
                response_action="errors",
                errors={ids.SWAP_TAKE_BLOCK: "Give one of your shifts or take a colleague's, not both at once."},
            )
            return
        if taken is None and (picked is None or other is None):
            block = ids.SWAP_WITH_BLOCK if picked else ids.SWAP_SHIFT_BLOCK
            if block not in values:  # only the "take" part is shown: no shift of yours to give
                block = ids.SWAP_TAKE_BLOCK
            ack(response_action="errors", errors={block: "Required"})
            return
        if taken is not None:
            proposal = _proposal(taken, actor, Direction.TAKE)
        else:
            proposal = _proposal(f"{picked}|{other}", actor, Direction.GIVE)
        self.desk.propose_swap(proposal, now=self.clock.now())  # a refusal is answered on the form's field
        tz = self.config.app.timezone
        asked = build_swap_asked(proposal.to_user, tz=tz, start_at=proposal.start_at, take=taken is not None)
        ack(response_action="update", view=asked)
        self.kick()

    def handle_swap_answer(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        accept = action.get("action_id") == ids.SWAP_ACCEPT_ACTION
        value = str(action.get("value", ""))
        proposal = self.desk.answer_swap(value, actor_id=body["user"]["id"], accept=accept, now=self.clock.now())
        covered = "they cover your shift" if proposal.direction is Direction.TAKE else "you cover that shift"
        verdict = f"You accepted: {covered}." if accept else "You declined."
        respond(text=verdict, replace_original=True)
        self.kick()

    def handle_cancel(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        value = str(action.get("value", ""))
        cancelled = self.desk.cancel_override(value, actor_id=body["user"]["id"], now=self.clock.now())
        schedule = self.config.schedules.get(cancelled.schedule_id)
        when = slack_date(cancelled.start_at, schedule.timezone) if schedule else cancelled.start_at.isoformat()
        respond(
            text=f"Cancelled: <@{cancelled.user_id}> covering from {when}.",
            response_type="ephemeral",
            replace_original=False,
        )
        self.kick()


def _proposal(value: str, actor: str, direction: Direction) -> Proposal:
    """A swap from the modal's choice: `schedule|layer|start|end|colleague` (the colleague picked to cover
    a shift given, or the owner of a shift taken)."""
    schedule_id, layer, start, end, colleague = value.split("|")
    return Proposal(
        schedule_id=schedule_id,
        layer=layer,
        from_user=actor,
        to_user=colleague,
        start_at=datetime.fromtimestamp(int(start), UTC),
        end_at=datetime.fromtimestamp(int(end), UTC),
        direction=direction,
    )
