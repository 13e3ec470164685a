"""The leads' review of guide drafts in App Home: Approve, Edit (a modal) and Discard."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.clock import Clock
from bot.domain.guidance import NOT_A_REVIEWER, SLUG, URL, DraftChanged, DraftState
from bot.domain.guide import ALL_MARKETS, MARKETS
from bot.domain.permissions import NotAllowed
from bot.domain.refusal import BUTTON_OUT_OF_DATE, DRAFT_GONE, Stale
from bot.services.guide_drafts import GuideReview
from bot.slack import ids
from bot.slack.blocks.case_actions import build_refusal_view
from bot.slack.blocks.guide_review import build_draft_edit_modal
from bot.slack.escape import escape_mrkdwn
from bot.slack.forms import open_form
from bot.slack.listeners.home import HomeListeners

log = logging.getLogger(__name__)
_KEYWORD_SPLIT = re.compile(r"[,\n;\u3001\uff0c]+")  # commas, also the CJK ones


def _pair(value: str) -> tuple[int, int] | None:
    head, _, tail = value.partition(":")
    return (int(head), int(tail)) if head.isdigit() and tail.isdigit() else None


def _text(values: dict[str, Any], block_id: str) -> str:
    value = values.get(block_id, {}).get(ids.FIELD_ACTION, {}).get("value")
    return value.strip() if isinstance(value, str) else ""


@dataclass
class GuideReviewListeners:
    """Every change goes through GuideReview, which checks the person and the draft's version."""

    review: GuideReview
    home: HomeListeners
    clock: Clock
    kick: Callable[[], None]

    def register(self, app: App) -> None:
        app.action(ids.GUIDE_DRAFT_APPROVE_ACTION)(self.handle_approve)
        app.action(ids.GUIDE_DRAFT_EDIT_ACTION)(self.handle_edit)
        app.action(ids.GUIDE_DRAFT_DISCARD_ACTION)(self.handle_discard)
        app.view_submission(ids.GUIDE_DRAFT_EDIT_CALLBACK)(self.handle_edit_submission)

    def handle_approve(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        user_id = body["user"]["id"]
        parsed = _pair(str(action.get("value") or ""))
        if parsed is None:
            raise Stale(BUTTON_OUT_OF_DATE)
        try:  # a refusal (not a lead, changed, incomplete) is a notice in App Home (bot/slack/refusals.py)
            exported = self.review.approve(*parsed, user_id=user_id, now=self.clock.now())
        except OSError as exc:
            log.exception("guide draft %s could not be written", parsed[0])
            self.home.publish(client, user_id, notice=f":warning: Could not write the file ({exc.strerror}).")
            return
        self.kick()
        guide_id = escape_mrkdwn(exported.draft.text.guide_id)
        notice = (
            f":white_check_mark: Approved *{guide_id}*: written to `{escape_mrkdwn(str(exported.path))}`. "
            "Its text is in your direct messages, ready to commit to policy_guides/."
        )
        self.home.publish(client, user_id, notice=notice)

    def handle_discard(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        user_id = body["user"]["id"]
        parsed = _pair(str(action.get("value") or ""))
        if parsed is None:
            raise Stale(BUTTON_OUT_OF_DATE)
        draft = self.review.discard(*parsed, user_id=user_id, now=self.clock.now())
        self.home.publish(client, user_id, notice=f":wastebasket: Discarded *{escape_mrkdwn(draft.text.title)}*.")

    def handle_edit(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        user_id = body["user"]["id"]
        parsed = _pair(str(action.get("value") or ""))
        draft = self.review.draft(parsed[0]) if parsed else None
        if parsed is None or draft is None or draft.state is not DraftState.PENDING or draft.version != parsed[1]:
            raise DraftChanged(draft)
        # The form first: the trigger dies 3 s after the click, and the lead check may ask Slack.
        view_id = open_form(
            client,
            trigger_id=body["trigger_id"],
            view=build_draft_edit_modal(draft),
            tell=lambda text: self.home.publish(client, user_id, notice=text),
        )
        if view_id is not None and not self.review.may_review(user_id):
            client.views_update(view_id=view_id, view=build_refusal_view(NOT_A_REVIEWER))
            raise NotAllowed(NOT_A_REVIEWER)

    def handle_edit_submission(self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        values = view.get("state", {}).get("values", {})
        meta = json.loads(view.get("private_metadata") or "{}")
        user_id = body["user"]["id"]
        draft = self.review.draft(int(meta.get("draft", 0)))
        if draft is None:
            raise Stale(DRAFT_GONE)
        picked = values.get(ids.GUIDE_MARKETS_BLOCK, {}).get(ids.FIELD_ACTION, {}).get("selected_options") or []
        markets = tuple(str(o.get("value")) for o in picked if isinstance(o, dict))
        keywords = tuple(
            dict.fromkeys(k.strip() for k in _KEYWORD_SPLIT.split(_text(values, ids.GUIDE_KEYWORDS_BLOCK)) if k.strip())
        )
        text = replace(
            draft.text,
            title=_text(values, ids.GUIDE_TITLE_BLOCK),
            policy_area=_text(values, ids.GUIDE_AREA_BLOCK).lower(),
            markets=markets,
            keywords=tuple(k[:80] for k in keywords),
            policy_url=_text(values, ids.GUIDE_URL_BLOCK) or None,
            body=_text(values, ids.GUIDE_BODY_BLOCK),
        )
        errors = {}
        if not text.title:
            errors[ids.GUIDE_TITLE_BLOCK] = "Give the article a title"
        if not SLUG.match(text.policy_area):
            errors[ids.GUIDE_AREA_BLOCK] = "Lower-case letters, digits and -, e.g. alcohol"
        if not markets or any(m not in MARKETS and m != ALL_MARKETS for m in markets):
            errors[ids.GUIDE_MARKETS_BLOCK] = "Pick at least one market"
        if text.policy_url and not URL.match(text.policy_url):
            errors[ids.GUIDE_URL_BLOCK] = "A full link such as https://policies.example.com/alcohol"
        if not text.body:
            errors[ids.GUIDE_BODY_BLOCK] = "Write the guidance"
        if errors:
            ack(response_action="errors", errors=errors)
            return
        self.review.edit(draft.id, int(meta.get("version", 0)), text, user_id=user_id)
        ack()
        self.home.publish(
            client, user_id, notice=f":pencil2: Saved *{escape_mrkdwn(text.title)}*; approve it when ready."
        )
