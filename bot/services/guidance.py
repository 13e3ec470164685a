"""Policy guidance for reps: search the guides, and record what the rep did with the answer.

Every search shown to a rep is a `searched` event (with `good_match`, so the gaps can be counted);
"this answered it" is `answered`, "still need help" and filing anyway are `escalated`. A withdrawal is
recorded by the withdraw action itself (bot/services/case_actions.py), in its own transaction.

Withdrawing before paging, and why there is no grace period: the case and its first paging step are
committed together before anything reaches Slack, and SEV1/SEV2 (and low severities in business
hours) are paged within a tick. Holding those pages for "maybe an article answers it" would delay
every urgent page for the few that guidance answers, so nothing waits that the policy would not hold
anyway. The articles are offered before filing instead (the form shows them once the question is
known, and "this answered it" files nothing), and after filing the withdrawal is offered honestly:
it works while nobody has been paged (the policy's own hold for low severities out of hours is the
real window, and the rep's DM repeats the offer then), and is refused with the specialist told in
the thread once a page went out or is being sent.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.guidance import GuideEvent, GuideEventKind, GuideSource, with_reviewed_drafts
from bot.domain.guide import Guide
from bot.services.guide_search import GuideIndex, Hit, has_good_match
from bot.store.store import Store, StoreUnavailable

log = logging.getLogger(__name__)

# A second or third article is offered only if it scores at least half the best one: a question that
# shares only a market or a common word with an article still reaches GOOD_MATCH (e.g. an alcohol
# question in Singapore scores the Singapore election-blackout article at 2.5), and three articles
# where one answers make the rep read two that do not.
RUNNER_UP = 0.5


_MEMO_SIZE = 512  # searches remembered per index (an intake's two searches are seconds apart)


@dataclass(frozen=True, slots=True)
class Answer:
    """The articles found for a question, and the id of the `searched` event that showed them."""

    question: str
    hits: tuple[Hit, ...]
    event_id: int | None = None

    @property
    def good(self) -> tuple[Hit, ...]:
        """The articles worth offering as an answer: good matches within RUNNER_UP of the best one."""
        best = max((hit.relevance for hit in self.hits if hit.good), default=0.0)
        return tuple(hit for hit in self.hits if hit.good and hit.relevance >= RUNNER_UP * best)

    @property
    def has_good_match(self) -> bool:
        return has_good_match(self.hits)


@dataclass
class Guidance:
    """The guide index and the store, for everything a rep does with policy guidance."""

    index: GuideIndex
    store: Store
    # The store's generation of approved drafts this index holds (None: not read yet). Every replica
    # compares it before searching, so a draft approved on any of them answers at once everywhere.
    drafts_seen: tuple[int, int] | None = field(default=None)
    _version_seen: int | None = field(default=None)  # the store's data version at the last refresh (SQLite)
    # The last searches on the index held now (an intake searches its question in the ack and again in
    # its follow-up job); a rebuilt index starts afresh, so an approved draft answers at once.
    _memo: dict[tuple[str, str | None, str | None, str | None], Answer] = field(default_factory=dict)
    _memo_index: GuideIndex | None = field(default=None)

    def rebuild(self, guides: Sequence[Guide] | None = None) -> None:
        """Index the repository's `guides` (the last ones given, else those indexed now that are not drafts)
        and every approved draft not yet committed; one assignment, so a search in flight keeps its index."""
        if guides is None:
            guides = [g for g in self.index.guides if not g.reviewed_draft]
        with self.store.read() as tx:
            seen = tx.guides.approved_generation()
            drafts = tx.guides.approved_drafts()
        index = GuideIndex(with_reviewed_drafts(guides, drafts))
        if self.index.built:  # the search stack is loaded: build here, so no search waits for it
            index.build()
        self.index = index
        self.drafts_seen = seen

    def current(self) -> GuideIndex:
        """The index, rebuilt first if a draft was approved since it was built (here or on another replica):
        one indexed count per search. With the store unreachable, the index as it is answers."""
        try:
            seen = self.store.approved_generation()
            if seen != self.drafts_seen:
                self.rebuild()
        except StoreUnavailable as exc:
            log.info("approved drafts not checked (store unavailable): %s", exc)
        return self.index

    def refresh(self) -> None:
        """The ticker's check (every replica, every few seconds): keeps the in-memory searches on the ack
        paths (the intake form's articles) current without a database read behind Slack's 3 s. It reads only
        if the store's version moved (an idle replica: never): on SQLite, some other connection committed
        since its last look; on Postgres, the job listener heard an approval (NOTIFY bot_guides) or
        (re)connected. Without a version (a Postgres process running no jobs, whose listener is not
        started) it reads each time."""
        version = self.store.version()
        if version is not None and version == self._version_seen:
            return
        self.current()
        self._version_seen = version

    def guide(self, guide_id: str) -> Guide | None:
        found = next((g for g in self.index.guides if g.id == guide_id), None)
        if found is None:  # perhaps a draft approved on another replica since this index was built
            found = next((g for g in self.current().guides if g.id == guide_id), None)
        return found

    def suggest(
        self,
        question: str,
        *,
        locale: str | None = None,
        market: str | None = None,
        flow: str | None = None,
        fresh: bool = False,
    ) -> Answer:
        """The articles for a question, not recorded (the intake form shows them again on each change). In
        memory unless `fresh` (after the ack: first check the store for drafts approved on any replica)."""
        question = question.strip()
        index = self.current() if fresh else self.index
        key = (question, locale, market, flow)
        memo = self._memo
        if self._memo_index is not index:
            memo = self._memo = {}  # a new dict, not cleared: a search in flight may hold the old one
            self._memo_index = index
        found = memo.get(key)
        if found is not None:
            return found
        hits = index.search(question, locale=locale, market=market, flow=flow) if question else []
        if market and hits:
            # The best article always stands; after it, only articles that apply to the rep's market
            # (a Singapore question gets no Indonesian or Thai alcohol rules as runners-up).
            hits = hits[:1] + [hit for hit in hits[1:] if hit.guide.covers_market(market)]
        answer = Answer(question, tuple(hits))
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        memo[key] = answer
        return answer

    def ask(
        self,
        question: str,
        *,
        user_id: str,
        source: GuideSource,
        now: datetime,
        locale: str | None = None,
        market: str | None = None,
        flow: str | None = None,
        case_id: int | None = None,
    ) -> Answer:
        """Search, and record the search (its `good_match` tells a gap from an answer)."""
        answer = self.suggest(question, locale=locale, market=market, flow=flow, fresh=True)
        return self.record_search(
            answer, user_id=user_id, source=source, now=now, locale=locale, market=market, flow=flow, case_id=case_id
        )

    def record_search(
        self,
        answer: Answer,
        *,
        user_id: str,
        source: GuideSource,
        now: datetime,
        locale: str | None = None,
        market: str | None = None,
        flow: str | None = None,
        case_id: int | None = None,
    ) -> Answer:
        """Record a search already shown (`suggest`), e.g. after Slack has its answer; returns it with its id."""
        event = searched_event(
            answer, user_id=user_id, source=source, locale=locale, market=market, flow=flow, case_id=case_id
        )
        if event is None:
            return answer
        with self.store.transaction() as tx:
            event_id = tx.guides.record(event, now=now)
        return Answer(answer.question, answer.hits, event_id)

    def _record_once(self, event: GuideEvent, *, now: datetime, once_key: str | None) -> bool:
        """Record `event`; with `once_key`, a repeat (a double click, a re-sent action) records nothing."""
        with self.store.transaction() as tx:
            if once_key is not None and not tx.first_time(once_key, now=now):
                return False
            tx.guides.record(event, now=now)
        return True

    def searched(self, event_id: int) -> GuideEvent | None:
        """The search a button was shown with (its question, locale and articles)."""
        with self.store.read() as tx:
            event = tx.guides.event(event_id)
        return event if event is not None and event.kind is GuideEventKind.SEARCHED else None

    def answered(
        self,
        *,
        user_id: str,
        guide_id: str,
        source: GuideSource,
        now: datetime,
        query: str = "",
        locale: str | None = None,
        case_id: int | None = None,
        once_key: str | None = None,
    ) -> bool:
        """Record "this answered it"; with `once_key`, a second click records nothing (False)."""
        event = GuideEvent(
            kind=GuideEventKind.ANSWERED,
            user_id=user_id,
            source=source,
            query=query,
            locale=locale,
            guide_ids=(guide_id,),
            top_guide_id=guide_id,
            good_match=True,
            case_id=case_id,
        )
        return self._record_once(event, now=now, once_key=once_key)

    def escalated(
        self,
        *,
        user_id: str,
        source: GuideSource,
        now: datetime,
        guide_ids: tuple[str, ...],
        good_match: bool,
        query: str = "",
        locale: str | None = None,
        case_id: int | None = None,
        once_key: str | None = None,
    ) -> bool:
        """Record that the rep escalated after being shown `guide_ids` (best first)."""
        event = escalated_event(
            user_id=user_id,
            source=source,
            guide_ids=guide_ids,
            good_match=good_match,
            query=query,
            locale=locale,
            case_id=case_id,
        )
        return self._record_once(event, now=now, once_key=once_key)


def searched_event(
    answer: Answer,
    *,
    user_id: str,
    source: GuideSource,
    locale: str | None = None,
    market: str | None = None,
    flow: str | None = None,
    case_id: int | None = None,
) -> GuideEvent | None:
    """The record of a search shown (None for an empty question); its `good_match` tells a gap."""
    if not answer.question:
        return None
    top = answer.hits[0] if answer.hits else None
    return GuideEvent(
        kind=GuideEventKind.SEARCHED,
        user_id=user_id,
        source=source,
        query=answer.question,
        locale=locale,
        market=market or None,
        flow_id=flow,
        guide_ids=tuple(hit.guide.id for hit in answer.hits),
        top_guide_id=top.guide.id if top else None,
        top_score=round(top.relevance, 4) if top else None,
        good_match=answer.has_good_match,
        case_id=case_id,
    )


def escalated_event(
    *,
    user_id: str,
    source: GuideSource,
    guide_ids: tuple[str, ...],
    good_match: bool,
    query: str = "",
    locale: str | None = None,
    case_id: int | None = None,
) -> GuideEvent:
    """The record of a rep escalating after being shown `guide_ids` (best first)."""
    return GuideEvent(
        kind=GuideEventKind.ESCALATED,
        user_id=user_id,
        source=source,
        query=query,
        locale=locale,
        guide_ids=guide_ids,
        top_guide_id=guide_ids[0] if guide_ids else None,
        good_match=good_match and bool(guide_ids),
        case_id=case_id,
    )
