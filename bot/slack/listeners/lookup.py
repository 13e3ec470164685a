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

    def handle(self, verb: str, rest: str, *, user_id: str, respond: Respond) -> None:
        def say(text: str, blocks: list[dict[str, Any]] | None = None) -> None:
            respond(text=text, blocks=blocks, response_type="ephemeral")

        prefix = self.config.app.case_prefix
        team = self.staff.is_staff_anywhere(user_id)
        if verb == "digest":
            if not team:  # the team's digest is for the team; a rep gets their own cases
                with self.store.read() as tx:
                    cases = tx.cases.involving(user_id)
                say(
                    f"{len(cases)} open case(s)",
                    build_case_list("The digest is for the ads policy team. Your open cases", cases),
                )
                return
            digest = digest_on_demand(self.config, self.store, now=self.clock.now())
            text, blocks = build_digest(digest, tz=self.config.app.timezone)
            say(text, blocks)
            return
        if verb == "mine":
            with self.store.read() as tx:
                cases = tx.cases.involving(user_id)
            say(f"{len(cases)} open case(s)", build_case_list("Your open cases", cases))
            return
        if verb == "find":
            if len(match_key(rest)) < 2:  # what is matched: words, folded (bot/domain/intake.py)
                say(f"Give a part of an advertiser or campaign name: `{self.config.app.slash_command} find acme`")
                return
            with self.store.read() as tx:
                found = tx.cases.search(rest, since=self.clock.now() - timedelta(days=SEARCH_DAYS), sensitive=team)
            say(
                f"{len(found)} case(s)",
                build_case_list(f"Cases matching “{rest.strip()[:60]}” (last {SEARCH_DAYS} days)", found),
            )
            return
        word, _, message = rest.strip().partition(" ")
        number = parse_human_id(prefix, word)
        with self.store.read() as tx:
            case = tx.cases.find(number) if number else None
            history = tx.cases.history(case.id) if case else []
        if case is None:
            say(f"No case {word or '(none given)'}; case ids look like {prefix}-1042.")
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
        say(f"Posted in the {case.human_id} thread; the team will answer there.")
        self.kick()
