"""The end-to-end fixtures of tests/slack (a whole bot over real HTTP and the Slack stand-in)."""

from tests.slack.conftest import _test_clock, make_bot, standin

__all__ = ["_test_clock", "make_bot", "standin"]
