"""A listener's kick of the job runner waits until its own answer to Slack has been written
(bot/jobs/acks_first.py); every other kick is immediate."""

from __future__ import annotations

import contextvars
import threading
from concurrent.futures import ThreadPoolExecutor

from bot.jobs.acks_first import AcksFirst


class Kicks:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


def test_a_kick_outside_any_slack_request_is_immediate():
    kicks = Kicks()
    acks = AcksFirst(kicks)
    acks.kick()
    assert kicks.count == 1 and acks.held == 0


def test_a_listener_kick_is_held_until_its_answer_is_written_then_fires_once():
    kicks = Kicks()
    acks = AcksFirst(kicks)
    with acks.answering() as number:
        acks.kick()
        acks.kick()  # a listener may kick twice: one round is enough
        assert kicks.count == 0 and acks.in_flight == 1
    assert kicks.count == 0, "the answer is not written when the handler returns, but when the server closes it"
    acks.answered(number)
    assert kicks.count == 1 and acks.in_flight == 0 and acks.held == 2
    acks.answered(number)  # a second close is harmless
    assert kicks.count == 1


def test_a_listener_running_on_bolts_pool_inherits_the_request_it_answers():
    kicks = Kicks()
    acks = AcksFirst(kicks)
    with ThreadPoolExecutor(1) as pool, acks.answering() as number:
        # As bot.slack.app.ContextExecutor submits a listener: in a copy of the request's context.
        pool.submit(contextvars.copy_context().run, acks.kick).result()
        assert kicks.count == 0
    acks.answered(number)
    assert kicks.count == 1


def test_a_kick_after_the_answer_went_out_is_immediate():
    kicks = Kicks()
    acks = AcksFirst(kicks)
    context = None
    with acks.answering() as number:
        context = contextvars.copy_context()  # e.g. work handed to the after-ack pool
    acks.answered(number)
    context.run(acks.kick)
    assert kicks.count == 1 and acks.held == 0


def test_one_answer_releases_only_the_kick_its_own_listener_held():
    kicks = Kicks()
    acks = AcksFirst(kicks)
    held: list[int] = []
    ready = threading.Barrier(2)

    def request() -> None:
        with acks.answering() as number:
            held.append(number)
            acks.kick()
            ready.wait()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert kicks.count == 0 and acks.in_flight == 2
    acks.answered(held[0])
    assert kicks.count == 1 and acks.in_flight == 1
    acks.answered(held[1])
    assert kicks.count == 2 and acks.in_flight == 0
