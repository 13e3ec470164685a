"""The stand-in's websocket link, byte by byte: RFC 6455 handshake, hello, ping/pong, close, single-use tickets."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import socket
import struct
import time
from urllib.parse import urlsplit

from slack_sdk import WebClient

from slack_standin import SlackStandIn
from slack_standin.transport.websocket import CLOSE, PING, PONG, TEXT, Frame, accept_key, encode_frame, read_frame

APP_TOKEN = "xapp-sandbox"


def link_url(standin: SlackStandIn) -> str:
    return WebClient(base_url=standin.api_url).apps_connections_open(app_token=APP_TOKEN)["url"]


def test_accept_key_matches_the_rfc_6455_example():
    assert accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


class RawClient:
    """A hand-written websocket client, to check the stand-in's side of RFC 6455 byte by byte."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
        self.key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.hostname}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {self.key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        self.stream = self.sock.makefile("rb")
        self.status_line = self.stream.readline().decode().strip()
        self.headers: dict[str, str] = {}
        while (line := self.stream.readline().decode().strip()) != "":
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()

    def next_frame(self, skip_pings: bool = True) -> Frame:
        while True:
            frame = read_frame(self.stream, require_mask=False)
            if not (skip_pings and frame.opcode == PING):
                return frame

    def close(self) -> None:
        self.stream.close()
        self.sock.close()


def test_the_link_speaks_rfc_6455_and_says_hello(standin):
    url = link_url(standin)
    raw = RawClient(url)
    try:
        assert raw.status_line == "HTTP/1.1 101 Switching Protocols"
        digest = hashlib.sha1((raw.key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()
        assert raw.headers["sec-websocket-accept"] == base64.b64encode(digest).decode()
        hello = raw.next_frame()
        assert hello.opcode == TEXT
        assert json.loads(hello.payload) | {"debug_info": None} == {
            "type": "hello",
            "num_connections": 1,
            "debug_info": None,
            "connection_info": {"app_id": "A0ESCBOT"},
        }
        standin.wait_for_socket(timeout=1)
        assert raw.next_frame(skip_pings=False).opcode == PING, "the stand-in pings its links"
        raw.sock.sendall(encode_frame(PING, b"are you there", mask=True))
        assert raw.next_frame() == Frame(PONG, b"are you there")
        raw.sock.sendall(encode_frame(CLOSE, struct.pack("!H", 1000), mask=True))
        closing = raw.next_frame()
        assert (closing.opcode, struct.unpack("!H", closing.payload[:2])[0]) == (CLOSE, 1000)
    finally:
        raw.close()
    assert RawClient(url).status_line.startswith("HTTP/1.1 401"), "a ticket is good for one connection"


def test_unmasked_client_frames_close_the_link_with_1002(standin):
    raw = RawClient(link_url(standin))
    try:
        assert raw.next_frame().opcode == TEXT  # hello
        raw.sock.sendall(encode_frame(TEXT, b"{}", mask=False))
        closing = raw.next_frame()
        assert (closing.opcode, struct.unpack("!H", closing.payload[:2])[0]) == (CLOSE, 1002)
    finally:
        raw.close()
    deadline = time.monotonic() + 2
    while standin.socket_connections() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert standin.socket_connections() == 0


def test_frames_round_trip_at_every_length_encoding():
    for size in (0, 125, 126, 65535, 65536):
        payload = os.urandom(size)
        for mask in (False, True):
            stream = io.BytesIO(encode_frame(TEXT, payload, mask=mask))
            assert read_frame(stream, require_mask=mask) == Frame(TEXT, payload)
