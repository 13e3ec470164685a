"""Ranked search over the policy guides (BM25 via bm25s), so a rep's question is answered before anyone is paged.

Each guide is indexed as one document per language: the English original (title and keywords
repeated for weight, the policy area, the names of its markets, the body) and one per translation,
so a question typed in Japanese finds the Japanese text. A guide scores the sum of its documents:
a question that mixes scripts ("日本でNFTの広告は…") gathers evidence from the English original ("NFT")
and the translation ("日本") alike, where the best single document would let an article that merely
says 日本 often win.
Words are lower-cased and NFKC-normalised; scripts written without spaces (Chinese, Japanese,
Korean, Thai) become overlapping character bigrams, as Lucene's CJK analyser does. There is no
stemmer (none ships with the project); an unknown word of five letters or more is replaced by its
nearest indexed word (difflib), which catches typos and most plural/singular mismatches.

The index is immutable once built: `search` only reads it, so any number of threads may share one.
It is built on first use (or by `build()`, which the wiring runs in the background once the process is
ready): numpy and bm25s are imported then, not at start, so a process that never searches never loads them.
"""

from __future__ import annotations

import difflib
import functools
import logging
import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

from bot.domain.guide import MARKET_NAMES, MARKETS, Guide, GuideText, pick_for_question
from bot.domain.language import question_locale

# Calibrated on tests/guides/labelled_questions.yaml over the shipped guides (test_search_quality.py checks
# it): the off-topic questions score at most 2.4 and 53 of the 55 answerable ones at least 2.5 (the two
# below are a three-typo question and a two-word one). BM25 scores grow with the corpus's idf: re-measure
# when the guides grow by an order of magnitude.
GOOD_MATCH = 2.5
MARKET_BOOST = 0.25  # an article about the asked market (or ALL) ranks as if it scored 25 % higher
FLOW_BOOST = 0.10
CORRECTED_WEIGHT = 0.5
TITLE_WEIGHT = 3
KEYWORD_WEIGHT = 2
ALIAS_WEIGHT = 2

# bm25s's English stopwords, plus the words every question to the policy team carries.
_QUESTION_WORDS = """
    i me my we our us you your he she his her its them can could would should may might must do does did
    doing done what which who whom how when where why any anything some something have has had so just about
    from than too very been being am were here also still only ok okay hi hey pls plz please thanks thank thx
    need want know tell ask asking question like get go going let lets one ad ads advert adverts advertiser
    advertisers advertising client clients campaign campaigns allowed allow run running rules rule policy
"""


@functools.cache
def stopwords() -> frozenset[str]:
    """bm25s's English stopwords (imported on first use: bm25s brings numpy) and the question words."""
    import bm25s.stopwords  # type: ignore[import-untyped]

    return frozenset(bm25s.stopwords.STOPWORDS_EN) | frozenset(_QUESTION_WORDS.split())


# "advertisement", "can", "may I", "what": in every question, in no answer.
CJK_STOP_BIGRAMS = frozenset(
    ["広告", "广告", "廣告", "可以", "什么", "甚麼", "是否", "我们", "我們", "能否", "광고", "가능", "할수", "수있"]
)
_NO_SPACE = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\u0e00-\u0e7f"
_TOKEN = re.compile(rf"([{_NO_SPACE}]+)|(\d+|[^\W\d_{_NO_SPACE}]+)")  # (a no-space run, or a word or number)
_HIRAGANA = re.compile(r"[\u3040-\u309f]+")  # particles and endings: Japanese's stopwords
_MARKET_CODE = re.compile(r"\b(" + "|".join(sorted(MARKETS)) + r")\b")  # upper case only: 'MY', not 'my'
_CORRECT_FROM = 5  # shorter words are too close to too many others to correct
_CORRECTIONS_KEPT = 10_000  # unknown words remembered with their nearest indexed word (or none)

# Cities and demonyms reps type for a market ("a beer ad in Jakarta", "aussie users"): read as the
# market's name, as its code is, so an article about the market is found by them.
MARKET_PLACES: dict[str, tuple[str, ...]] = {
    "SG": ("singaporean",),
    "MY": ("malaysian", "kuala lumpur", "penang", "johor"),
    "ID": ("indonesian", "jakarta", "surabaya", "bali", "bandung"),
    "TH": ("thai", "bangkok", "phuket"),
    "PH": ("filipino", "manila", "cebu"),
    "VN": ("vietnamese", "hanoi", "saigon", "ho chi minh"),
    "AU": ("aussie", "australian", "sydney", "melbourne"),
    "NZ": ("kiwi", "auckland"),
    "IN": ("indian", "mumbai", "delhi", "bengaluru"),
    "JP": ("japanese", "tokyo", "osaka"),
    "KR": ("korean", "seoul"),
    "HK": ("kowloon",),
    "TW": ("taiwanese", "taipei"),
}


