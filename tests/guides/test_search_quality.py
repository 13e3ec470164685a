"""Search quality on labelled rep questions: the right article first, and gaps recognised as gaps.

Measured when the floors were set (32 shipped guides, 55 answerable and 16 unanswerable questions):
top-1 0.982, top-3 1.000, answerable questions with a good match 0.964, unanswerable ones seen as gaps
1.000. Each floor sits just under its measure: one more miss than that fails the test. (Since guides
score the sum of their languages: top-1 1.000 and good match 0.982; the floors stayed.)
"""

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bot.domain.guide import Guide
from bot.services.guide_search import GuideIndex, has_good_match, tokenize

LABELLED = Path(__file__).with_name("labelled_questions.yaml")
TOP1_FLOOR = 0.97
TOP3_FLOOR = 0.99
GOOD_FLOOR = 0.95
GAP_FLOOR = 0.95


@dataclass(frozen=True)
class Question:
    q: str
    expect: str | None
    market: str | None = None
    locale: str | None = None


@pytest.fixture(scope="module")
def questions() -> list[Question]:
    return [Question(**item) for item in yaml.safe_load(LABELLED.read_text(encoding="utf-8"))["questions"]]


def rate(flags: list[bool]) -> float:
    return sum(flags) / len(flags)


def test_the_labelled_set_is_big_enough_and_names_real_guides(questions, shipped_guides: tuple[Guide, ...]):
    answerable = [q for q in questions if q.expect]
    assert len(answerable) >= 50 and len(questions) - len(answerable) >= 10
    assert {q.expect for q in answerable} <= {g.id for g in shipped_guides}
    assert len({q.q for q in questions}) == len(questions)


def test_top1_and_top3_hit_rates_stay_above_their_floors(questions, shipped_index: GuideIndex):
    ranked = [
        [h.guide.id for h in shipped_index.search(q.q, market=q.market, locale=q.locale, k=3)]
        for q in questions
        if q.expect
    ]
    expected = [q.expect for q in questions if q.expect]
    top1 = rate([bool(ids) and ids[0] == want for ids, want in zip(ranked, expected, strict=True)])
    top3 = rate([want in ids for ids, want in zip(ranked, expected, strict=True)])
    print(f"top-1 {top1:.3f}, top-3 {top3:.3f} over {len(expected)} questions")
    assert top1 >= TOP1_FLOOR
    assert top3 >= TOP3_FLOOR


def test_good_matches_and_gaps_are_told_apart(questions, shipped_index: GuideIndex):
    answered = [has_good_match(shipped_index.search(q.q, market=q.market, locale=q.locale)) for q in questions]
    good = rate([a for a, q in zip(answered, questions, strict=True) if q.expect])
    gaps = rate([not a for a, q in zip(answered, questions, strict=True) if not q.expect])
    print(f"answerable with a good match {good:.3f}, unanswerable seen as gaps {gaps:.3f}")
    assert good >= GOOD_FLOOR
    assert gaps >= GAP_FLOOR


HELDOUT = Path(__file__).with_name("heldout_questions.yaml")
# Measured when the held-out set was written (never used to tune): top-1 0.68, top-3 0.92 over 25
# questions. Lower than the labelled set, which the guides' keywords were written alongside: the
# misses are words no article uses yet (vodka, gin, poker, stablecoin, a city for its market) — the
# gaps the weekly report's "searched with no good article" list is there to surface.
# With the guides' aliases and the markets' cities (issue #22): top-1 0.88, top-3 1.00 (this set had
# been read before that change, so it is no longer held out in the strict sense; see the titles set).
HELDOUT_TOP1_FLOOR = 0.84
HELDOUT_TOP3_FLOOR = 0.96


def test_held_out_questions_rank_the_right_article_in_the_top_three(shipped_index: GuideIndex):
    items = yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))["questions"]
    questions = [Question(**item) for item in items]
    assert len(questions) >= 25 and all(q.expect for q in questions)
    ranked = [[h.guide.id for h in shipped_index.search(q.q, market=q.market, k=3)] for q in questions]
    top1 = rate([bool(ids) and ids[0] == q.expect for ids, q in zip(ranked, questions, strict=True)])
    top3 = rate([q.expect in ids for ids, q in zip(ranked, questions, strict=True)])
    print(f"held out: top-1 {top1:.3f}, top-3 {top3:.3f} over {len(questions)} questions")
    assert top1 >= HELDOUT_TOP1_FLOOR
    assert top3 >= HELDOUT_TOP3_FLOOR


HELDOUT_TITLES = Path(__file__).with_name("heldout_questions_titles.yaml")
# Written from the articles' titles only and committed before the aliases (issue #22). Before them:
# top-1 1.000, top-3 1.000 (the titles are indexed, so the ranking was already right), but only 0.875 of
# the answerable questions reached a good match ("can we run vape ads in Malaysia" 2.39, "e-cigarettes in
# Malaysia" 1.51: "No article answers this well yet"), and 6 of its 8 unanswerable questions were seen
# as gaps. After: top-1 1.000, top-3 1.000, good match 0.982, gaps 0.875 ("mobile game app install campaign without
# gambling" still finds the real-money gaming article).
TITLES_TOP1_FLOOR = 0.98
TITLES_TOP3_FLOOR = 0.98
TITLES_GOOD_FLOOR = 0.96
TITLES_GAP_FLOOR = 0.85


def test_questions_written_from_the_titles_find_their_article_and_gaps_stay_gaps(shipped_index: GuideIndex):
    items = yaml.safe_load(HELDOUT_TITLES.read_text(encoding="utf-8"))["questions"]
    questions = [Question(**item) for item in items]
    answerable = [q for q in questions if q.expect]
    assert len(answerable) >= 40 and len(questions) > len(answerable)
    hits = {q.q: shipped_index.search(q.q, market=q.market, k=3) for q in questions}
    ranked = {q: [h.guide.id for h in found] for q, found in hits.items()}
    top1 = rate([ranked[q.q][:1] == [q.expect] for q in answerable])
    top3 = rate([q.expect in ranked[q.q] for q in answerable])
    good = rate([has_good_match(hits[q.q]) for q in answerable])
    gaps = rate([not has_good_match(hits[q.q]) for q in questions if not q.expect])
    print(f"titles set: top-1 {top1:.3f}, top-3 {top3:.3f}, good {good:.3f}, gaps {gaps:.3f}")
    assert top1 >= TITLES_TOP1_FLOOR and top3 >= TITLES_TOP3_FLOOR
    assert good >= TITLES_GOOD_FLOOR and gaps >= TITLES_GAP_FLOOR


def test_the_words_the_issue_named_now_reach_a_good_match(shipped_index: GuideIndex):
    for question, market, want in [
        ("can we run vape ads in Malaysia", "MY", "tobacco-vaping"),
        ("e-cigarettes in Malaysia", "MY", "tobacco-vaping"),
        ("vodka ads in the morning", "SG", "alcohol-sg-hours"),
        ("stablecoin yield product", None, "crypto-ads"),
    ]:
        hits = shipped_index.search(question, market=market, k=3)
        assert hits[0].guide.id == want and hits[0].good, (question, [(h.guide.id, h.relevance) for h in hits])
    # "poker" alone ranks gambling first but scores 2.0: a one-word question stays below a good match.
    assert shipped_index.search("poker room promotion", k=1)[0].guide.id == "gambling"


def test_a_city_reads_as_its_market():
    assert tokenize("beer ad in Jakarta") == tokenize("beer ad in Indonesia")
    assert tokenize("kuala lumpur party page") == tokenize("malaysia party page")
