"""Every refusal becomes one answer to the person who asked, here and nowhere else.

Listeners call services and let a `Refusal` (bot/domain/refusal.py) rise; the app's error handler
(bot/slack/app.py) hands it to `RefusalAnswers`, which words it in the person's Slack locale where a
catalogue translates it (escalation_flows/translations/, as the intake form does) and answers where
the person is: field errors on the form they submitted, an ephemeral reply to a command or a message
button, a notice at the top of App Home, or the modal replaced by the refusal.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltResponse, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.config.model import Config
from bot.domain.form_text import Catalog, pick_catalog
from bot.domain.refusal import Refusal
from bot.slack import ids
from bot.slack.blocks.case_actions import build_refusal_view
from bot.slack.blocks.parts import slack_date
from bot.slack.escape import escape_mrkdwn
from bot.slack.locales import Locales
from bot.slack.people import display_name
from bot.slack.rate_gate import GateClosed

log = logging.getLogger(__name__)

# Which input block of a submitted form shows a refusal about one of its fields (`Refusal.field`);
# None: a refusal about the form as a whole. A form not listed shows it on its first input.
FIELD_BLOCKS: Mapping[str, Mapping[str | None, str]] = {
    ids.OVERRIDE_CALLBACK: {
        "schedule": ids.OVERRIDE_SCHEDULE_BLOCK,
        "layer": ids.OVERRIDE_LAYER_BLOCK,
        "user": ids.OVERRIDE_USER_BLOCK,
        "replaces": ids.OVERRIDE_REPLACES_BLOCK,
        "start": ids.OVERRIDE_START_BLOCK,
        "end": ids.OVERRIDE_END_BLOCK,
    },
    ids.SWAP_CALLBACK: {"user": ids.SWAP_WITH_BLOCK, "take": ids.SWAP_TAKE_BLOCK, None: ids.SWAP_SHIFT_BLOCK},
    ids.CASE_ACTION_CALLBACK: {"user": ids.CASE_USER_BLOCK},
    ids.GUIDE_DRAFT_EDIT_CALLBACK: {None: ids.GUIDE_TITLE_BLOCK},
    ids.INTAKE_CALLBACK: {"follow": ids.DUPLICATE_BLOCK, None: ids.FLOW_BLOCK},
}
MODAL_ERROR_CHARS = 150  # a field error longer than this reads as a wall of text under one input
MENTION = re.compile(r"<@([UW][A-Z0-9]+)>")

HomeNotice = Callable[[WebClient, str, str], None]  # (client, user id, mrkdwn notice): App Home republished


def _user_id(body: Mapping[str, Any]) -> str | None:
    user = body.get("user")
    found = user.get("id") if isinstance(user, dict) else body.get("user_id")
    return str(found) if found else None


@dataclass
class RefusalAnswers:
    """Words a refusal for its reader and answers on the surface they used."""

    config: Config
    locales: Locales
    home_notice: HomeNotice | None = None

    def catalog(self, user_id: str | None, *, cached: bool) -> Catalog:
        """The reader's catalogue; `cached` where an ack is still owed (no Slack call then)."""
        if user_id is None:
            return pick_catalog(self.config.form_catalogs, None)
        locale = self.locales.cached(user_id) if cached else self.locales.locale(user_id)
        return pick_catalog(self.config.form_catalogs, locale)

    def text(self, refusal: Refusal, user_id: str | None, *, cached: bool = False) -> str:
        """The refusal in the reader's language, moments shown in their own time zone."""
        catalog = self.catalog(user_id, cached=cached)
        return refusal.render(catalog.text, date=lambda at: slack_date(at, self.config.app.timezone))

    def answer(
        self, refusal: Refusal, *, body: Mapping[str, Any], client: WebClient, respond: Respond | None
    ) -> BoltResponse | None:
        """Tell the person; a BoltResponse when it is the answer to a form submission (not yet acked)."""
        user_id = _user_id(body)
        if body.get("type") == "view_submission":
            view = body.get("view") or {}
            blocks = FIELD_BLOCKS.get(str(view.get("callback_id")), {})
            inputs = list((view.get("state") or {}).get("values") or {})
            block = blocks.get(refusal.field) or blocks.get(None) or (inputs[0] if inputs else ids.FLOW_BLOCK)
            # Field errors are plain text: a mention would show as <@U…>, so people are named.
            text = self._named(client, self.text(refusal, user_id, cached=True))[:MODAL_ERROR_CHARS]
            errors = {"response_action": "errors", "errors": {block: text}}
            return BoltResponse(status=200, body=json.dumps(errors), headers={"content-type": ["application/json"]})
        text = refusal.emoji + self.text(refusal, user_id)
        view = body.get("view")
        if respond is not None and body.get("response_url"):  # commands and message buttons have one
            # A button's answer goes under its message; a command has no message to replace.
            replace = False if body.get("type") == "block_actions" else None
            respond(text=text, response_type="ephemeral", replace_original=replace)
        elif isinstance(view, dict) and view.get("type") == "home" and self.home_notice and user_id:
            self.home_notice(client, user_id, refusal.emoji + escape_mrkdwn(self.text(refusal, user_id)))
        elif isinstance(view, dict) and view.get("id"):
            try:
                client.views_update(view_id=view["id"], view=build_refusal_view(self.text(refusal, user_id)))
            except (SlackApiError, SlackClientError, OSError, GateClosed) as exc:
                log.warning("refusal view not shown: %s", type(exc).__name__)
        else:
            log.info("a refusal had nowhere to go: %s", type(refusal).__name__)
        return None

    def _named(self, client: WebClient, text: str) -> str:
        """`text` with each <@U…> replaced by the person's name (their id if Slack cannot say)."""

        return MENTION.sub(lambda match: display_name(client, match.group(1)), text)
