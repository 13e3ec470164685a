"""The access table in bot/domain/access.py: roles, rights, sensitive cases, refusals."""

from __future__ import annotations

from bot.domain.access import ACTION_RIGHTS, RIGHTS, Right, Role, allowed, refusal
from bot.domain.lifecycle import Action


def test_every_action_needs_a_right():
    assert set(ACTION_RIGHTS) == set(Action)


def test_only_the_reporter_and_staff_may_withdraw():
    assert allowed({Role.REPORTER}, Right.WITHDRAW, sensitive=False)
    assert allowed({Role.STAFF}, Right.WITHDRAW, sensitive=False)
    assert allowed({Role.LEAD}, Right.WITHDRAW, sensitive=False)
    for role in (Role.ON_CALL, Role.PAGED, Role.FOLLOWER, Role.ANYONE):
        assert not allowed({role}, Right.WITHDRAW, sensitive=False)
    assert refusal(Right.WITHDRAW, "ADS-1001") == "Only the reporter can withdraw ADS-1001."


def test_following_gives_no_right_beyond_adding_information():
    assert RIGHTS[Role.FOLLOWER] == {Right.SEE, Right.ADD_INFO, Right.FOLLOW}
    assert not allowed({Role.FOLLOWER, Role.ANYONE}, Right.REOPEN, sensitive=False)


def test_on_a_sensitive_case_people_outside_the_team_see_nothing_and_cannot_follow():
    assert not allowed({Role.ANYONE}, Right.FOLLOW, sensitive=True)
    assert not allowed({Role.FOLLOWER, Role.ANYONE}, Right.SEE, sensitive=True)
    assert allowed({Role.FOLLOWER}, Right.ADD_INFO, sensitive=True)
    assert allowed({Role.REPORTER}, Right.SEE, sensitive=True)
    for role in (Role.LEAD, Role.STAFF, Role.ON_CALL, Role.PAGED):
        assert all(allowed({role}, right, sensitive=True) for right in Right if right is not Right.WITHDRAW)


def test_only_the_person_asked_may_answer_a_swap_and_only_members_and_leads_may_propose_one():
    from bot.domain.access import SwapRight, SwapRole, swap_allowed

    assert swap_allowed({SwapRole.ASKED, SwapRole.ANYONE}, SwapRight.ANSWER)
    for roles in ({SwapRole.ASKER, SwapRole.MEMBER}, {SwapRole.LEAD}, {SwapRole.ANYONE}):
        assert not swap_allowed(roles, SwapRight.ANSWER), roles
    assert swap_allowed({SwapRole.MEMBER}, SwapRight.PROPOSE)
    assert swap_allowed({SwapRole.LEAD}, SwapRight.PROPOSE)
    assert not swap_allowed({SwapRole.ANYONE, SwapRole.ASKED}, SwapRight.PROPOSE)
