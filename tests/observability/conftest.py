"""The end-to-end fixtures of tests/slack (a whole bot over real HTTP and the Slack stand-in)."""

from tests.slack.conftest import make_bot, standin

__all__ = ["make_bot", "standin"]
