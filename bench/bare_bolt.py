"""The floor: a Bolt app that only acks, served exactly like the bot (waitress + the same WSGI wrapper)."""

from __future__ import annotations

import argparse
import os
import signal
import sys

from slack_bolt import Ack, App

from bot.slack.client import build_client
from bot.slack.http import HttpServer, build_wsgi


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = App(
        client=build_client(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    )

    @app.command("/ad-escalate")
    def command(ack: Ack) -> None:
        ack()

    @app.view("intake_submit")
    def submission(ack: Ack) -> None:
        ack()

    server = HttpServer(build_wsgi(app, health=lambda: {"status": "ok"}), port=args.port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
