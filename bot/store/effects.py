"""What a job's handler leaves to be done after its Slack call: a change run in the runner's transaction.

A handler sends (outside any transaction), then returns an Effect, which the runner applies together
with marking the job done, so a step is recorded exactly when its job is. Declared once, here beside
the unit of work, for the services that write handlers and for the runner that applies them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.domain.job import Job
from bot.store.store import Tx

Effect = Callable[[Tx, datetime], None]
Handler = Callable[[Job], Effect | None]
