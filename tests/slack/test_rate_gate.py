"""The replica's rate gate: a 429 closes its method (and channel) for Retry-After, for every caller."""

from __future__ import annotations

import pytest

from bot.slack.rate_gate import GateClosed, RateGate


class Time:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_429_on_a_post_closes_that_channel_until_retry_after_and_other_channels_go_on():
    time = Time()
    gate = RateGate(monotonic=time.monotonic, sleep=time.sleep)
    gate.close("chat.postMessage", 3, channel="U0SPEC1")
    assert gate.closed_for("chat.postMessage", channel="U0SPEC1") == 3
    assert gate.closed_for("chat.postMessage", channel="U0SPEC2") == 0
    gate.wait("chat.postMessage", channel="U0SPEC1", patience=5)
    assert time.slept == [3] and gate.closed_for("chat.postMessage", channel="U0SPEC1") == 0


def test_a_429_on_any_other_method_closes_it_for_every_caller():
    time = Time()
    gate = RateGate(monotonic=time.monotonic, sleep=time.sleep)
    gate.close("usergroups.users.list", 2, channel=None)
    assert gate.closed_for("usergroups.users.list") == 2 and gate.closed_for("users.info") == 0


def test_a_send_that_will_not_wait_is_told_how_long_the_gate_stays_closed():
    time = Time()
    gate = RateGate(monotonic=time.monotonic, sleep=time.sleep)
    gate.close("chat.postMessage", 5, channel="C0LEADS")
    with pytest.raises(GateClosed) as closed:
        gate.wait("chat.postMessage", channel="C0LEADS", patience=0)
    assert closed.value.seconds == 5 and time.slept == []


def test_a_shorter_retry_after_never_reopens_the_gate_early():
    time = Time()
    gate = RateGate(monotonic=time.monotonic, sleep=time.sleep)
    gate.close("views.open", 5)
    gate.close("views.open", 1)
    assert gate.closed_for("views.open") == 5
