"""Who is paged for a policy level at an instant: rota layers (with overrides), users, user groups."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock
from bot.config.model import Config
from bot.domain import rota
from bot.domain.business import policy_schedule
from bot.domain.policy import Policy, Target, TargetKind
from bot.services.ports import DeliveryError, Directory
from bot.store.store import Store


@dataclass
class OnCall:
    """Resolves policy targets to Slack user ids; schedules come from config, overrides from the store."""

    config: Config
    store: Store
    directory: Directory
    clock: Clock

    def overrides(self, schedule_id: str) -> tuple[rota.Override, ...]:
        with self.store.read() as tx:
            return tuple(tx.overrides.active(schedule_id))

    def _user(self, member: str) -> str | None:
        if rota.is_email(member):
            return self.directory.user_for_email(member)
        return member

    def resolve(self, targets: Iterable[Target], *, at: datetime) -> list[str]:
        """The people to page for these targets now, each once, in target order."""
        found: list[str] = []
        for target in targets:
            if target.kind is TargetKind.USER:
                users: Iterable[str | None] = [target.ref]
            elif target.kind is TargetKind.USERGROUP:
                users = self.directory.usergroup_members(target.ref)
            else:
                schedule = self.config.schedules[target.ref]
                layers = rota.on_call(schedule, at, overrides=self.overrides(schedule.id))
                users = [self._user(m) for m in layers.get(target.layer or "", ())]
            for user in users:
                if user is None:
                    raise DeliveryError(f"cannot find a Slack user for a member of {target.ref}", retryable=True)
                if user not in found:
                    found.append(user)
        return found

    def next_business_start(self, policy: Policy, at: datetime) -> datetime:
        """When a page held for business hours goes out: `at`, or the next start of the policy's hours."""
        return next_business_start(self.config, policy, at)


def next_business_start(config: Config, policy: Policy, at: datetime) -> datetime:
    """`at`, or the next start of the policy's business hours (configuration only: no I/O, so the
    intake's ack can say when a held first page goes out before paging starts)."""
    schedule = policy_schedule(policy, config.schedules)
    return at if schedule is None else rota.next_business_start(schedule, at)
