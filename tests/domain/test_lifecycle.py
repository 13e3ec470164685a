from datetime import UTC, datetime

import pytest

from bot.domain.case import Case, CaseStatus
from bot.domain.lifecycle import Action, InvalidTransition, next_status, resolve_clock_runs
from bot.domain.permissions import Actor, NotAllowed, check, may

S = CaseStatus
CASE = Case(
    id=1,
    human_id="ADS-1001",
    flow_id="f",
    status=S.NEW,
    severity_id="sev2",
    reporter_id="U0REP1",
    advertiser="A",
    campaign="C",
    market="SG",
    summary="q",
    deadline_at=None,
    sensitive=False,
    created_at=datetime(2026, 11, 25, tzinfo=UTC),
    followers=("U0REP1", "U0REP2"),
)


@pytest.mark.parametrize(
    ("status", "action", "expected"),
    [
        (S.NEW, Action.ACKNOWLEDGE, S.ACKNOWLEDGED),
        (S.NEW, Action.TAKE, S.INVESTIGATING),
        (S.ACKNOWLEDGED, Action.REQUEST_INFO, S.WAITING_ON_REP),
        (S.WAITING_ON_REP, Action.REP_REPLIED, S.INVESTIGATING),
        (S.INVESTIGATING, Action.REP_REPLIED, S.INVESTIGATING),
        (S.WAITING_ON_PARTNER, Action.REP_REPLIED, S.WAITING_ON_PARTNER),
        (S.RESOLVED, Action.REP_REPLIED, S.RESOLVED),
        (S.INVESTIGATING, Action.WAIT_ON_PARTNER, S.WAITING_ON_PARTNER),
        (S.WAITING_ON_PARTNER, Action.RESUME, S.INVESTIGATING),
        (S.INVESTIGATING, Action.RESOLVE, S.RESOLVED),
        (S.RESOLVED, Action.CLOSE, S.CLOSED),
        (S.CLOSED, Action.REOPEN, S.INVESTIGATING),
        (S.INVESTIGATING, Action.CHANGE_SEVERITY, S.INVESTIGATING),
        (S.RESOLVED, Action.ADD_NOTE, S.RESOLVED),
    ],
)
def test_allowed_transitions(status, action, expected):
    assert next_status(status, action) is expected


@pytest.mark.parametrize(
    ("status", "action", "words"),
    [
        (S.RESOLVED, Action.RESOLVE, "A case that is resolved cannot be resolved."),
        (S.INVESTIGATING, Action.REOPEN, "cannot be reopened"),
        (S.ACKNOWLEDGED, Action.ACKNOWLEDGE, "cannot be acknowledged"),
        (S.CLOSED, Action.ADD_NOTE, "cannot be noted"),
        (S.CLOSED, Action.REP_REPLIED, "cannot be answered by the rep"),
        (S.RESOLVED, Action.CHANGE_SEVERITY, "cannot be given a new severity"),
    ],
)
def test_invalid_transitions_are_named_errors_with_a_plain_message(status, action, words):
    with pytest.raises(InvalidTransition, match=words):
        next_status(status, action)


def test_resolve_clock_pauses_only_while_waiting_on_the_rep():
    assert resolve_clock_runs(S.INVESTIGATING)
    assert resolve_clock_runs(S.WAITING_ON_PARTNER)
    assert not resolve_clock_runs(S.WAITING_ON_REP)
    assert not resolve_clock_runs(S.RESOLVED)


def test_staff_may_do_everything_reps_only_add_answer_and_follow_up():
    staff, reporter, follower, stranger = (
        Actor("U0SPEC1", True),
        Actor("U0REP1", False),
        Actor("U0REP2", False),
        Actor("U0REP3", False),
    )
    assert all(may(staff, action, CASE) for action in Action)
    assert may(reporter, Action.ADD_NOTE, CASE) and may(reporter, Action.REOPEN, CASE)
    assert may(follower, Action.ADD_NOTE, CASE) and not may(follower, Action.REOPEN, CASE)
    assert not may(reporter, Action.RESOLVE, CASE)
    assert not may(stranger, Action.ADD_NOTE, CASE)
    with pytest.raises(NotAllowed, match="Only the ads policy specialists and leads"):
        check(reporter, Action.CHANGE_SEVERITY, CASE)