_PLACES = sorted((p for ps in MARKET_PLACES.values() for p in ps), key=len, reverse=True)
_PLACE = re.compile(r"\b(" + "|".join(map(re.escape, _PLACES)) + r")\b", re.IGNORECASE)
_PLACE_MARKET = {p: MARKET_NAMES[m][0] for m, ps in MARKET_PLACES.items() for p in ps}


Stemmer = Callable[[str], str]


def tokenize(text: str, *, stem: Stemmer | None = None) -> list[str]:
    """Search tokens of `text`: lower-case words without stopwords, bigrams for CJK and Thai."""
    text = unicodedata.normalize("NFKC", text)  # full-width Latin letters and digits, as CJK keyboards type them
    text = _MARKET_CODE.sub(lambda m: " " + MARKET_NAMES[m.group(1)][0] + " ", text)
    text = _PLACE.sub(lambda m: " " + _PLACE_MARKET[m.group(1).lower()] + " ", text).lower()
    tokens: list[str] = []
    stop = stopwords()
    for run, word in _TOKEN.findall(text):
        if run:
            grams = [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]
            tokens.extend(g for g in grams if not _HIRAGANA.fullmatch(g) and g not in CJK_STOP_BIGRAMS)
        elif len(word) > 1 and word not in stop:
            tokens.append(stem(word) if stem else word)
    return tokens


@dataclass(frozen=True, slots=True)
class Hit:
    """One article found for a question."""

    guide: Guide
    score: float  # what the hits are ranked by: relevance, boosted for the asked market and flow
    relevance: float  # the BM25 score of the words alone; decides `good`
    text: GuideText  # the translation in the question's language, else for the asker's locale, else English
    good: bool  # relevance reaches GOOD_MATCH: worth showing as an answer

    @property
    def fell_back(self) -> bool:
        """The asker's locale has no translation of this article; `text` is the English original."""
        return self.text.fell_back


def has_good_match(hits: Sequence[Hit]) -> bool:
    """False means a gap: the question was searched and no article answers it well."""
    return any(hit.good for hit in hits)


def _document(guide: Guide) -> list[str]:
    markets = " ".join(" ".join(MARKET_NAMES.get(m, ())) for m in guide.markets)
    keywords = " ".join(guide.keywords)
    aliases = " ".join(guide.aliases)
    return (
        [guide.title] * TITLE_WEIGHT
        + [keywords] * KEYWORD_WEIGHT
        + [aliases] * ALIAS_WEIGHT
        + [guide.policy_area, markets, guide.body]
    )


