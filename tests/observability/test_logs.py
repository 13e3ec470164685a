"""The log formats, the context fields and the redaction filter, on their own and with slack_sdk."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.cli import build_parser, main
from bot.observability.logs import (
    Redactor,
    build_handler,
    configure_logging,
    current_context,
    default_log_format,
    known_secrets,
    log_context,
)
from slack_standin import SlackStandIn

ROOT = Path(__file__).resolve().parents[2]
SECRET_TEXT = "the confidential draft statement about the recall"


@pytest.fixture
def capture() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A private logger at DEBUG whose lines go through a JSON handler into a buffer."""
    buffer = io.StringIO()
    logger = logging.getLogger("tests.observability.capture")
    handler = build_handler("json", secrets=["s3cr3t-signing-value"], stream=buffer)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield logger, buffer
    finally:
        logger.removeHandler(handler)


def lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_a_json_line_has_utc_time_level_logger_message_context_and_the_exception(capture):
    logger, buffer = capture
    with log_context(case_id=7, flow="pr_risk"), log_context(job_kind="page.send", request_id=None):
        try:
            raise ValueError("boom\non two lines")
        except ValueError:
            logger.exception("job %s raised", "page.send:7")
    assert len(buffer.getvalue().splitlines()) == 1  # one object a line, newlines escaped
    [line] = lines(buffer)
    assert line["ts"].endswith("Z") and "T" in line["ts"]
    assert (line["level"], line["logger"], line["message"]) == ("ERROR", capture[0].name, "job page.send:7 raised")
    assert (line["case_id"], line["flow"], line["job_kind"]) == (7, "pr_risk", "page.send")
    assert "request_id" not in line  # None values are left out
    assert "ValueError: boom" in line["exc_info"] and "Traceback" in line["exc_info"]


def test_log_context_nests_and_is_undone_on_exit():
    with log_context(case_id=1, flow="a"):
        with log_context(flow="b", slack_method="chat.postMessage"):
            assert current_context() == {"case_id": 1, "flow": "b", "slack_method": "chat.postMessage"}
        assert current_context() == {"case_id": 1, "flow": "a"}
    assert current_context() == {}


def test_extra_fields_are_logged_and_win_over_the_context(capture):
    logger, buffer = capture
    with log_context(case_id=1):
        logger.info("case_opened", extra={"case_id": 2, "flow": "x"})
    [line] = lines(buffer)
    assert (line["case_id"], line["flow"]) == (2, "x")


def test_tokens_bearer_headers_url_passwords_and_known_secrets_are_redacted(capture):
    logger, buffer = capture
    logger.warning("token %s and %s", "xoxb-123-456-abcDEF", "xapp-1-A0-123-abc")
    logger.warning("headers {'Authorization': 'Bearer xoxp-99-secret'} then authorization: bearer abc.def")
    logger.warning("signing with s3cr3t-signing-value; db postgresql://bot:hunter2pass@db:5432/esc")
    logger.info("user token", extra={"note": "xoxe-1-refresh"})
    try:
        raise RuntimeError("auth failed for xoxb-123-456-abcDEF")
    except RuntimeError:
        logger.exception("call failed")
    text = buffer.getvalue()
    for leaked in ("xoxb-123", "xapp-1-A0", "xoxp-99", "abc.def", "s3cr3t-signing-value", "hunter2pass", "xoxe-1"):
        assert leaked not in text
    assert "[redacted]" in text and "postgresql://bot:[redacted]@db:5432/esc" in text


def test_slack_sdk_body_lines_keep_the_url_and_status_but_never_the_body():
    redactor = Redactor()
    sending = (
        "Sending a request - url: https://slack.com/api/chat.postMessage, query_params: {}, body_params: {}, "
        f"files: {{}}, json_body: {{'channel': 'C1', 'text': '{SECRET_TEXT}'}}, headers: {{}}"
    )
    received = f"Received the following response - status: 200, headers: {{}}, body: {{'text': '{SECRET_TEXT}'}}"
    responding = f'Responding with status: 200 body: "{{"text": "{SECRET_TEXT}"}}" (12 millis)'
    assert redactor.scrub(sending) == sending  # scrubbing alone cannot know a body: the body rule does
    record = logging.LogRecord("slack_sdk.web.base_client", logging.DEBUG, __file__, 1, sending, None, None)
    for message, kept in (
        (sending, "url: https://slack.com/api/chat.postMessage"),
        (received, "status: 200"),
        (responding, "(12 millis)"),
        (f"on_message invoked: (message: {{'payload': {{'text': '{SECRET_TEXT}'}}}})", "on_message invoked"),
    ):
        record.msg, record.args, record.name = message, None, "slack_sdk.socket_mode.builtin.client"
        redactor.filter(record)
        assert SECRET_TEXT not in record.getMessage() and kept in record.getMessage()


