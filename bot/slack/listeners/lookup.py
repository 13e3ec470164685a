"""`/ad-escalate status ADS-1042 | mine | find <text> | update ADS-1042 [message]`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from slack_bolt import Respond

from bot.clock import Clock
from bot.config.model import Config
from bot.domain.access import Right, refusal
from bot.domain.case import parse_human_id
from bot.domain.form_text import ENGLISH, Catalog
from bot.domain.intake import match_key
from bot.domain.lifecycle import Action, InvalidTransition
from bot.domain.permissions import NotAllowed, may_right
from bot.services.case_actions import ActionRequest, CaseActions
from bot.services.digests import digest_on_demand
from bot.services.staff import Staff
from bot.slack.blocks.digest import build_digest
from bot.slack.blocks.lookup import build_case_list, build_history
from bot.store.store import Store

VERBS = frozenset({"status", "mine", "find", "update", "digest"})
SEARCH_DAYS = 90


@dataclass
class LookupCommands:
    """Read-only lookups, and the rep's "any update?" which goes through the lifecycle as a note."""

    config: Config
    store: Store
    clock: Clock
    staff: Staff
    actions: CaseActions
    kick: Callable[[], None]

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
                with self.store.read() as tx:
                    cases = tx.cases.involving(user_id)
                say(
                    t("{count} open case(s)").format(count=len(cases)),
                    build_case_list(
                        t("The digest is for the ads policy team. Your open cases"), cases, catalog=catalog
                    ),
                )
                return
            digest = digest_on_demand(self.config, self.store, now=self.clock.now())
            text, blocks = build_digest(digest, tz=self.config.app.timezone)
            say(text, blocks)
            return
        if verb == "mine":
            with self.store.read() as tx:
                cases = tx.cases.involving(user_id)
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
            with self.store.read() as tx:
                found = tx.cases.search(rest, since=self.clock.now() - timedelta(days=SEARCH_DAYS), sensitive=team)
            title = t("Cases matching “{text}” (last {days} days)").format(text=rest.strip()[:60], days=SEARCH_DAYS)
            say(t("{count} case(s)").format(count=len(found)), build_case_list(title, found, catalog=catalog))
            return
        word, _, message = rest.strip().partition(" ")
        number = parse_human_id(prefix, word)
        with self.store.read() as tx:
            case = tx.cases.find(number) if number else None
            history = tx.cases.events(case.id) if case else []
        if case is None:
            say(
                t("No case {word}; case ids look like {example}.").format(
                    word=word or t("(none given)"), example=f"{prefix}-1042"
                )
            )
            return
        actor = self.staff.actor(user_id, case, now=self.clock.now())
        if verb == "status":
            if not may_right(actor, Right.SEE, case):
                say(f":no_entry: {refusal(Right.SEE, case.human_id)}")
                return
            say(f"{case.human_id} history", build_history(case, history, tz=self.config.app.timezone))
            return
        text = message.strip() or "Is there an update on this case?"
        try:
            self.actions.perform(case.id, ActionRequest(Action.ADD_NOTE, text=text), actor=actor, now=self.clock.now())
        except (NotAllowed, InvalidTransition) as refused:
            say(f":no_entry: {refused}")
            return
        say(t("Posted in the {case} thread; the team will answer there.").format(case=case.human_id))
        self.kick()
