"""Who counts as staff for a case: leads, members of the schedules its policy pages, named groups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.config.loader import Config
from bot.domain.case import Case
from bot.domain.permissions import Actor
from bot.domain.policy import TargetKind
from bot.services.oncall import OnCall
from bot.services.overrides import schedule_members
from bot.services.ports import DeliveryError, Directory


@dataclass
class Staff:
    """Builds the permission Actor for a person and a case."""

    config: Config
    directory: Directory

    def actor(self, user_id: str, case: Case) -> Actor:
        return Actor(user_id=user_id, is_staff=self.is_staff(user_id, case))

    def is_staff(self, user_id: str, case: Case) -> bool:
        if user_id in self.config.app.leads:
            return True
        policy = self.config.policies[self.config.flow(case.flow_id).policy]
        for level in policy.levels:
            for target in level.targets:
                if target.kind is TargetKind.USER and target.ref == user_id:
                    return True
                schedule = self.config.schedules.get(target.ref) if target.kind is TargetKind.SCHEDULE else None
                if schedule is not None and user_id in schedule_members(schedule):
                    return True
                if target.kind is TargetKind.USERGROUP and user_id in self.directory.usergroup_members(target.ref):
                    return True
        return any(user_id in self.directory.usergroup_members(g) for g in self.config.app.staff_usergroups)

    def is_lead(self, user_id: str) -> bool:
        """A lead (app.yaml `leads`) or a member of `staff_usergroups`: may review guide drafts."""
        if user_id in self.config.app.leads:
            return True
        return any(user_id in self.directory.usergroup_members(g) for g in self.config.app.staff_usergroups)


def may_act(staff: Staff, oncall: OnCall, user_id: str, case: Case, now: datetime) -> bool:
    """Whether `user_id` may act on `case` at `now` (own it after a reassignment): staff for the case,
    or on call now for its policy (an override may put someone outside the rotations on call).

    The one place this is decided for reassignment; issue 13's access decision replaces it."""
    if staff.is_staff(user_id, case):
        return True
    policy = staff.config.policies[staff.config.flow(case.flow_id).policy]
    targets = [t for level in policy.levels for t in level.targets if t.kind is TargetKind.SCHEDULE]
    try:
        return user_id in oncall.resolve(targets, at=now)
    except DeliveryError:  # a rota member's e-mail could not be looked up: not proof of being on call
        return False
