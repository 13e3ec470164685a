"""`/ad-escalate status ADS-1042 | mine | find <text> | update ADS-1042 [message]`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import Respond

from bot.clock import Clock
from bot.config.model import Config
from bot.domain.access import Right
from bot.domain.case import parse_human_id
from bot.domain.digest import Digest
from bot.domain.form_text import ENGLISH, Catalog
from bot.domain.intake import match_key
from bot.domain.lifecycle import Action
from bot.services.case_actions import ActionRequest, CaseActions
from bot.services.case_reads import CaseReads
from bot.services.staff import Staff
from bot.slack.blocks.digest import build_digest
from bot.slack.blocks.lookup import build_case_list, build_history

VERBS = frozenset({"status", "mine", "find", "update", "digest"})
SEARCH_DAYS = 90


@dataclass
class LookupCommands:
    """Read-only lookups, and the rep's "any update?" which goes through the lifecycle as a note."""

    config: Config
    cases: CaseReads
    clock: Clock
    staff: Staff
    actions: CaseActions
    kick: Callable[[], None]
    team_digest: Callable[[datetime], Digest]  # the leads' digest of the last 24 hours, at `now`

    def handle(self, verb: str, rest: str, *, user_id: str, respond: Respond, catalog: Catalog = ENGLISH) -> None:
        """Answer a rep in their language (`catalog`); the team, and what goes into a case's thread, in the
        team's."""
        t = catalog.text

        def say(text: str, blocks: list[dict[str, Any]] | None = None) -> None:
            respond(text=text, blocks=blocks, response_type="ephemeral")

        prefix = self.config.app.case_prefix
        team = self.staff.is_staff_anywhere(user_id)
        if team:  # the team's side stays in the team's language, whatever the member's own locale
            t = ENGLISH.text
            catalog = ENGLISH
        if verb == "digest":
            if not team:  # the team's digest is for the team; a rep gets their own cases
                cases = self.cases.involving(user_id)
                say(
                    t("{count} open case(s)").format(count=len(cases)),
                    build_case_list(
                        t("The digest is for the ads policy team. Your open cases"), cases, catalog=catalog
                    ),
                )
                return
            digest = self.team_digest(self.clock.now())
            text, blocks = build_digest(digest, tz=self.config.app.timezone)
            say(text, blocks)
            return
        if verb == "mine":
            cases = self.cases.involving(user_id)
            say(
                t("{count} open case(s)").format(count=len(cases)),
                build_case_list(t("Your open cases"), cases, catalog=catalog),
            )
            return
        if verb == "find":
            if len(match_key(rest)) < 2:  # what is matched: words, folded (bot/domain/intake.py)
                say(
                    t("Give a part of an advertiser or campaign name: `{command} find acme`").format(
                        command=self.config.app.slash_command
                    )
                )
                return
            found = self.cases.search(rest, since=self.clock.now() - timedelta(days=SEARCH_DAYS), sensitive=team)
            title = t("Cases matching “{text}” (last {days} days)").format(text=rest.strip()[:60], days=SEARCH_DAYS)
            say(t("{count} case(s)").format(count=len(found)), build_case_list(title, found, catalog=catalog))
            return
        word, _, message = rest.strip().partition(" ")
        number = parse_human_id(prefix, word)
        found_case = self.cases.with_history(number) if number else None
        if found_case is None:
            say(
                t("No case {word}; case ids look like {example}.").format(
                    word=word or t("(none given)"), example=f"{prefix}-1042"
                )
            )
            return
        case, history = found_case
        now = self.clock.now()
        if verb == "status":
            self.staff.check_right(user_id, Right.SEE, case, now=now)  # a refusal rises to bot/slack/refusals.py
            say(f"{case.human_id} history", build_history(case, history, tz=self.config.app.timezone))
            return
        text = message.strip() or "Is there an update on this case?"
        actor = self.staff.actor(user_id, case, now=now)
        self.actions.perform(case.id, ActionRequest(Action.ADD_NOTE, text=text), actor=actor, now=now)
        say(t("Posted in the {case} thread; the team will answer there.").format(case=case.human_id))
        self.kick()
