"""What a person's App Home shows, decided here: their cases, the work queue, shifts, the team's picture.

Who sees what is the access service's answer (bot/services/access.py): specialists get the queue of
open cases nobody else owns; leads and rota duty leads the team's digest and on-call burden.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config.model import Config
from bot.domain import rota
from bot.domain.burden import Burden
from bot.domain.case import Case
from bot.domain.charts import ChartFile
from bot.domain.digest import Digest
from bot.services.access import Access, is_duty_lead
from bot.services.burden import burden_periods
from bot.services.digest_data import read_digest
from bot.store.store import Store

SHIFTS_AHEAD = timedelta(days=14)
TEAM_PICTURE = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class HomePicture:
    """One person's Home tab, as data (bot/slack/blocks/home.py draws it)."""

    mine: list[Case]
    queue: list[Case] | None  # None: not a specialist, no queue shown
    shifts: list[rota.Shift]
    team: Digest | None  # the team's last week, for leads and duty leads
    burden: dict[str, Burden]
    charts: list[ChartFile] | None = None  # the newest weekly report's charts (leads and duty leads)


@dataclass
class HomeData:
    """Reads what App Home shows for a person at `now`."""

    config: Config
    store: Store
    access: Access

    def is_specialist(self, user_id: str) -> bool:
        return self.access.is_staff_anywhere(user_id)

    def sees_team(self, user_id: str) -> bool:
        """Leads, and a rota's duty lead, see the team's picture (only the view: rights stay with Access)."""
        return self.access.is_lead(user_id) or is_duty_lead(self.config, user_id)

    def picture(self, user_id: str, *, now: datetime) -> HomePicture:
        specialist = self.is_specialist(user_id)
        with self.store.read() as tx:
            mine = tx.cases.involving(user_id)
            queue = [c for c in tx.cases.open_cases() if c.owner_id in (None, user_id)] if specialist else None
            overrides = {s: tuple(tx.overrides.active(s)) for s in self.config.schedules}
        shifts = [
            shift
            for schedule in self.config.schedules.values()
            for shift in rota.shifts(schedule, now, now + SHIFTS_AHEAD, overrides=overrides[schedule.id])
            if shift.user_id == user_id
        ]
        team, burden, charts = None, {}, None
        if self.sees_team(user_id):
            team = read_digest(self.store, self.config, now=now, since=now - TEAM_PICTURE, late=False)
            burden = burden_periods(self.config, self.store, end_at=now)
            with self.store.read() as tx:
                charts = tx.chart_files.latest(before=now)  # the week's uploads, shown again by file id
        return HomePicture(
            mine=mine,
            queue=queue,
            shifts=sorted(shifts, key=lambda s: s.start_at),
            team=team,
            burden=burden,
            charts=charts,
        )
