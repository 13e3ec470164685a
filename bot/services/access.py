"""The access service: works out the roles a person holds on a case, and asks bot/domain/access.py.

Every listener, App Home, the lookups and the digest go through one `Access`, so "who may" is
decided in one place. Leads are app.yaml `leads`; staff are the members of the schedules the
flow's policy pages, the users and user groups it names, and `staff_usergroups`; on call means on
call or covering (an override) now for one of those schedules; paged means a page was sent to the
person for this case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.config.model import Config
from bot.domain import rota
from bot.domain.access import Right, Role, SwapRight, SwapRole, is_team, swap_allowed, swap_refusal
from bot.domain.case import Case
from bot.domain.lifecycle import Action
from bot.domain.permissions import Actor, check, check_right, may_right, roles_on
from bot.domain.policy import TargetKind
from bot.domain.refusal import Refusal
from bot.services.overrides import schedule_members
from bot.services.ports import Directory
from bot.store.store import Store

LEAD_LAYER = "lead"


def is_duty_lead(config: Config, user_id: str) -> bool:
    """A rota's duty lead (a member of a layer named `lead`): the person the policies page last sees the
    team's picture in the Home tab, as the leads do. Only the view: every right stays with `Access`."""
    return any(
        user_id in rotation.members
        for schedule in config.schedules.values()
        for layer in schedule.layers
        if layer.name == LEAD_LAYER
        for rotation in layer.rotations
    )


@dataclass
class Access:
    """One access decision for every surface; `store` is read for pages and overrides."""

    config: Config
    directory: Directory
    store: Store | None = None

    def is_lead(self, user_id: str) -> bool:
        """A lead (app.yaml `leads`): the team's picture in App Home, every case."""
        return user_id in self.config.app.leads

    def may_review_guides(self, user_id: str) -> bool:
        """Leads and `staff_usergroups` review guide drafts (README, Policy guidance)."""
        return self.is_lead(user_id) or self._in_staff_groups(user_id)

    def _in_staff_groups(self, user_id: str) -> bool:
        return any(user_id in self.directory.usergroup_members(g) for g in self.config.app.staff_usergroups)

    def is_staff_anywhere(self, user_id: str) -> bool:
        """Lead or staff for some flow: may list every case (digest, find), sensitive ones included."""
        if self.is_lead(user_id) or self._in_staff_groups(user_id):
            return True
        if any(user_id in schedule_members(s) for s in self.config.schedules.values()):
            return True
        for policy in self.config.policies.values():
            for level in policy.levels:
                for target in level.targets:
                    if target.kind is TargetKind.USER and target.ref == user_id:
                        return True
                    if target.kind is TargetKind.USERGROUP and user_id in self.directory.usergroup_members(target.ref):
                        return True
        return False

    def _staff_for(self, user_id: str, case: Case) -> bool:
        if self._in_staff_groups(user_id):
            return True
        policy = self.config.policy_for(case.flow_id)
        for level in policy.levels:
            for target in level.targets:
                if target.kind is TargetKind.USER and target.ref == user_id:
                    return True
                schedule = self.config.schedules.get(target.ref) if target.kind is TargetKind.SCHEDULE else None
                if schedule is not None and user_id in schedule_members(schedule):
                    return True
                if target.kind is TargetKind.USERGROUP and user_id in self.directory.usergroup_members(target.ref):
                    return True
        return False

    def _on_call_for(self, user_id: str, case: Case, now: datetime) -> bool:
        if self.store is None:
            return False
        policy = self.config.policy_for(case.flow_id)
        schedules = {t.ref for level in policy.levels for t in level.targets if t.kind is TargetKind.SCHEDULE}
        with self.store.read() as tx:
            overrides = {s: tuple(tx.overrides.active(s)) for s in schedules}
        for schedule_id in schedules:
            schedule = self.config.schedules.get(schedule_id)
            if schedule is None:
                continue
            layers = rota.on_call(schedule, now, overrides=overrides[schedule_id])
            if any(user_id in members for members in layers.values()):
                return True
        return False

    def _paged_for(self, user_id: str, case: Case) -> bool:
        if self.store is None:
            return False
        with self.store.read() as tx:
            return any(page.user_id == user_id for page in tx.cases.pages(case.id))

    def roles(self, user_id: str, case: Case, *, now: datetime) -> frozenset[Role]:
        """Every role `user_id` holds on `case` at `now`."""
        roles: set[Role] = set()
        if self.is_lead(user_id):
            roles.add(Role.LEAD)
        if self._staff_for(user_id, case):
            roles.add(Role.STAFF)
        if not roles & {Role.LEAD, Role.STAFF}:  # the store is read only when it can change the answer
            if self._on_call_for(user_id, case, now):
                roles.add(Role.ON_CALL)
            if self._paged_for(user_id, case):
                roles.add(Role.PAGED)
        return roles_on(Actor(user_id, roles=frozenset(roles)), case)

    def actor(self, user_id: str, case: Case, *, now: datetime) -> Actor:
        """The Actor the lifecycle checks (bot/domain/permissions.py)."""
        roles = self.roles(user_id, case, now=now)
        return Actor(user_id, is_staff=is_team(roles), roles=roles)

    def may(self, user_id: str, right: Right, case: Case, *, now: datetime) -> bool:
        return may_right(self.actor(user_id, case, now=now), right, case)

    def check(self, user_id: str, action: Action, case: Case, *, now: datetime) -> None:
        """Raise NotAllowed (bot/domain/permissions.py) with the refusal the person reads."""
        check(self.actor(user_id, case, now=now), action, case)

    def check_right(self, user_id: str, right: Right, case: Case, *, now: datetime) -> None:
        check_right(self.actor(user_id, case, now=now), right, case)

    def sees_details(self, user_id: str, case: Case, *, now: datetime) -> bool:
        """Whether `user_id` may read a case's text: any case not sensitive; a sensitive one for the
        team and its reporter."""
        if not case.sensitive:
            return True
        return self.may(user_id, Right.SEE, case, now=now)


def swap_roles(
    config: Config, user_id: str, *, schedule: rota.Schedule, asked_id: str | None = None
) -> frozenset[SwapRole]:
    """The roles `user_id` holds on a swap of a shift of `schedule` addressed to `asked_id` (if proposed)."""
    roles = {SwapRole.ANYONE}
    if user_id in schedule_members(schedule):
        roles.add(SwapRole.MEMBER)
    if user_id in config.app.leads:
        roles.add(SwapRole.LEAD)
    if asked_id is not None and user_id == asked_id:
        roles.add(SwapRole.ASKED)
    return frozenset(roles)


class SwapNotAllowed(Refusal):
    """The person may not press this on a swap; the message says who may (answered like every refusal)."""


def check_swap(
    config: Config,
    user_id: str,
    right: SwapRight,
    *,
    schedule: rota.Schedule,
    asked_id: str | None = None,
    field: str | None = None,
) -> None:
    """Raise SwapNotAllowed (on the form's `field`) unless the one access decision lets `user_id` do `right`
    on this swap."""
    if not swap_allowed(swap_roles(config, user_id, schedule=schedule, asked_id=asked_id), right):
        raise SwapNotAllowed(swap_refusal(right, schedule.title), field=field)
