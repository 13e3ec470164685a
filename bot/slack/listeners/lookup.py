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

    def handle(self, verb: str, rest: str, *, user_id: str, respond: Respond) -> None:
        def say(text: str, blocks: list[dict[str, Any]] | None = None) -> None:
            respond(text=text, blocks=blocks, response_type="ephemeral")

        prefix = self.config.app.case_prefix
        team = self.staff.is_staff_anywhere(user_id)
        if verb == "digest":
            if not team:  # the team's digest is for the team; a rep gets their own cases
                cases = self.cases.involving(user_id)
                say(
                    f"{len(cases)} open case(s)",
                    build_case_list("The digest is for the ads policy team. Your open cases", cases),
                )
                return
            digest = self.team_digest(self.clock.now())
            text, blocks = build_digest(digest, tz=self.config.app.timezone)
            say(text, blocks)
            return
        if verb == "mine":
            cases = self.cases.involving(user_id)
            say(f"{len(cases)} open case(s)", build_case_list("Your open cases", cases))
            return
        if verb == "find":
            if len(match_key(rest)) < 2:  # what is matched: words, folded (bot/domain/intake.py)
                say(f"Give a part of an advertiser or campaign name: `{self.config.app.slash_command} find acme`")
                return
            found = self.cases.search(rest, since=self.clock.now() - timedelta(days=SEARCH_DAYS), sensitive=team)
            say(
                f"{len(found)} case(s)",
                build_case_list(f"Cases matching “{rest.strip()[:60]}” (last {SEARCH_DAYS} days)", found),
            )
            return
        word, _, message = rest.strip().partition(" ")
        number = parse_human_id(prefix, word)
        found_case = self.cases.with_history(number) if number else None
        if found_case is None:
            say(f"No case {word or '(none given)'}; case ids look like {prefix}-1042.")
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
        say(f"Posted in the {case.human_id} thread; the team will answer there.")
        self.kick()
