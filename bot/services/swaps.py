"""Swaps with consent, and telling people when an override changes their on-call time.

A swap goes either way: the person *gives* one of their next shifts to a colleague they pick, or asks
to *take* a colleague's upcoming shift. The other person gets a DM with Accept / Decline; accepting
makes an override (the cover is on call instead of the shift's owner) and tells both people and the
schedule's channel. Every message is a durable job (`oncall.notice`) keyed per occurrence. The button
carries the proposal; pressing it grants nothing by itself: the one access decision
(bot/domain/access.py, SwapRight) says who may propose and who may answer, an answer counts once (a
request key), and the override is checked like any other.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from bot.config.model import Config
from bot.domain import rota
from bot.domain.access import SwapRight
from bot.domain.job import Job
from bot.domain.refusal import SCHEDULE_GONE, SHIFT_NOT_THEIRS, SHIFT_NOT_YOURS, Stale
from bot.services.access import check_swap
from bot.services.overrides import OverrideRefused, OverrideRequest, check_request, create_override, schedule_members
from bot.store.effects import Effect
from bot.store.store import Store, Tx

NOTICE = "oncall.notice"
SHOWN_SHIFTS = 25
LOOK_AHEAD = timedelta(days=31)


class NoticeKind(StrEnum):
    PUT_ON_CALL = "put_on_call"  # an override puts you on call
    RELIEVED = "relieved"  # an override takes your time
    SWAP_ASKED = "swap_asked"  # someone asks you to cover their shift, or to let them take yours (buttons)
    SWAP_ACCEPTED = "swap_accepted"  # to the asker
    SWAP_DECLINED = "swap_declined"  # to the asker
    SWAP_CONFIRMED = "swap_confirmed"  # to the person now covering
    SWAP_NOTE = "swap_note"  # to the schedule's channel


class Direction(StrEnum):
    GIVE = "give"  # the proposer's shift, covered by the person asked
    TAKE = "take"  # the asked person's shift, covered by the proposer


@dataclass(frozen=True, slots=True)
class Proposal:
    """`from_user` proposes to `to_user` a swap of one shift of `layer` in `schedule_id` over
    [start_at, end_at): giving their own (GIVE) or taking the other's (TAKE)."""

    schedule_id: str
    layer: str
    from_user: str
    to_user: str
    start_at: datetime
    end_at: datetime
    direction: Direction = Direction.GIVE

    @property
    def owner(self) -> str:
        """Whose shift it is (relieved when the swap is accepted)."""
        return self.from_user if self.direction is Direction.GIVE else self.to_user

    @property
    def cover(self) -> str:
        """Who is on call instead once the swap is accepted."""
        return self.to_user if self.direction is Direction.GIVE else self.from_user

    @property
    def key(self) -> str:
        raw = f"{self.schedule_id}|{self.layer}|{self.from_user}|{self.to_user}|{self.start_at}|{self.end_at}"
        if self.direction is Direction.TAKE:
            raw += "|take"
        return hashlib.sha256(raw.encode()).hexdigest()[:32]

    def encode(self) -> str:
        data = asdict(self) | {"start_at": self.start_at.isoformat(), "end_at": self.end_at.isoformat()}
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def decode(cls, value: str) -> Proposal:
        data = json.loads(value)
        return cls(
            schedule_id=str(data["schedule_id"]),
            layer=str(data["layer"]),
            from_user=str(data["from_user"]),
            to_user=str(data["to_user"]),
            start_at=datetime.fromisoformat(data["start_at"]),
            end_at=datetime.fromisoformat(data["end_at"]),
            direction=Direction(data.get("direction", Direction.GIVE.value)),
        )


@dataclass(frozen=True, slots=True)
class RotaNotice:
    """One message about a change of who is on call; bot/slack words it."""

    kind: NoticeKind
    schedule_title: str
    layer: str | None
    start_at: datetime
    end_at: datetime
    user_id: str  # the person put on call / covering
    other_id: str | None  # the person relieved / asking
    proposal: Proposal | None = None


class NoticeSender(Protocol):
    def send_rota_notice(self, notice: RotaNotice, *, channel_id: str) -> None: ...


