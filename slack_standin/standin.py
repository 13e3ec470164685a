"""SlackStandIn: the local Slack (Web API, Socket Mode, people) that tests, the demo and benchmarks share."""

from __future__ import annotations

import itertools
import json
import threading
from types import TracebackType
from typing import Any, Self, get_args

from slack_standin.clock import Clock, SystemClock
from slack_standin.people import payloads
from slack_standin.people.person import PeopleContext, Person
from slack_standin.state import SandboxState
from slack_standin.transport.delivery import Response, Sender, Signing, Transport
from slack_standin.transport.pipeline import RESPONSE_URL_PREFIX, Pipeline
from slack_standin.transport.server import SandboxHttpServer
from slack_standin.transport.socket_delivery import SocketSender
from slack_standin.web_api.dispatch import WebApi
from slack_standin.web_api.faults import Faults
from slack_standin.web_api.files import files_of
from slack_standin.web_api.ratelimit import RateLimiter
from slack_standin.web_api.recorder import RecordedCall, Recorder, Where
from slack_standin.web_api.response_urls import ResponseContext
from slack_standin.workspace.model import Workspace
from slack_standin.workspace.team import default_workspace

_EVENT_IDS = itertools.count(1)


def posted_by(message: dict[str, Any]) -> tuple[str, int] | None:
    """The (job key, part) the bot names in a message's metadata (a stored message, or the arguments of
    the chat.postMessage that posted it, where metadata may be a JSON string), or None."""
    metadata = message.get("metadata") or {}
    if isinstance(metadata, str):
        metadata = json.loads(metadata)
    payload = metadata.get("event_payload") or {}
    if "job_key" not in payload:
        return None
    return str(payload["job_key"]), int(payload.get("part", 0))


