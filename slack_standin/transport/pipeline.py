"""Routes each HTTP request: Web API calls and response_url posts, with faults and recording."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from slack_standin.state import SandboxState
from slack_standin.transport.wire import (
    HttpReply,
    HttpRequest,
    body_kind,
    json_reply,
    kept_headers,
    parse_api_request,
    parse_json_body,
)
from slack_standin.web_api.chat import respond
from slack_standin.web_api.dispatch import Answer, WebApi
from slack_standin.web_api.errors import ApiError
from slack_standin.web_api.faults import Fault, Faults
from slack_standin.web_api.files import UPLOAD_PREFIX, files_of
from slack_standin.web_api.recorder import RecordedCall, Recorder

API_PREFIX = "/api/"
RESPONSE_URL_PREFIX = "/response_url/"


class Pipeline:
    """The stand-in's HTTP application: `handle(request) -> reply`, safe to call from many threads."""

    def __init__(
        self, *, state: SandboxState, webapi: WebApi, faults: Faults, recorder: Recorder, stopping: threading.Event
    ) -> None:
        self._state = state
        self._webapi = webapi
        self._faults = faults
        self._recorder = recorder
        self._stopping = stopping

    def handle(self, request: HttpRequest) -> HttpReply:
        """Answer one HTTP request."""
        if request.path.startswith(API_PREFIX):
            method = request.path[len(API_PREFIX) :]
            return self._call(method, request, self._api_answer(method, request))
        if request.path.startswith(RESPONSE_URL_PREFIX) and request.verb == "POST":
            url_id = request.path[len(RESPONSE_URL_PREFIX) :]
            return self._call("response_url", request, self._response_url_answer(url_id, request))
        if request.path.startswith(UPLOAD_PREFIX) and request.verb == "POST":
            return self._call("files.upload_url", request, self._upload_answer(request))
        return json_reply(404, {"ok": False, "error": "not_found"})

    def _upload_answer(self, request: HttpRequest) -> tuple[dict[str, Any], Callable[[], Answer]]:
        file_id = request.path[len(UPLOAD_PREFIX) :]
        content_type = request.headers.get("content-type", "")

        def answer() -> Answer:
            status, text = files_of(self._state).receive(file_id, request.body, content_type)
            return Answer(status, {"ok": status == 200, "text": text})

        return {"file_id": file_id, "bytes": len(request.body)}, answer

    def _api_answer(self, method: str, request: HttpRequest) -> tuple[dict[str, Any], Callable[[], Answer]]:
        try:
            token, args = parse_api_request(request)
        except ApiError as error:
            failed = Answer(error.status, error.body())
            return {}, lambda: failed
        return args, lambda: self._webapi.answer(method, token, args)

    def _response_url_answer(self, url_id: str, request: HttpRequest) -> tuple[dict[str, Any], Callable[[], Answer]]:
        def answer() -> Answer:
            try:
                payload = parse_json_body(request)
                context = self._state.response_urls.use(url_id)
                with self._state.lock:
                    respond(self._state, context, payload)
            except ApiError as error:
                return Answer(error.status if error.status != 200 else 400, error.body())
            return Answer(200, {"ok": True})

        try:
            args = {**parse_json_body(request), "response_url_id": url_id}
        except ApiError:
            args = {"response_url_id": url_id}
        return args, answer

    def _call(
        self, method: str, request: HttpRequest, planned: tuple[dict[str, Any], Callable[[], Answer]]
    ) -> HttpReply:
        args, answer = planned
        call = RecordedCall(
            seq=self._recorder.next_seq(),
            method=method,
            args=args,
            headers=kept_headers(request.headers),
            content_type=body_kind(request.headers),
            at=self._state.clock.now(),
            monotonic=time.monotonic(),
            body=request.body,
        )
        call.fault = self._faults.take(method, args)
        result = answer() if call.fault is None else self._with_fault(call.fault, answer)
        if result is not None:
            call.status, call.response, call.response_headers = result.status, result.body, result.headers
        self._recorder.add(call)
        if result is None:
            return HttpReply(0, reset=True)
        return json_reply(result.status, result.body, result.headers)

    def _with_fault(self, fault: Fault, answer: Callable[[], Answer]) -> Answer | None:
        """Order: the real work (if `takes_effect`), the hang, then a reset or the injected answer."""
        done = answer() if fault.takes_effect else None
        if fault.hang:
            self._stopping.wait(fault.hang)
        if fault.reset:
            return None
        injected = fault.answer()
        if injected is not None:
            return Answer(*injected)
        return done if done is not None else answer()