def colleague_shifts(config: Config, store: Store, user_id: str, *, now: datetime) -> list[rota.Shift]:
    """Colleagues' upcoming shifts `user_id` may ask to take: in the schedules they may swap in (members;
    leads: every schedule), not their own, not started yet, soonest first."""
    with store.read() as tx:
        overrides = {s: tuple(tx.overrides.active(s, ending_after=now)) for s in config.schedules}
    found = [
        shift
        for schedule in config.schedules.values()
        if user_id in schedule_members(schedule) or user_id in config.app.leads
        for shift in rota.shifts(schedule, now, now + LOOK_AHEAD, overrides=overrides[schedule.id])
        if shift.user_id != user_id and shift.start_at > now
    ]
    return sorted(found, key=lambda s: (s.start_at, s.user_id))[:SHOWN_SHIFTS]


def _swap_notice(kind: NoticeKind, title: str, proposal: Proposal) -> RotaNotice:
    return RotaNotice(
        kind,
        title,
        proposal.layer,
        proposal.start_at,
        proposal.end_at,
        user_id=proposal.to_user,
        other_id=proposal.from_user,
        proposal=proposal,
    )


def _enqueue(tx: Tx, notice: RotaNotice, *, channel_id: str, key: str, now: datetime) -> None:
    payload: dict[str, Any] = {
        "kind": notice.kind.value,
        "schedule_title": notice.schedule_title,
        "layer": notice.layer,
        "start_at": notice.start_at.isoformat(),
        "end_at": notice.end_at.isoformat(),
        "user_id": notice.user_id,
        "other_id": notice.other_id,
        "proposal": notice.proposal.encode() if notice.proposal else None,
        "channel": channel_id,
    }
    tx.jobs.enqueue(kind=NOTICE, key=f"{NOTICE}:{key}", due_at=now, now=now, payload=payload)


def upcoming_shifts(config: Config, store: Store, user_id: str, *, now: datetime) -> list[rota.Shift]:
    """The person's next shifts (and the one in progress, from now), soonest first."""
    with store.read() as tx:
        overrides = {s: tuple(tx.overrides.active(s, ending_after=now)) for s in config.schedules}
    found = [
        shift
        for schedule in config.schedules.values()
        for shift in rota.shifts(schedule, now, now + LOOK_AHEAD, overrides=overrides[schedule.id])
        if shift.user_id == user_id
    ]
    return sorted(found, key=lambda s: s.start_at)[:SHOWN_SHIFTS]


def relieved_by(config: Config, store: Store, override: rota.Override) -> list[str]:
    """Who would have been on call where the override applies (without it), other than its person."""
    schedule = config.schedules[override.schedule_id]
    with store.read() as tx:
        others = tuple(o for o in tx.overrides.active(schedule.id) if o.id != override.id)
    found = rota.shifts(schedule, override.start_at, override.end_at, overrides=others, layer=override.layer)
    people = {s.user_id for s in found if s.user_id != override.user_id}
    if override.replaces is not None:
        people &= {override.replaces}
    return sorted(people)


def tell_override(config: Config, store: Store, override: rota.Override, *, actor_id: str, now: datetime) -> None:
    """DM the person an override puts on call (unless they made it) and everyone it relieves."""
    schedule = config.schedules[override.schedule_id]
    relieved = relieved_by(config, store, override)
    with store.transaction() as tx:

        def notice(kind: NoticeKind, other_id: str | None) -> RotaNotice:
            return RotaNotice(
                kind, schedule.title, override.layer, override.start_at, override.end_at, override.user_id, other_id
            )

        if override.user_id != actor_id:
            on = notice(NoticeKind.PUT_ON_CALL, override.replaces)
            _enqueue(tx, on, channel_id=override.user_id, key=f"override{override.id}:on", now=now)
        for person in relieved:
            off = notice(NoticeKind.RELIEVED, person)
            _enqueue(tx, off, channel_id=person, key=f"override{override.id}:relieved:{person}", now=now)


