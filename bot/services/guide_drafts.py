"""From resolution to guidance: draft an article from a resolved case, and the leads' review of drafts.

A specialist ticks "worth a guide" when resolving; the draft is written in the resolve transaction
(bot/services/case_actions.py). A lead approves, edits or discards it from App Home: each is a
conditional update on the draft's version, so two leads never both win. An approved draft is written
as `<paths.guide_drafts>/<id>.md` in the policy_guides format, ready to commit, and the lead gets its
text in a DM (a durable job, like every Slack post).
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.config.model import Config
from bot.domain.case import Case
from bot.domain.flow import Flow
from bot.domain.guidance import (
    NOT_A_REVIEWER,
    SLUG,
    URL,
    DraftChanged,
    DraftIncomplete,
    DraftState,
    DraftText,
    GuideDraft,
    guide_markdown,
    slugify,
    unique_id,
)
from bot.domain.guide import ALL_MARKETS, MARKET_NAMES, MARKETS, Guide
from bot.domain.job import Job
from bot.domain.lifecycle import Outcome
from bot.domain.permissions import NotAllowed
from bot.services.guide_search import tokenize
from bot.store.effects import Effect
from bot.store.store import Store

log = logging.getLogger(__name__)

EXPORT_DM = "guide.export_dm"
GENERAL_AREA = "general"
MAX_KEYWORDS = 8
_SENTENCE = re.compile(r"(?<=[.?!\u3002\uff1f\uff01])\s|\n")  # ASCII and CJK sentence ends
_MARKET_WORDS = frozenset(word for names in MARKET_NAMES.values() for name in names for word in name.split())


def _title(summary: str, fallback: str) -> str:
    first = _SENTENCE.split(summary.strip(), maxsplit=1)[0].strip() if summary.strip() else ""
    first = " ".join(first.split())
    if len(first) > 150:
        first = first[:149].rstrip() + "…"
    return first or fallback


def _keywords(text: str) -> tuple[str, ...]:
    counts = Counter(
        t for t in tokenize(text) if not t.isdigit() and len(t) >= 3 and t not in _MARKET_WORDS and t not in MARKETS
    )
    ranked = sorted(counts, key=lambda t: (-counts[t], t))
    return tuple(ranked[:MAX_KEYWORDS])


def _policy_area(words: set[str], guides: Sequence[Guide]) -> str:
    """The policy area of the shipped article sharing most words with the case, else `general`."""
    best, best_overlap = GENERAL_AREA, 1
    for guide in guides:
        vocabulary = {guide.policy_area, *guide.keywords, *tokenize(guide.title)}
        overlap = len(words & {w.lower() for w in vocabulary})
        if overlap > best_overlap:
            best, best_overlap = guide.policy_area, overlap
    return best


def draft_from_case(case: Case, flow: Flow, *, guides: Sequence[Guide]) -> DraftText:
    """A first draft of an article from a resolved case: its question, outcome, guidance and policy."""
    outcome = Outcome(case.outcome).label if case.outcome else "Resolved"
    title = _title(case.summary, f"Question from {case.human_id}")
    text = f"{case.summary}\n{case.guidance or ''}"
    words = set(tokenize(text))
    policy_ref = (case.policy_ref or "").strip()
    if URL.match(policy_ref):
        policy_url: str | None = policy_ref
    else:
        policy_url = flow.guidance[0].url if flow.guidance else None
    parts = [f"**Question:** {case.summary.strip()}", f"**Short answer:** {outcome}."]
    if case.guidance and case.guidance.strip():
        parts.append(case.guidance.strip())
    if policy_ref:
        parts.append(f"**Policy:** {policy_ref}")
    guide_id = slugify(title)
    return DraftText(
        guide_id=guide_id if SLUG.match(guide_id) else f"case-{case.human_id.lower()}",
        title=title,
        policy_area=_policy_area(words, guides),
        markets=(case.market,) if case.market in MARKETS else (ALL_MARKETS,),
        flows=(case.flow_id,),
        keywords=_keywords(text),
        body="\n\n".join(parts),
        policy_url=policy_url,
    )


class GuideExportSender(Protocol):
    """Gives the approving lead the exported article's text."""

    def send_guide_export(self, *, user_id: str, guide_id: str, path: str, markdown: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Exported:
    """An approved draft and the file it became."""

    draft: GuideDraft
    path: Path
    markdown: str


@dataclass
class GuideReview:
    """The leads' review queue: every change checks the person and the draft's version."""

    config: Config
    store: Store
    may_review: Callable[[str], bool]
    on_approved: Callable[[], None] | None = None  # e.g. re-index the guides: an approved draft answers at once

    @property
    def folder(self) -> Path:
        return self.config.app.guide_drafts_dir or self.config.source.parent / "var" / "guide_drafts"

    def _check(self, user_id: str) -> None:
        if not self.may_review(user_id):
            raise NotAllowed(NOT_A_REVIEWER)

    def queue(self, *, limit: int = 10) -> tuple[list[GuideDraft], int]:
        """The oldest pending drafts and how many are pending in all."""
        with self.store.read() as tx:
            return tx.guides.pending_drafts(limit=limit), tx.guides.count_pending()

    def draft(self, draft_id: int) -> GuideDraft | None:
        with self.store.read() as tx:
            return tx.guides.draft(draft_id)

    def edit(self, draft_id: int, version: int, text: DraftText, *, user_id: str) -> GuideDraft:
        """Replace a pending draft's words (DraftChanged if someone changed it meanwhile)."""
        self._check(user_id)
        with self.store.transaction() as tx:
            current = tx.guides.draft(draft_id)
            if current is not None and text.title != current.text.title and SLUG.match(slugify(text.title)):
                text = replace(text, guide_id=slugify(text.title))  # the id (file name) follows a new title
            return tx.guides.edit(draft_id, version, text)

    def discard(self, draft_id: int, version: int, *, user_id: str, now: datetime) -> GuideDraft:
        self._check(user_id)
        with self.store.transaction() as tx:
            return tx.guides.discard(draft_id, version, by=user_id, now=now)

    def approve(self, draft_id: int, version: int, *, user_id: str, now: datetime) -> Exported:
        """Approve and export: the file is written before the approval commits, so a failed write approves
        nothing. DraftIncomplete (nothing changes) when the draft lacks what the guide loader needs."""
        self._check(user_id)
        with self.store.transaction() as tx:
            draft = tx.guides.draft(draft_id)
            if draft is None or draft.version != version or draft.state is not DraftState.PENDING:
                raise DraftChanged(draft)
            folder = self.folder
            taken = {g.id for g in self.config.guides} | tx.guides.approved_ids()
            if folder.is_dir():
                taken |= {p.stem for p in folder.glob("*.md")}
            guide_id = unique_id(draft.text.guide_id, taken) if SLUG.match(draft.text.guide_id) else ""
            if not guide_id:
                raise DraftIncomplete("The draft needs an id of lower-case letters, digits and -.")
            text = replace(draft.text, guide_id=guide_id)
            markdown = guide_markdown(text, owner=user_id, reviewed_on=now.astimezone(self.config.app.timezone).date())
            approved = tx.guides.approve(draft_id, version, by=user_id, now=now, guide_id=guide_id)
            path = _write(folder / f"{guide_id}.md", markdown)
            tx.jobs.enqueue(
                kind=EXPORT_DM,
                key=f"{EXPORT_DM}:{draft_id}",
                due_at=now,
                now=now,
                payload={"user_id": user_id, "guide_id": guide_id, "path": str(path), "markdown": markdown},
                max_attempts=self.config.app.max_attempts,
            )
        log.info("guide draft %s approved by %s as %s", draft_id, user_id, path)
        if self.on_approved is not None:
            self.on_approved()
        return Exported(approved, path, markdown)


def export_drafts(store: Store, *, guides: Sequence[Guide], out_dir: Path, tz: ZoneInfo) -> list[Path]:
    """`guides export-drafts`: write every approved draft not yet in the repository as `<id>.md` in
    `out_dir` (normally policy_guides/), for a commit; once committed, the repository's file answers."""
    with store.read() as tx:
        drafts = tx.guides.approved_drafts()
    known = {g.id for g in guides}
    written = []
    for draft in drafts:
        if draft.text.guide_id in known or draft.reviewed_at is None:
            continue
        owner = draft.reviewed_by or draft.created_by
        markdown = guide_markdown(draft.text, owner=owner, reviewed_on=draft.reviewed_at.astimezone(tz).date())
        written.append(_write(out_dir / f"{draft.text.guide_id}.md", markdown))
    return written


def _write(path: Path, text: str) -> Path:
    """Write atomically (a temporary file renamed over the target)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".draft-", suffix=".md")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


@dataclass
class GuideExports:
    """The job handler that DMs an approved article's text to the lead who approved it."""

    sender: GuideExportSender

    def handlers(self) -> dict[str, Callable[[Job], Effect | None]]:
        return {EXPORT_DM: self.send}

    def send(self, job: Job) -> Effect | None:
        payload = job.payload
        self.sender.send_guide_export(
            user_id=str(payload["user_id"]),
            guide_id=str(payload["guide_id"]),
            path=str(payload["path"]),
            markdown=str(payload["markdown"]),
        )
        return None
