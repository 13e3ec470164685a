"""`app_home_opened` → `views.publish`: the Home tab for the person who opened it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block

from bot.clock import Clock
from bot.config.model import Config
from bot.domain.burden import Burden
from bot.domain.charts import ChartFile
from bot.services.guide_drafts import GuideReview
from bot.services.home import HomeData
from bot.slack.blocks.burden import full_burden
from bot.slack.blocks.guide_review import review_queue
from bot.slack.blocks.home import build_home, build_home_charts

log = logging.getLogger(__name__)


@dataclass
class HomeListeners:
    """Publishes the Home tab; a re-sent event just publishes the same view again."""

    config: Config
    home: HomeData  # what the person sees is decided there (bot/services/home.py)
    clock: Clock
    review: GuideReview | None = None  # leads also see the guide drafts waiting for review

    def register(self, app: App) -> None:
        app.event("app_home_opened")(self.handle_home_opened)

    def handle_home_opened(self, event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") not in (None, "home"):
            return
        self.publish(client, str(event["user"]))

    def _team_extra(self, charts: list[ChartFile] | None, burden: dict[str, Burden]) -> list[Block]:
        """Under the team's digest: the week's charts (or their text), then the burden."""
        shown = build_home_charts(charts, tz=self.config.app.timezone) if charts is not None else []
        return shown + (full_burden(burden) if burden else [])

    def publish(self, client: WebClient, user_id: str, *, notice: str | None = None) -> None:
        """Build and publish `user_id`'s Home tab (also after a click in it, with `notice` on top)."""
        now = self.clock.now()
        picture = self.home.picture(user_id, now=now)
        review = []
        if self.review is not None and self.review.may_review(user_id):
            drafts, total = self.review.queue()
            review = review_queue(drafts, total=total, prefix=self.config.app.case_prefix)
        view = build_home(
            now=now,
            tz=self.config.app.timezone,
            mine=picture.mine,
            queue=picture.queue,
            shifts=picture.shifts,
            team=picture.team,
            review=review,
            notice=notice,
            extra=self._team_extra(picture.charts, picture.burden),
        )
        try:
            client.views_publish(user_id=user_id, view=view)
        except SlackApiError as exc:
            log.warning("views.publish for %s failed: %s", user_id, exc.response.get("error") if exc.response else exc)
