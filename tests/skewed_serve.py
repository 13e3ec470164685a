"""`python -m tests.skewed_serve SECONDS <escalation-bot arguments>`: the bot on a machine whose clock
is off by SECONDS (a replica with a broken time sync). Only this process's clocks move; the database's
and Slack's do not."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta

import bot.clock as clock_module
import bot.store.store as store_module


def main(argv: list[str]) -> int:
    skew = timedelta(seconds=float(argv[0]))
    machine_now, system_now = clock_module.machine_now, clock_module.SystemClock.now

    def skewed_machine_now() -> datetime:
        return machine_now() + skew

    def skewed_system_now(self: clock_module.SystemClock) -> datetime:
        return system_now(self) + skew

    clock_module.machine_now = skewed_machine_now
    store_module.machine_now = skewed_machine_now
    clock_module.SystemClock.now = skewed_system_now  # type: ignore[method-assign]
    from bot.cli import main as cli_main

    return cli_main(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