def propose_swap(config: Config, store: Store, proposal: Proposal, *, now: datetime) -> None:
    """Check the proposal (who may propose, that the shift is still its owner's, that the cover may be on
    call) and queue the DM with Accept / Decline to the colleague."""
    schedule = config.schedules.get(proposal.schedule_id)
    if schedule is None:
        raise OverrideRefused(SCHEDULE_GONE, field="schedule")
    take = proposal.direction is Direction.TAKE
    where = "take" if take else None  # the form's field a refusal shows on (bot/slack/refusals.py)
    check_swap(config, proposal.from_user, SwapRight.PROPOSE, schedule=schedule, field=where)
    held = upcoming_shifts(config, store, proposal.owner, now=now)
    if not any(
        (s.schedule_id, s.layer, s.start_at) == (proposal.schedule_id, proposal.layer, proposal.start_at) for s in held
    ):
        raise Stale(SHIFT_NOT_THEIRS if take else SHIFT_NOT_YOURS, field=where or "shift")
    if proposal.to_user == proposal.from_user:
        raise OverrideRefused("Pick a colleague, not yourself.", field="user")
    if proposal.cover not in schedule_members(schedule) and proposal.cover not in config.app.leads:
        raise OverrideRefused(f"<@{proposal.cover}> is not in {schedule.title}.", field=where or "user")
    if proposal.end_at <= now:
        raise OverrideRefused("That shift is over.", field="schedule")
    with store.transaction() as tx:
        notice = _swap_notice(NoticeKind.SWAP_ASKED, schedule.title, proposal)
        _enqueue(tx, notice, channel_id=proposal.to_user, key=f"swap:{proposal.key}:asked:{now.isoformat()}", now=now)
        tx.audit.add(
            kind="swap_proposed", subject=f"swap:{proposal.key}", now=now, actor_id=proposal.from_user, data={}
        )


def answer_swap(
    config: Config, store: Store, proposal: Proposal, *, actor_id: str, accept: bool, now: datetime
) -> rota.Override | None:
    """The colleague's answer: only they may give it (the access decision), and only once. Accepting makes
    the override: the cover on call instead of the shift's owner."""
    schedule = config.schedules.get(proposal.schedule_id)
    if schedule is None:
        raise OverrideRefused(SCHEDULE_GONE)
    check_swap(config, actor_id, SwapRight.ANSWER, schedule=schedule, asked_id=proposal.to_user)
    request = OverrideRequest(
        schedule.id, proposal.layer, proposal.cover, proposal.owner, max(proposal.start_at, now), proposal.end_at
    )
    if accept:
        check_request(config, request, actor_id=actor_id, now=now)
    with store.transaction() as tx:
        if not tx.first_time(f"swap-answer:{proposal.key}", now=now):
            raise OverrideRefused("This swap was answered already.")
    title = schedule.title
    if not accept:
        with store.transaction() as tx:
            notice = _swap_notice(NoticeKind.SWAP_DECLINED, title, proposal)
            _enqueue(tx, notice, channel_id=proposal.from_user, key=f"swap:{proposal.key}:declined", now=now)
            tx.audit.add(kind="swap_declined", subject=f"swap:{proposal.key}", now=now, actor_id=actor_id, data={})
        return None
    override = create_override(request, actor_id=actor_id, config=config, store=store, now=now)
    with store.transaction() as tx:
        _enqueue(
            tx,
            _swap_notice(NoticeKind.SWAP_ACCEPTED, title, proposal),
            channel_id=proposal.from_user,
            key=f"swap:{proposal.key}:accepted",
            now=now,
        )
        _enqueue(
            tx,
            _swap_notice(NoticeKind.SWAP_CONFIRMED, title, proposal),
            channel_id=proposal.to_user,
            key=f"swap:{proposal.key}:confirmed",
            now=now,
        )
        if schedule.channel_id:
            _enqueue(
                tx,
                _swap_notice(NoticeKind.SWAP_NOTE, title, proposal),
                channel_id=schedule.channel_id,
                key=f"swap:{proposal.key}:note",
                now=now,
            )
        tx.audit.add(kind="swap_accepted", subject=f"swap:{proposal.key}", now=now, actor_id=actor_id, data={})
    return override


@dataclass
class RotaNotices:
    """The `oncall.notice` job handler: one Slack message per job."""

    sender: NoticeSender

    def handlers(self) -> dict[str, Callable[[Job], Effect | None]]:
        return {NOTICE: self.send}

    def send(self, job: Job) -> Effect | None:
        p = job.payload
        raw = p.get("proposal")
        notice = RotaNotice(
            kind=NoticeKind(str(p["kind"])),
            schedule_title=str(p["schedule_title"]),
            layer=str(p["layer"]) if p.get("layer") else None,
            start_at=datetime.fromisoformat(str(p["start_at"])),
            end_at=datetime.fromisoformat(str(p["end_at"])),
            user_id=str(p["user_id"]),
            other_id=str(p["other_id"]) if p.get("other_id") else None,
            proposal=Proposal.decode(str(raw)) if raw else None,
        )
        self.sender.send_rota_notice(notice, channel_id=str(p["channel"]))
        return None
