"""A local SMTP server (RFC 5321's core: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) that keeps
what it is sent and refuses recipients it is told to refuse (550)."""

from __future__ import annotations

import socketserver
import threading
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from email.message import Message

from slack_standin.clock import Clock


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    message: Message
    at: datetime


@dataclass
class SmtpStandIn:
    clock: Clock
    refuse: set[str] = field(default_factory=set)
    mails: list[Mail] = field(default_factory=list)

    def __post_init__(self) -> None:
        standin = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write((line + "\r\n").encode())

            def handle(self) -> None:
                self.reply("220 sandbox ESMTP ready")
                sender, recipients = "", list[str]()
                while True:
                    raw = self.rfile.readline()
                    if not raw:
                        return
                    line = raw.decode("utf-8", "replace").rstrip("\r\n")
                    verb = line[:4].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250-sandbox" if verb == "EHLO" else "250 sandbox")
                        if verb == "EHLO":
                            self.reply("250 8BITMIME")
                    elif line.upper().startswith("MAIL FROM:"):
                        sender, recipients = line[10:].strip().strip("<>").split(" ")[0].rstrip(">"), []
                        self.reply("250 OK")
                    elif line.upper().startswith("RCPT TO:"):
                        rcpt = line[8:].strip().strip("<>")
                        if not sender:
                            self.reply("503 5.5.1 MAIL first")
                        elif rcpt in standin.refuse:
                            self.reply("550 5.1.1 mailbox unavailable")
                        else:
                            recipients.append(rcpt)
                            self.reply("250 OK")
                    elif verb == "DATA":
                        if not recipients:
                            self.reply("503 5.5.1 RCPT first")
                            continue
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        lines = []
                        while True:
                            data = self.rfile.readline()
                            if data in (b".\r\n", b".\n", b""):
                                break
                            lines.append(data[1:] if data.startswith(b"..") else data)
                        mail = Mail(sender, recipients, message_from_bytes(b"".join(lines)), standin.clock.now())
                        with standin._lock:
                            standin.mails.append(mail)
                        self.reply("250 OK queued")
                    elif verb == "RSET":
                        sender, recipients = "", []
                        self.reply("250 OK")
                    elif verb == "NOOP":
                        self.reply("250 OK")
                    elif verb == "QUIT":
                        self.reply("221 Bye")
                        return
                    else:
                        self.reply("502 5.5.2 command not recognized")

        self._lock = threading.Lock()
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        threading.Thread(target=self._server.serve_forever, name="smtp-standin", daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
