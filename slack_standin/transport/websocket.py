"""A minimal RFC 6455 server side: handshake, masked client frames, text, ping/pong and close."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import socket
import struct
import threading
from dataclasses import dataclass
from typing import Protocol

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
MAX_MESSAGE = 8 * 1024 * 1024


class Readable(Protocol):
    """A buffered byte stream, like the HTTP handler's `rfile` (it may already hold the first frames)."""

    def read(self, size: int, /) -> bytes:
        """Up to `size` bytes; fewer only at the end of the stream."""
        ...


class ProtocolError(Exception):
    """The peer broke RFC 6455; `code` is the close status to answer with."""

    def __init__(self, message: str, code: int = 1002) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame as read off the wire, unmasked."""

    opcode: int
    payload: bytes
    fin: bool = True


def accept_key(key: str) -> str:
    """The `Sec-WebSocket-Accept` value for a client's `Sec-WebSocket-Key`."""
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def handshake_reply(key: str) -> bytes:
    """The `101 Switching Protocols` answer that completes the opening handshake."""
    lines = [
        "HTTP/1.1 101 Switching Protocols",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Accept: {accept_key(key)}",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def encode_frame(opcode: int, payload: bytes, *, mask: bool = False, fin: bool = True) -> bytes:
    """One frame; servers send unmasked frames, clients must mask theirs (`mask=True`)."""
    head = bytes([(0x80 if fin else 0) | opcode])
    bit = 0x80 if mask else 0
    size = len(payload)
    if size < 126:
        head += bytes([bit | size])
    elif size < 1 << 16:
        head += struct.pack("!BH", bit | 126, size)
    else:
        head += struct.pack("!BQ", bit | 127, size)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + _unmask(payload, key)


def read_frame(stream: Readable, *, require_mask: bool = True) -> Frame:
    """Read one frame; EOFError when the peer is gone, ProtocolError when it breaks the rules."""
    first, second = _exactly(stream, 2)
    size = second & 0x7F
    if size == 126:
        (size,) = struct.unpack("!H", _exactly(stream, 2))
    elif size == 127:
        (size,) = struct.unpack("!Q", _exactly(stream, 8))
    if size > MAX_MESSAGE:
        raise ProtocolError(f"frame of {size} bytes", code=1009)
    masked = bool(second & 0x80)
    if require_mask and not masked:
        raise ProtocolError("client frames must be masked")
    key = _exactly(stream, 4) if masked else b""
    payload = _exactly(stream, size)
    return Frame(first & 0x0F, _unmask(payload, key) if masked else payload, bool(first & 0x80))


def _exactly(stream: Readable, size: int) -> bytes:
    data = stream.read(size) if size else b""
    if len(data) < size:
        raise EOFError("connection closed")
    return data


def _unmask(payload: bytes, key: bytes) -> bytes:
    repeated = (key * (len(payload) // 4 + 1))[: len(payload)]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(len(payload), "big")


class WebSocket:
    """The server end of one connection: thread-safe sends, and `receive()` for the reading thread."""

    def __init__(self, sock: socket.socket, stream: Readable) -> None:
        self._sock = sock
        self._stream = stream
        self._send_lock = threading.Lock()
        self.closed = False
        self.pongs: list[bytes] = []

    def send(self, opcode: int, payload: bytes = b"") -> bool:
        """Send one unmasked frame; False if the connection is already gone."""
        with self._send_lock:
            if self.closed:
                return False
            try:
                self._sock.sendall(encode_frame(opcode, payload))
            except OSError:
                self.closed = True
                return False
            return True

    def send_text(self, text: str) -> bool:
        """Send a text message in a single frame (slack_sdk's builtin client cannot join fragments)."""
        return self.send(TEXT, text.encode())

    def receive(self) -> str | None:
        """The next text message; pings are answered, pongs kept; None once the connection is over."""
        parts: list[bytes] = []
        while not self.closed:
            try:
                frame = read_frame(self._stream)
            except (EOFError, OSError):
                self.abort()
                return None
            except ProtocolError as error:
                self.close(error.code, str(error))
                return None
            if frame.opcode == PING:
                self.send(PONG, frame.payload)
            elif frame.opcode == PONG:
                self.pongs.append(frame.payload)
            elif frame.opcode == CLOSE:
                self.close(struct.unpack("!H", frame.payload[:2])[0] if len(frame.payload) >= 2 else 1000)
                return None
            elif frame.opcode in (TEXT, CONTINUATION):
                parts.append(frame.payload)
                if frame.fin:
                    return b"".join(parts).decode("utf-8", errors="replace")
        return None

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Send a close frame (once) and drop the connection."""
        self.send(CLOSE, struct.pack("!H", code) + reason.encode()[:120])
        self.abort()

    def abort(self) -> None:
        """Drop the connection without a close frame; unblocks a thread waiting in `receive()`."""
        with self._send_lock:
            self.closed = True
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
