"""The people half: a workspace member who types slash commands, clicks, selects and submits modals."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from slack_standin.blockkit.elements import current_state, input_elements
from slack_standin.blockkit.state_values import entered
from slack_standin.people import payloads
from slack_standin.people.acks import apply_command_ack, apply_submission_ack
from slack_standin.people.client_checks import client_errors
from slack_standin.people.interactions import (
    Target,
    is_view,
    live_view,
    message_action,
    shortcut_on_message,
    view_action,
)
from slack_standin.state import SandboxState
from slack_standin.transport.delivery import Response, Sender, Signing
from slack_standin.web_api.chat import post_as_user
from slack_standin.web_api.response_urls import ResponseContext
from slack_standin.workspace.model import Channel

_EVENT_IDS = itertools.count(1)


@dataclass(frozen=True, slots=True)
class PeopleContext:
    """What people need from the stand-in: its state, the sender, and where response_urls live."""

    state: SandboxState
    sender: Sender
    response_url_base: str
    verification_token: str


class Person:
    """One user acting in Slack; every request is signed and sent to the bot like Slack sends it."""

    def __init__(self, user_id: str, context: PeopleContext) -> None:
        ws = context.state.workspace
        user = ws.users.get(user_id)
        if user is None:
            raise KeyError(f"no user {user_id!r} in the workspace; known: {sorted(ws.users)}")
        self.id = user_id
        self._ctx = context
        self._state = context.state
        self.actor = payloads.Actor(
            ws.team_id, ws.domain, user.id, user.name, ws.bot.app_id, context.verification_token
        )

    def slash_command(
        self,
        command: str = "/ad-escalate",
        text: str = "",
        channel_id: str | None = None,
        *,
        signing: Signing | None = None,
    ) -> Response:
        """Type `/command text` in a channel (default: the first channel this user is in)."""
        with self._state.lock:
            channel = self._channel(channel_id)
            trigger_id = self._state.triggers.mint(self.id)
            context = ResponseContext(self.id, channel.id)
            body = payloads.slash_command_body(
                self.actor,
                command=command,
                text=text,
                channel_id=channel.id,
                channel_name="directmessage" if channel.is_im else channel.name,
                response_url=self._response_url(context),
                trigger_id=trigger_id,
            )
        response = self._ctx.sender.signed(body, kind="slash_command", signing=signing)
        apply_command_ack(self._state, context, response)
        return response

    def current_view(self) -> dict[str, Any] | None:
        """The top modal this user has open right now (a copy), or None."""
        with self._state.lock:
            stack = self._state.workspace.views.stack(self.id)
        return stack[-1] if stack else None

    def open_view(self) -> dict[str, Any]:
        """The top modal this user has open; an AssertionError if none is open."""
        view = self.current_view()
        if view is None:
            raise AssertionError(f"{self.id} has no modal open")
        return view

    def view_stack(self) -> list[dict[str, Any]]:
        """Copies of this user's open modals, root first."""
        with self._state.lock:
            return self._state.workspace.views.stack(self.id)

    def select(
        self,
        target: Target,
        block_id: str | None,
        action_id: str,
        value: Any,
        *,
        signing: Signing | None = None,
    ) -> Response | None:
        """Pick or type `value` in an element; None when Slack sends nothing (input without dispatch_action)."""
        return self._act(target, action_id, block_id, value, None, signing, picked=True)

    def click(
        self,
        target: Target,
        action_id: str,
        value: str | None = None,
        block_id: str | None = None,
        channel: str | None = None,
        *,
        signing: Signing | None = None,
    ) -> Response | None:
        """Click a button in a message (dict or ts) or a view (dict or view id)."""
        return self._act(target, action_id, block_id, value, channel, signing, picked=False)

    def message_shortcut(
        self,
        target: Target,
        callback_id: str,
        channel: str | None = None,
        *,
        signing: Signing | None = None,
    ) -> Response:
        """Pick a message shortcut (e.g. "Escalate this message") from a message's menu (dict or ts)."""
        with self._state.lock:
            payload = shortcut_on_message(
                self._state, self.actor, target, callback_id, channel, response_url=self._response_url
            )
        return self._ctx.sender.signed(payloads.interaction_body(payload), kind="message_action", signing=signing)

    def submit_view(
        self,
        values: dict[str, Any] | None = None,
        view_id: str | None = None,
        *,
        client_validation: bool = True,
        signing: Signing | None = None,
    ) -> Response:
        """Submit the top modal (or `view_id`) with `values` by input block_id; others keep their state."""
        with self._state.lock:
            view = live_view(self._state, self.id, view_id)
            inputs = input_elements(view)
            unknown = sorted(set(values or {}) - set(inputs))
            if unknown:
                raise KeyError(f"not input block_ids of {view['id']}: {unknown}; inputs: {sorted(inputs)}")
            state = current_state(view)
            for block_id, value in (values or {}).items():
                state.setdefault(block_id, {})[inputs[block_id]["action_id"]] = entered(inputs[block_id], value)
            view["state"]["values"] = state
            errors = client_errors(view, state) if client_validation else {}
            payload = payloads.view_submission(self.actor, view, self._state.triggers.mint(self.id))
        if errors:
            return Response(0, "", {}, 0.0, "view_submission", errors=errors, delivered=False)
        body = payloads.interaction_body(payload)
        response = self._ctx.sender.signed(body, kind="view_submission", signing=signing)
        apply_submission_ack(self._state, self.id, view["id"], response)
        return response

    def close_view(self, view_id: str | None = None, *, signing: Signing | None = None) -> Response | None:
        """Press Cancel: the view closes; Slack sends view_closed only with notify_on_close."""
        with self._state.lock:
            view = live_view(self._state, self.id, view_id)
            self._state.workspace.views.close(self.id, view["id"])
            if not view.get("notify_on_close"):
                return None
            payload = payloads.view_closed(self.actor, view, self._state.triggers.mint(self.id))
        return self._ctx.sender.signed(payloads.interaction_body(payload), kind="view_closed", signing=signing)

    def post_message(self, channel_id: str, text: str, thread_ts: str | None = None) -> dict[str, Any]:
        """Seed a message written by this person (no event is sent to the bot)."""
        with self._state.lock:
            return post_as_user(self._state, self.id, channel_id, text, thread_ts)

    def open_home(self, *, retry_delays: tuple[float, ...] = (0.0, 0.1, 0.5)) -> list[Response]:
        """Open the app's Home tab: an `app_home_opened` event (re-sent on failure like Slack)."""
        with self._state.lock:
            ws = self._state.workspace
            home = ws.views.home(self.id)
            now = self._state.clock.now().timestamp()
            event: dict[str, Any] = {
                "type": "app_home_opened",
                "user": self.id,
                "channel": ws.im_with(self.id).id,
                "tab": "home",
                "event_ts": f"{now:.6f}",
            }
            if home is not None:
                event["view"] = home
        body = payloads.event_envelope(
            self.actor, bot_user_id=ws.bot.user_id, event=event, event_id=f"Ev{next(_EVENT_IDS):08d}", now=int(now)
        )
        return self._ctx.sender.event(body, retry_delays=retry_delays)

    def _act(
        self,
        target: Target,
        action_id: str,
        block_id: str | None,
        value: Any,
        channel: str | None,
        signing: Signing | None,
        *,
        picked: bool,
    ) -> Response | None:
        with self._state.lock:
            if is_view(target):
                payload = view_action(self._state, self.actor, target, action_id, block_id, value, picked=picked)
            else:
                payload = message_action(
                    self._state,
                    self.actor,
                    target,
                    action_id,
                    block_id,
                    value,
                    channel,
                    picked=picked,
                    response_url=self._response_url,
                )
        if payload is None:
            return None
        return self._ctx.sender.signed(payloads.interaction_body(payload), kind="block_actions", signing=signing)

    def _channel(self, channel_id: str | None) -> Channel:
        ws = self._state.workspace
        if channel_id is not None:
            channel = ws.resolve(channel_id)
            if channel is None:
                raise LookupError(f"no channel {channel_id!r}")
            return channel
        mine = [c for c in ws.channels.values() if self.id in c.members and not (c.is_im or c.is_archived)]
        return mine[0] if mine else ws.im_with(self.id)

    def _response_url(self, context: ResponseContext) -> str:
        return self._ctx.response_url_base + self._state.response_urls.mint(context)
