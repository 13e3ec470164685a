"""`/oncall`'s use cases over the store: who is on call, overrides made and cancelled, shift swaps.

The listener (bot/slack/listeners/oncall.py) parses and renders; the store and the checks are here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.config.model import Config
from bot.domain import rota
from bot.domain.refusal import BUTTON_OUT_OF_DATE, Stale
from bot.services.overrides import (
    OverrideRequest,
    cancel_override,
    check_request,
    create_override,
    list_overrides,
    may_manage,
)
from bot.services.swaps import Proposal, answer_swap, colleague_shifts, propose_swap, tell_override, upcoming_shifts
from bot.store.store import Store


@dataclass
class RotaDesk:
    """Everything `/oncall` reads or changes; a refusal is an OverrideRefused or a Stale."""

    config: Config
    store: Store

    def overrides(self) -> dict[str, tuple[rota.Override, ...]]:
        """The overrides in force or to come, per schedule."""
        with self.store.read() as tx:
            return {s: tuple(tx.overrides.active(s)) for s in self.config.schedules}

    def manageable(self, user_id: str) -> list[rota.Schedule]:
        """The schedules the person may make overrides on (members and leads)."""
        return [s for s in self.config.schedules.values() if may_manage(self.config, s, user_id)]

    def upcoming_shifts(self, user_id: str, *, now: datetime) -> list[rota.Shift]:
        return upcoming_shifts(self.config, self.store, user_id, now=now)

    def colleague_shifts(self, user_id: str, *, now: datetime) -> list[rota.Shift]:
        """Colleagues' upcoming shifts the person may ask to take."""
        return colleague_shifts(self.config, self.store, user_id, now=now)

    def list_overrides(self, *, now: datetime) -> list[rota.Override]:
        return list_overrides(self.config, store=self.store, now=now)

    def make_override(self, request: OverrideRequest, *, actor_id: str, now: datetime) -> rota.Override:
        """Check (OverrideRefused names the field at fault) and store the override."""
        check_request(self.config, request, actor_id=actor_id, now=now)
        return create_override(request, actor_id=actor_id, config=self.config, store=self.store, now=now)

    def tell_override(self, override: rota.Override, *, actor_id: str, now: datetime) -> None:
        """Queue the DMs to whoever the override puts on call or relieves."""
        tell_override(self.config, self.store, override, actor_id=actor_id, now=now)

    def cancel_override(self, value: str, *, actor_id: str, now: datetime) -> rota.Override:
        """Cancel the override a button names (its id as the button's value)."""
        if not value.isdigit():
            raise Stale(BUTTON_OUT_OF_DATE)
        return cancel_override(int(value), actor_id=actor_id, config=self.config, store=self.store, now=now)

    def propose_swap(self, proposal: Proposal, *, now: datetime) -> None:
        """Ask the colleague (propose_swap checks the shift is still its owner's: Stale otherwise)."""
        propose_swap(self.config, self.store, proposal, now=now)

    def answer_swap(self, value: str, *, actor_id: str, accept: bool, now: datetime) -> Proposal:
        """Accept or decline the swap a button names (the proposal encoded as its value)."""
        try:
            proposal = Proposal.decode(value)
        except (ValueError, KeyError, TypeError):
            raise Stale(BUTTON_OUT_OF_DATE) from None
        answer_swap(self.config, self.store, proposal, actor_id=actor_id, accept=accept, now=now)
        return proposal
