"""Moves this whole process's wall clock, for the test pass that proves the suite ignores the hour.

CI runs the end-to-end layer a second time with `PYTHONPATH=tests/moved_clock` and
`TEST_CLOCK_SHIFT_SECONDS` set (see `./dev test --moved-clock`). Python runs this file at start-up
in every process of the run — pytest, its xdist workers and the bot processes the tests start — and
each starts a ticking freezegun clock shifted by the same number of seconds, so the processes still
agree with one another while all of them believe it is another day and hour. A test that reads the
wall clock where it should read the bot's clock fails here, not in a user's hands.
"""

from __future__ import annotations

import os

_shift = os.environ.get("TEST_CLOCK_SHIFT_SECONDS")
if _shift:
    from datetime import UTC, datetime, timedelta

    import freezegun

    # No module keeps the real time: by default freezegun gives real time to calls made near a
    # `threading` frame, so a click sent from a test's thread was signed in one era and checked in another.
    freezegun.configure(default_ignore_list=[])
    import warnings

    # Compiled extensions imported after this (psycopg's) notice the fake date types' size; harmless.
    warnings.filterwarnings("ignore", message=r"datetime\.(date|datetime) size changed", category=RuntimeWarning)
    _moved = freezegun.freeze_time(datetime.now(UTC) + timedelta(seconds=float(_shift)), tick=True)
    _moved.start()

    import atexit

    # Give the real clock back before the interpreter tears modules down: a garbage-collector callback
    # (hypothesis keeps one) that reads the time then would otherwise meet a half-dismantled freezegun.
    atexit.register(_moved.stop)
