"""SQLite's one writer inside a process: a writer an ack waits on goes before the job runner's."""

from __future__ import annotations

import threading

from bot.store.store import WriterTurns


def _queue_up(turns: WriterTurns, name: str, *, urgent: bool, order: list[str], waiting: threading.Barrier) -> None:
    def write() -> None:
        waiting.wait()
        assert turns.acquire(timeout=5, urgent=urgent)
        order.append(name)
        turns.release()

    threading.Thread(target=write, name=name).start()


def test_an_urgent_writer_goes_before_patient_ones_that_waited_longer():
    turns = WriterTurns()
    assert turns.acquire(timeout=1, urgent=False)  # a runner transaction under way
    order: list[str] = []
    first = threading.Barrier(3)
    for n in range(2):
        _queue_up(turns, f"runner-{n}", urgent=False, order=order, waiting=first)
    first.wait()
    while turns.queued() != (0, 2):
        threading.Event().wait(0.005)
    last = threading.Barrier(2)
    _queue_up(turns, "ack", urgent=True, order=order, waiting=last)
    last.wait()
    while turns.queued() != (1, 2):
        threading.Event().wait(0.005)
    turns.release()
    while len(order) < 3:
        threading.Event().wait(0.005)
    assert order[0] == "ack"
    assert sorted(order[1:]) == ["runner-0", "runner-1"]


def test_a_writer_that_waits_too_long_gives_up_and_leaves_no_trace():
    turns = WriterTurns()
    assert turns.acquire(timeout=1, urgent=False)
    assert not turns.acquire(timeout=0.05, urgent=True)
    assert turns.queued() == (0, 0)
    turns.release()
    assert turns.acquire(timeout=0.05, urgent=False)  # free again: nobody holds a stale turn
    turns.release()
