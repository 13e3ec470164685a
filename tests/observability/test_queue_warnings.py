"""waitress's "Task queue depth is N", one line per request in a burst, becomes one line per ten seconds."""

from __future__ import annotations

import logging

from bot.slack.http import QueueDepthThrottle, throttle_queue_warnings


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_a_burst_of_queue_warnings_is_one_line_per_interval_with_the_deepest_queue():
    clock = [100.0]
    logger = logging.getLogger("tests.queue_warnings")
    logger.propagate = False
    records = Records()
    logger.addHandler(records)
    throttle = QueueDepthThrottle(every=10.0, now=lambda: clock[0])
    logger.addFilter(throttle)
    try:
        for depth in (1, 4, 9, 2):
            logger.warning("Task queue depth is %d", depth)
            clock[0] += 1
        clock[0] += 10
        logger.warning("Task queue depth is %d", 3)
        logger.warning("Task queue depth is %d", 5)
        clock[0] += 11
        logger.warning("Task queue depth is %d", 1)
    finally:
        logger.removeFilter(throttle)
        logger.removeHandler(records)
    assert records.lines == [
        "Task queue depth is 1",
        "Task queue depth is 3 (and 3 more since the last such line, deepest 9)",
        "Task queue depth is 1 (and 1 more since the last such line, deepest 5)",
    ]


def test_the_throttle_is_installed_once_on_waitress_queue_logger():
    throttle_queue_warnings()
    throttle_queue_warnings()
    filters = logging.getLogger("waitress.queue").filters
    assert len([f for f in filters if isinstance(f, QueueDepthThrottle)]) == 1
