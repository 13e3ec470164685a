"""`app_home_opened` → `views.publish`: the Home tab for the person who opened it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.config.model import Config
from bot.domain import rota
from bot.services.access import Access
from bot.services.burden import burden_periods
from bot.services.digest_data import read_digest
from bot.services.guide_drafts import GuideReview
from bot.services.overrides import schedule_members
from bot.slack.blocks.burden import full_burden
from bot.slack.blocks.guide_review import review_queue
from bot.slack.blocks.home import build_home, build_home_charts
from bot.store.store import Store

log = logging.getLogger(__name__)


LEAD_LAYER = "lead"


def is_duty_lead(config: Config, user_id: str) -> bool:
    """A rota's duty lead (a member of a layer named `lead`): the person the policies page last sees the
    team's picture in the Home tab, as the leads do. Only the view: every right stays with `Access`
    (issue 13 may fold this into its one decision)."""
    return any(
        user_id in rotation.members
        for schedule in config.schedules.values()
        for layer in schedule.layers
        if layer.name == LEAD_LAYER
        for rotation in layer.rotations
    )


@dataclass
class HomeListeners:
    """Publishes the Home tab; a re-sent event just publishes the same view again."""

    config: Config
    store: Store
    clock: Clock
    review: GuideReview | None = None  # leads also see the guide drafts waiting for review
    access: Access | None = None  # who is a lead or staff (bot/services/access.py)

    def register(self, app: App) -> None:
        app.event("app_home_opened")(self.handle_home_opened)

    def handle_home_opened(self, event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") not in (None, "home"):
            return
        self.publish(client, str(event["user"]))

    def publish(self, client: WebClient, user_id: str, *, notice: str | None = None) -> None:
        """Build and publish `user_id`'s Home tab (also after a click in it, with `notice` on top)."""
        now = self.clock.now()
        tz = self.config.app.timezone
        specialist = (
            self.access.is_staff_anywhere(user_id)
            if self.access is not None
            else any(user_id in schedule_members(s) for s in self.config.schedules.values())
        )
        with self.store.read() as tx:
            mine = tx.cases.involving(user_id)
            queue = [c for c in tx.cases.open_cases() if c.owner_id in (None, user_id)] if specialist else None
            overrides = {s: tuple(tx.overrides.active(s)) for s in self.config.schedules}
        shifts = [
            shift
            for schedule in self.config.schedules.values()
            for shift in rota.shifts(schedule, now, now + timedelta(days=14), overrides=overrides[schedule.id])
            if shift.user_id == user_id
        ]
        team = None
        burden: list[Any] = []
        lead = self.access.is_lead(user_id) if self.access is not None else user_id in self.config.app.leads
        if lead or is_duty_lead(self.config, user_id):
            team = read_digest(self.store, self.config, now=now, since=now - timedelta(days=7), late=False)
            with self.store.read() as tx:
                charts = tx.chart_files.latest(before=now)  # the week's uploads, shown again by file id
            burden = build_home_charts(charts, tz=tz) + full_burden(burden_periods(self.config, self.store, end_at=now))
        review = []
        if self.review is not None and self.review.may_review(user_id):
            drafts, total = self.review.queue()
            review = review_queue(drafts, total=total, prefix=self.config.app.case_prefix)
        view = build_home(
            now=now,
            tz=tz,
            mine=mine,
            queue=queue,
            shifts=sorted(shifts, key=lambda s: s.start_at),
            team=team,
            review=review,
            notice=notice,
            extra=burden,
        )
        try:
            client.views_publish(user_id=user_id, view=view)
        except SlackApiError as exc:
            log.warning("views.publish for %s failed: %s", user_id, exc.response.get("error") if exc.response else exc)
