"""Who counts as staff for a case: leads, members of the schedules its policy pages, named groups."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config.loader import Config
from bot.domain.case import Case
from bot.domain.permissions import Actor
from bot.domain.policy import TargetKind
from bot.services.overrides import schedule_members
from bot.services.ports import Directory


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
