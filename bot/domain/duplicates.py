"""Which open case a new one duplicates: the same flow family, and advertiser and campaign names that
mean the same ("Acme Foods Pte Ltd" and "ACME Foods")."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from bot.domain.flow import Flow
from bot.domain.intake import match_key

# Words that say what kind of company it is, not which one.
COMPANY_WORDS = frozenset(
    {
        "pte", "ltd", "limited", "inc", "incorporated", "llc", "llp", "lp", "co", "corp", "corporation",
        "company", "sdn", "bhd", "pty", "plc", "gmbh", "ag", "sa", "bv", "nv", "tbk", "pt", "kk", "jsc",
        "the", "and",
    }
)  # fmt: skip
SIMILAR_AT = 0.75  # Jaccard similarity of the name words at which two names count as the same


# Cached: every intake compares its names with the same few hundred open cases' names.
@lru_cache(maxsize=8192)
def name_words(text: str) -> frozenset[str]:
    """The words of a name that identify it (case, punctuation and company-form words dropped)."""
    words = frozenset(match_key(text).split())
    return (words - COMPANY_WORDS) or words


def same_name(a: str, b: str) -> bool:
    """Whether two typed names mean the same advertiser or campaign: equal once normalised, one's words
    all within the other's, or most words shared."""
    return _same_words(name_words(a), name_words(b))


def _same_words(left: frozenset[str], right: frozenset[str]) -> bool:
    if not left or not right:
        return False
    if left <= right or right <= left:
        return True
    return len(left & right) / len(left | right) >= SIMILAR_AT


def family(flow: Flow, flows: Iterable[Flow]) -> frozenset[str]:
    """The flows whose open cases a new case of `flow` may duplicate: itself, those it names in
    `duplicates_of`, and those that name it (the relation is symmetric)."""
    named = {flow.id, *flow.duplicates_of}
    named |= {other.id for other in flows if flow.id in other.duplicates_of}
    return frozenset(named)


def lock_names(flow_ids: Iterable[str], advertiser: str) -> list[str]:
    """The locks a new case's duplicate check holds (a Postgres advisory lock each): one per flow of the
    family and word of the advertiser's name. Two names that mean the same always share a word
    (`same_name`), so two intakes that may duplicate each other want a common lock and run one after the
    other, while intakes for other advertisers do not wait. A name with no words duplicates nothing."""
    words = sorted(name_words(advertiser))
    return [f"duplicates:{flow_id}:{word}" for flow_id in sorted(flow_ids) for word in words]


def first_same_names(advertiser: str, campaign: str, candidates: Iterable[tuple[int, str, str]]) -> int | None:
    """The id of the first (id, advertiser, campaign) candidate naming the same advertiser and campaign;
    candidates come oldest first, as plain rows (the intake's ack checks a few hundred of them)."""
    advertiser_words, campaign_words = name_words(advertiser), name_words(campaign)
    for case_id, other_advertiser, other_campaign in candidates:
        other = name_words(other_advertiser)
        if other.isdisjoint(advertiser_words):
            continue  # most open cases are another advertiser's: no word in common, not the same
        if _same_words(advertiser_words, other) and _same_words(campaign_words, name_words(other_campaign)):
            return case_id
    return None