class GuideIndex:
    """BM25 over the guides' text and translations; build once, search from any thread."""

    def __init__(
        self,
        guides: Sequence[Guide],
        *,
        good_match: float = GOOD_MATCH,
        market_boost: float = MARKET_BOOST,
        flow_boost: float = FLOW_BOOST,
        stem: Stemmer | None = None,
    ) -> None:
        """Index `guides` (on first use, see `build`); `stem` (e.g. PyStemmer's English stemWord) applies to
        indexed and asked words."""
        self.guides = tuple(guides)
        self.good_match = good_match
        self._market_boost, self._flow_boost = market_boost, flow_boost
        self._stem = stem
        self._built = False
        self._building = threading.Lock()

    @property
    def built(self) -> bool:
        return self._built

    def build(self) -> GuideIndex:
        """Build the index now if it is not built yet (the first search does it otherwise); returns self."""
        if self._built:
            return self
        with self._building:
            if not self._built:
                self._build()
                self._built = True
        return self

    def _build(self) -> None:
        import bm25s
        import numpy as np

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets DEBUG on itself at import
        stem = self._stem
        texts: list[str] = []
        starts: list[int] = []
        for guide in self.guides:
            starts.append(len(texts))
            texts.append(" ".join(_document(guide)))
            for t in guide.translations:
                texts.append(" ".join([t.title] * TITLE_WEIGHT + [" ".join(t.keywords)] * KEYWORD_WEIGHT + [t.body]))
        corpus = [tokenize(text, stem=stem) for text in texts]
        self._starts = np.asarray(starts, dtype=np.intp)
        self._documents = len(texts)
        self._bm25: Any = None
        self._vocab: dict[str, int] = {}
        if any(corpus):
            self._bm25 = bm25s.BM25()
            self._bm25.index(corpus, show_progress=False)
            self._vocab = dict(self._bm25.vocab_dict)
        self._by_initial: dict[str, list[str]] = {}
        self._corrections: dict[str, str | None] = {}
        for word in self._vocab:
            if len(word) >= _CORRECT_FROM - 1 and word.isascii() and word.isalpha():
                self._by_initial.setdefault(word[0], []).append(word)
        self._market_boosts = {
            m: self._boosts([g.covers_market(m) for g in self.guides], self._market_boost) for m in MARKETS
        }
        flows = {flow for guide in self.guides for flow in guide.flows}
        self._flow_boosts = {f: self._boosts([f in g.flows for g in self.guides], self._flow_boost) for f in flows}

    def __len__(self) -> int:
        return len(self.guides)

    @staticmethod
    def _boosts(applies: list[bool], boost: float) -> NDArray[np.float32]:
        import numpy as np

        return np.asarray([1.0 + boost if a else 1.0 for a in applies], dtype=np.float32)

    def query_tokens(self, question: str) -> tuple[list[str], list[str]]:
        """The indexed tokens a question searches for: those it has, and the nearest indexed words to
        those it misspelt (which count half: a correction is a guess)."""
        self.build()
        exact: list[str] = []
        corrected: list[str] = []
        for token in tokenize(question, stem=self._stem):
            if token in self._vocab:
                exact.append(token)
            elif (nearest := self._nearest(token)) is not None:
                corrected.append(nearest)
        exact = list(dict.fromkeys(exact))
        return exact, [t for t in dict.fromkeys(corrected) if t not in exact]

    def _nearest(self, token: str) -> str | None:
        if len(token) < _CORRECT_FROM or not (token.isascii() and token.isalpha()):
            return None
        # difflib is the dearest step of a search, and the same unknown words come back in question after
        # question: each is compared with the vocabulary once per index (a rebuild is a new index).
        if token in self._corrections:
            return self._corrections[token]
        close = difflib.get_close_matches(token, self._by_initial.get(token[0], ()), n=1, cutoff=0.8)
        if len(self._corrections) >= _CORRECTIONS_KEPT:
            self._corrections.clear()
        self._corrections[token] = nearest = close[0] if close else None
        return nearest

    def relevance(self, question: str) -> NDArray[np.float32]:
        """The BM25 score of every guide for `question` (summed over its languages)."""
        import numpy as np

        exact, corrected = self.query_tokens(question)
        per_document = np.zeros(self._documents, dtype=np.float32)
        if exact:
            per_document += self._bm25.get_scores_from_ids([self._vocab[t] for t in exact])
        if corrected:
            per_document += CORRECTED_WEIGHT * self._bm25.get_scores_from_ids([self._vocab[t] for t in corrected])
        if not self.guides:
            return per_document
        return np.add.reduceat(per_document, self._starts).astype(np.float32)

    def search(
        self,
        question: str,
        *,
        locale: str | None = None,
        market: str | None = None,
        flow: str | None = None,
        k: int = 3,
    ) -> list[Hit]:
        """The `k` best articles for `question`, best first; articles that match no word are left out.

        Articles about `market` (or about ALL markets) and related to `flow` are boosted, not filtered.
        """
        if not self.guides or k <= 0:
            return []
        import numpy as np

        relevance = self.relevance(question)
        scores = relevance.copy()
        if market and market.upper() in self._market_boosts:
            scores *= self._market_boosts[market.upper()]
        if flow and flow in self._flow_boosts:
            scores *= self._flow_boosts[flow]
        order = np.argsort(-scores, kind="stable")[:k]
        reading = question_locale(question, locale)
        return [
            Hit(
                guide=self.guides[i],
                score=float(scores[i]),
                relevance=float(relevance[i]),
                text=pick_for_question(self.guides[i], question_locale=reading, locale=locale),
                good=bool(relevance[i] >= self.good_match),
            )
            for i in order
            if scores[i] > 0
        ]