def test_a_real_web_client_logging_at_debug_never_shows_the_message_text(standin: SlackStandIn):
    """The SDK logs bodies when its logger's own level is DEBUG; the handler's filter still drops them."""
    buffer = io.StringIO()
    sdk_logger = logging.getLogger("tests.observability.unpinned_sdk")
    sdk_logger.setLevel(logging.DEBUG)
    sdk_logger.propagate = False
    handler = build_handler("json", secrets=[standin.bot_token], stream=buffer)
    sdk_logger.addHandler(handler)
    try:
        client = WebClient(token=standin.bot_token, base_url=standin.api_url, logger=sdk_logger)
        client.chat_postMessage(channel="C0ESCALATE", text=SECRET_TEXT, blocks=[])
    finally:
        sdk_logger.removeHandler(handler)
    text = buffer.getvalue()
    assert "Sending a request - url:" in text and "Received the following response - status: 200" in text
    assert SECRET_TEXT not in text and standin.bot_token not in text


def test_the_text_format_is_one_readable_line_with_the_context():
    buffer = io.StringIO()
    logger = logging.getLogger("tests.observability.text")
    handler = build_handler("text", stream=buffer)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        with log_context(case_id=3, job_kind="case.post_root"):
            logger.info("job_done job=%s", 9)
    finally:
        logger.removeHandler(handler)
    line = buffer.getvalue().rstrip("\n")
    assert "\n" not in line and not line.startswith("{")
    assert "INFO" in line and "tests.observability.text: job_done job=9" in line
    assert line.endswith("case_id=3 job_kind=case.post_root")


def test_the_format_follows_the_flag_then_log_format_then_the_terminal():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert default_log_format({"LOG_FORMAT": "text"}, io.StringIO()) == "text"
    assert default_log_format({"LOG_FORMAT": "JSON"}, Terminal()) == "json"
    assert default_log_format({}, Terminal()) == "text"
    assert default_log_format({}, io.StringIO()) == "json"
    assert build_parser().parse_args(["--log-format", "text", "check-config"]).log_format == "text"
    assert build_parser().parse_args(["check-config"]).log_format is None
    assert known_secrets({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "abc", "OTHER": "x"}) == [
        "xoxb-1",
        "abc",
    ]


def test_configure_logging_replaces_its_own_handler_and_leaves_the_others():
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    try:
        first = configure_logging("json", logging.INFO, stream=io.StringIO(), force=True)
        second = configure_logging("text", logging.WARNING, stream=io.StringIO(), force=True)
        assert first not in root.handlers and second in root.handlers
        assert [h for h in root.handlers if h not in before] == [second]
        assert root.level == logging.WARNING
    finally:
        root.handlers[:] = before
        root.setLevel(level)


def test_configure_logging_keeps_out_of_a_root_logger_someone_else_set_up_unless_forced():
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    theirs = logging.NullHandler()
    try:
        root.handlers[:] = [theirs]
        assert configure_logging("json", logging.DEBUG, stream=io.StringIO()) is None
        assert root.handlers == [theirs] and root.level == level
        assert configure_logging("json", logging.DEBUG, stream=io.StringIO(), force=True) in root.handlers
    finally:
        root.handlers[:] = before
        root.setLevel(level)


def test_the_cli_logs_json_lines_to_stderr_when_asked(capsys, monkeypatch):
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "cli-signing-secret-value")
    root.handlers[:] = []  # as in a fresh process (pytest's own handlers make it keep out)
    try:
        assert main(["--log-format", "json", "--config", str(ROOT / "app.yaml"), "manifest", "--socket"]) == 0
        logging.getLogger("bot.cli").warning("signed with cli-signing-secret-value")
    finally:
        root.handlers[:] = before
        root.setLevel(level)
    err = capsys.readouterr().err.strip().splitlines()
    line = json.loads(err[-1])
    assert line["logger"] == "bot.cli" and line["message"] == "signed with [redacted]"