class SlackStandIn:
    """A real HTTP Slack Web API on 127.0.0.1 plus the people who talk to the bot's endpoint."""

    def __init__(
        self,
        *,
        workspace: Workspace | None = None,
        signing_secret: str = "sandbox-signing-secret",
        bot_token: str = "xoxb-sandbox",
        app_token: str = "xapp-sandbox",
        transport: Transport = "http",
        clock: Clock | None = None,
        rate_limits: bool | float = True,
        ack_deadline: float = 3.0,
        delivery_timeout: float = 10.0,
        verification_token: str = "sandbox-verification-token",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.workspace = workspace or default_workspace()
        self.clock: Clock = clock or SystemClock()
        self.signing_secret = signing_secret
        self.bot_token = bot_token
        self.verification_token = verification_token
        self.state = SandboxState.create(self.workspace, self.clock)
        self.faults = Faults()
        self.recorder = Recorder()
        scale = (1.0 if rate_limits else 0.0) if isinstance(rate_limits, bool) else float(rate_limits)
        self.rate_limiter = RateLimiter(scale=scale)
        self._stopping = threading.Event()
        self._webapi = webapi = WebApi(
            state=self.state,
            limiter=self.rate_limiter,
            tokens=frozenset({bot_token}),
            app_tokens=frozenset({app_token}),
        )
        pipeline = Pipeline(
            state=self.state, webapi=webapi, faults=self.faults, recorder=self.recorder, stopping=self._stopping
        )
        self._server = SandboxHttpServer(pipeline.handle, host=host, port=port, upgrade=self.state.sockets.accept)
        self._host = host
        self._sender = Sender(
            signing_secret=signing_secret,
            ack_deadline=ack_deadline,
            timeout=delivery_timeout,
            socket=SocketSender(self.state.sockets),
        )
        self.transport = transport
        self._started = False

    def refuse_token(self, error: str = "token_revoked") -> None:
        """Every call with the bot token answers `error` until `restore_token()`."""
        self._webapi.refuse_token(self.bot_token, error)

    def restore_token(self) -> None:
        """The bot token works again."""
        self._webapi.restore_token(self.bot_token)

    def start(self) -> Self:
        """Bind the port and serve; returns self."""
        self._stopping.clear()
        self._server.start()
        files_of(self.state).base_url = self.base_url
        self.state.sockets.start(self._host, self.port)
        self._started = True
        return self

    def stop(self) -> None:
        """Stop serving (hanging answers are released at once)."""
        self._stopping.set()
        self.state.sockets.stop()
        self._server.stop()
        self._started = False

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port the Web API listens on."""
        return self._server.port

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT/`."""
        return f"http://{self._host}:{self.port}/"

    @property
    def api_url(self) -> str:
        """The Web API base URL for `WebClient(base_url=…)` / SLACK_API_URL."""
        return f"{self.base_url}api/"

    @property
    def bot_url(self) -> str | None:
        """Where people's requests go, e.g. `http://127.0.0.1:8000/slack/events`."""
        return self._sender.bot_url

    @bot_url.setter
    def bot_url(self, url: str | None) -> None:
        self._sender.bot_url = url

    @property
    def transport(self) -> Transport:
        """How people's requests reach the bot: "http" (signed posts to `bot_url`) or "socket" (Socket Mode)."""
        return self._sender.transport

    @transport.setter
    def transport(self, transport: Transport) -> None:
        if transport not in get_args(Transport):
            raise ValueError(f"transport must be one of {get_args(Transport)}, not {transport!r}")
        self._sender.transport = transport

    def wait_for_socket(self, timeout: float = 5.0) -> None:
        """Block until a Socket Mode client has connected (TimeoutError otherwise)."""
        self.state.sockets.wait_for_link(timeout)

    def socket_connections(self) -> int:
        """How many Socket Mode clients are connected now."""
        return len(self.state.sockets.links())

    def refresh_socket(self, reason: str = "refresh_requested") -> int:
        """Ask connected Socket Mode clients to reconnect, as Slack does now and then; how many were asked."""
        return self.state.sockets.refresh(reason)

    @property
    def ack_deadline(self) -> float:
        """Seconds the bot has to answer a delivery (Slack: 3); later answers are failed deliveries."""
        return self._sender.ack_deadline

    @ack_deadline.setter
    def ack_deadline(self, seconds: float) -> None:
        self._sender.ack_deadline = seconds

    def user(self, user_id: str) -> Person:
        """A person of the workspace who acts by sending signed requests to `bot_url`."""
        context = PeopleContext(
            self.state, self._sender, self.base_url + RESPONSE_URL_PREFIX.lstrip("/"), self.verification_token
        )
        return Person(user_id, context)

    def calls(self, method: str | None = None) -> list[RecordedCall]:
        """Every recorded call (of `method`), oldest first."""
        return self.recorder.calls(method)

    def wait_for_call(self, method: str, where: Where | None = None, timeout: float = 5.0) -> RecordedCall:
        """Wait until a call of `method` matching `where` has been answered."""
        return self.recorder.wait_for(method, where, timeout)

    def reset_calls(self) -> None:
        """Forget recorded calls (the workspace keeps its messages and views)."""
        self.recorder.reset()

    def messages(self, channel: str, thread_ts: str | None = None) -> list[dict[str, Any]]:
        """Current top-level messages of a channel, or a thread (parent first) when `thread_ts` is given."""
        with self.state.lock:
            found = self.workspace.resolve(channel)
            if found is None:
                raise LookupError(f"no channel {channel!r}")
            log = self.workspace.messages
            return log.thread(found.id, thread_ts) if thread_ts else log.top_level(found.id)

    def posted_by_job(self) -> dict[tuple[str, int], int]:
        """How many messages in the workspace carry each (job key, part) in their metadata: a message
        whose job is named more than once was delivered twice."""
        counts: dict[tuple[str, int], int] = {}
        with self.state.lock:
            for _, message in self.workspace.messages.all():
                key = posted_by(message)
                if key is not None:
                    counts[key] = counts.get(key, 0) + 1
        return counts

    def dm_messages(self, user_id: str) -> list[dict[str, Any]]:
        """Top-level messages in the bot's DM with `user_id`."""
        return self.messages(user_id)

    def ephemerals(self, user_id: str | None = None) -> list[dict[str, Any]]:
        """Ephemeral messages shown so far (to `user_id`)."""
        with self.state.lock:
            shown = self.workspace.messages.ephemeral
            return [dict(m) for m in shown if user_id is None or m["user"] == user_id]

    def view_stack(self, user_id: str) -> list[dict[str, Any]]:
        """The user's open modals, root first."""
        with self.state.lock:
            return self.workspace.views.stack(user_id)

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        """The user's published Home tab."""
        with self.state.lock:
            return self.workspace.views.home(user_id)

    def mint_trigger(self, user_id: str) -> str:
        """A fresh trigger_id for `user_id`, as an interaction would carry."""
        return self.state.triggers.mint(user_id)

    def response_url(self, user_id: str, channel_id: str, message_ts: str | None = None) -> str:
        """A fresh response_url answering in `channel_id` (replacing `message_ts` if given)."""
        url_id = self.state.response_urls.mint(ResponseContext(user_id, channel_id, message_ts))
        return self.base_url + RESPONSE_URL_PREFIX.lstrip("/") + url_id

    def deliveries(self) -> list[Response]:
        """Every request sent to the bot, with its answer."""
        return list(self._sender.deliveries)

    def failed_deliveries(self) -> list[Response]:
        """Deliveries that were not answered 200 within the ack deadline."""
        return [r for r in self.deliveries() if r.delivered and not (r.status == 200 and r.on_time)]

    def post_raw(self, body: bytes, headers: dict[str, str]) -> Response:
        """Send arbitrary bytes and headers to `bot_url` (hostile-input tests)."""
        return self._sender.post(body, headers, kind="raw")

    def send_event(
        self,
        event: dict[str, Any],
        *,
        retry_delays: tuple[float, ...] = (0.0, 0.1, 0.5),
        signing: Signing | None = None,
    ) -> list[Response]:
        """Deliver an Events API event to the bot, re-sent with X-Slack-Retry-* after failures."""
        ws = self.workspace
        actor = payloads.Actor(ws.team_id, ws.domain, "", "", ws.bot.app_id, self.verification_token)
        body = payloads.event_envelope(
            actor,
            bot_user_id=ws.bot.user_id,
            event=event,
            event_id=f"EvS{next(_EVENT_IDS):08d}",
            now=int(self.clock.now().timestamp()),
        )
        return self._sender.event(body, retry_delays=retry_delays, signing=signing)
