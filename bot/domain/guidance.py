"""What reps do with policy guidance (events), and guide articles drafted from resolved cases for review."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bot.domain.guide import Guide
from bot.domain.refusal import Refusal


class GuideEventKind(StrEnum):
    """One thing a rep did with the guidance (each is a row of guide_events)."""

    SEARCHED = "searched"  # a question was searched and the articles shown (good_match says if one fits)
    ANSWERED = "answered"  # the rep said an article answered the question
    ESCALATED = "escalated"  # the rep escalated after being shown articles ("still need help", or filed anyway)
    WITHDRAWN = "withdrawn"  # a case was withdrawn before anyone was paged: an article answered it


class GuideSource(StrEnum):
    """Where the rep met the articles."""

    COMMAND = "command"  # /ad-policy
    INTAKE_FORM = "intake_form"  # the intake modal, before anything was filed
    INTAKE = "intake"  # right after filing (the filed view)


@dataclass(frozen=True, slots=True)
class GuideEvent:
    """One guide event as stored."""

    kind: GuideEventKind
    user_id: str
    source: GuideSource
    query: str = ""
    locale: str | None = None
    market: str | None = None
    flow_id: str | None = None
    guide_ids: tuple[str, ...] = ()
    top_guide_id: str | None = None
    top_score: float | None = None
    good_match: bool = False
    case_id: int | None = None
    id: int | None = None
    at: datetime | None = None


class DraftState(StrEnum):
    """A drafted article waits for a lead, then is approved (exported) or discarded."""

    PENDING = "pending"
    APPROVED = "approved"
    DISCARDED = "discarded"


@dataclass(frozen=True, slots=True)
class DraftText:
    """The words of a drafted article: what a lead edits and what is exported."""

    guide_id: str
    title: str
    policy_area: str
    markets: tuple[str, ...]
    flows: tuple[str, ...]
    keywords: tuple[str, ...]
    body: str
    policy_url: str | None = None


@dataclass(frozen=True, slots=True)
class GuideDraft:
    """An article drafted from a resolved case, in the leads' review queue."""

    id: int
    case_id: int
    state: DraftState
    text: DraftText
    created_by: str
    created_at: datetime
    version: int = 1
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None


NOT_A_REVIEWER = "Only the ads policy leads can review guide drafts."


class DraftChanged(Refusal):
    """Another lead approved, edited or discarded the draft first; nothing changed."""

    def __init__(self, draft: GuideDraft | None) -> None:
        what = "no longer exists" if draft is None else f"is {draft.state.value} (version {draft.version})"
        super().__init__(f"That draft {what}: someone else got there first. Open App Home again to see it now.")
        self.draft = draft


class DraftIncomplete(Refusal):
    """The draft cannot become an article yet; the message says what is missing."""


SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,79}$")
URL = re.compile(r"^https?://\S+$")
_SLUG_STOP = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "could",
        "do",
        "does",
        "for",
        "from",
        "how",
        "i",
        "if",
        "in",
        "is",
        "it",
        "its",
        "may",
        "of",
        "on",
        "or",
        "our",
        "should",
        "the",
        "this",
        "to",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "will",
        "with",
        "would",
        "you",
        "your",
    }
)


def slugify(text: str, *, max_words: int = 7) -> str:
    """`Can alcohol ads run in Singapore?` → `alcohol-ads-run-singapore` (ASCII words only; may be empty)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = [w for w in re.findall(r"[a-z0-9]+", folded) if w not in _SLUG_STOP]
    return "-".join(words[:max_words])[:80].strip("-")


def unique_id(wanted: str, taken: set[str]) -> str:
    """`wanted`, or `wanted-2`, `wanted-3`… — the first not in `taken`."""
    if wanted not in taken:
        return wanted
    n = 2
    while f"{wanted}-{n}" in taken:
        n += 1
    return f"{wanted}-{n}"


def missing_for_export(text: DraftText) -> list[str]:
    """What a draft needs before it can be a guide the loader accepts (empty when it is ready)."""
    missing = []
    if not SLUG.match(text.guide_id):
        missing.append("an id of lower-case letters, digits and -")
    if not text.title.strip() or len(text.title) > 150:
        missing.append("a title of at most 150 characters")
    if not SLUG.match(text.policy_area):
        missing.append("a policy area (a lower-case slug such as alcohol)")
    if not text.markets:
        missing.append("at least one market (or ALL)")
    if not text.body.strip():
        missing.append("a body")
    if not text.policy_url or not URL.match(text.policy_url):
        missing.append("a link to the full policy (https://…)")
    return missing


def guide_from_draft(draft: GuideDraft) -> Guide | None:
    """An approved draft as a searchable guide (marked `reviewed_draft`); None if it is not approved or
    lacks what an article needs."""
    text = draft.text
    if draft.state is not DraftState.APPROVED or draft.reviewed_at is None or missing_for_export(text):
        return None
    return Guide(
        id=text.guide_id,
        title=text.title.strip(),
        policy_area=text.policy_area,
        markets=text.markets,
        flows=text.flows,
        keywords=text.keywords,
        owner=draft.reviewed_by or draft.created_by,
        last_reviewed=draft.reviewed_at.date(),
        policy_url=text.policy_url or "",
        body=text.body.strip(),
        reviewed_draft=True,
    )


def with_reviewed_drafts(guides: Sequence[Guide], drafts: Sequence[GuideDraft]) -> tuple[Guide, ...]:
    """The repository's guides, then the approved drafts not yet committed there (an id in the repository
    wins: once the file is committed, the draft stops answering)."""
    known = {g.id for g in guides}
    extra = [g for g in map(guide_from_draft, drafts) if g is not None and g.id not in known]
    return (*guides, *extra)


def guide_markdown(text: DraftText, *, owner: str, reviewed_on: date) -> str:
    """The article as `policy_guides/<id>.md`: front matter, then the body (see policy_guides/README.md).

    Front matter values are written as JSON, which is YAML too: quoting never depends on the text.
    """
    problems = missing_for_export(text)
    if problems:
        raise DraftIncomplete("The draft needs " + ", ".join(problems) + ".")

    def value(v: object) -> str:
        return json.dumps(v, ensure_ascii=False)

    lines = [
        "---",
        f"title: {value(text.title.strip())}",
        f"policy_area: {text.policy_area}",
        f"markets: {value(list(text.markets))}",
        f"flows: {value(list(text.flows))}",
        f"keywords: {value(list(text.keywords))}",
        f"owner: {value(owner)}",
        f"last_reviewed: {reviewed_on.isoformat()}",
        f"policy_url: {value(text.policy_url)}",
        "---",
        text.body.strip(),
        "",
    ]
    return "\n".join(lines)
