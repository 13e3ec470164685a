"""Policy guides: short articles that answer a rep's policy question, their review dates and translations."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

ALL_MARKETS = "ALL"
ORIGINAL_LOCALE = "en"
DEFAULT_REVIEW_EVERY = timedelta(days=180)

# The markets of the intake form (escalation_flows/_common.yaml), with the names people type.
MARKET_NAMES: dict[str, tuple[str, ...]] = {
    "SG": ("singapore",),
    "MY": ("malaysia",),
    "ID": ("indonesia",),
    "TH": ("thailand",),
    "PH": ("philippines",),
    "VN": ("vietnam", "viet nam"),
    "AU": ("australia",),
    "NZ": ("new zealand",),
    "IN": ("india",),
    "JP": ("japan",),
    "KR": ("korea", "south korea"),
    "HK": ("hong kong",),
    "TW": ("taiwan",),
}
MARKETS = frozenset(MARKET_NAMES)

# Regions whose nearest translation is not the first one of their language (Hong Kong reads
# traditional characters, as Taiwan does; Singapore simplified, as the mainland does).
_NEAREST_LOCALE = {"zh-hk": "zh-tw", "zh-mo": "zh-tw", "zh-sg": "zh-cn"}


@dataclass(frozen=True, slots=True)
class Translation:
    """A guide's title and body in another locale (`ja-JP`, `zh-CN`, `id-ID`, …)."""

    locale: str
    title: str
    body: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GuideText:
    """The words shown to one reader: the translation for their locale, or the original."""

    locale: str
    title: str
    body: str
    fell_back: bool  # the reader asked for a locale this guide has no translation for


@dataclass(frozen=True, slots=True)
class Guide:
    """One policy guidance article (written in English; translations alongside)."""

    id: str
    title: str
    policy_area: str
    markets: tuple[str, ...]
    flows: tuple[str, ...]
    keywords: tuple[str, ...]
    owner: str
    last_reviewed: date
    policy_url: str
    body: str
    review_every: timedelta = DEFAULT_REVIEW_EVERY
    translations: tuple[Translation, ...] = ()
    # Words reps type that the article need not use (vape for e-cigarette, vodka for alcohol): searched, never shown.
    aliases: tuple[str, ...] = ()
    reviewed_draft: bool = False  # approved by a lead in Slack, answering already, not yet in policy_guides/

    @property
    def review_due(self) -> date:
        """The day by which the article must be read again against the policy."""
        return self.last_reviewed + self.review_every

    def is_past_review(self, today: date) -> bool:
        """True once `today` is after the review due date."""
        return today > self.review_due

    def covers_market(self, market: str) -> bool:
        """True if the article is about `market` or about every market."""
        return ALL_MARKETS in self.markets or market.upper() in self.markets

    def text_for(self, locale: str | None) -> GuideText:
        """The title and body for a reader in `locale`; see `pick_translation`."""
        return pick_translation(self, locale)


def normalise_locale(locale: str) -> str:
    """`ja_JP`, `JA-jp` → `ja-jp`: Slack sends `ja-JP`, people and files write it several ways."""
    return locale.strip().replace("_", "-").lower()


def language_of(locale: str) -> str:
    """The language part of a locale: `ja` for `ja-JP`."""
    return normalise_locale(locale).split("-", 1)[0]


def pick_translation(guide: Guide, locale: str | None) -> GuideText:
    """The exact locale, else the nearest region of the same language, else the English original.

    `fell_back` is True only when a non-English reader gets the English original.
    """
    original = GuideText(ORIGINAL_LOCALE, guide.title, guide.body, fell_back=False)
    if not locale or language_of(locale) == ORIGINAL_LOCALE:
        return original
    wanted = normalise_locale(locale)
    by_locale = {normalise_locale(t.locale): t for t in guide.translations}
    for candidate in (wanted, _NEAREST_LOCALE.get(wanted, "")):
        if candidate in by_locale:
            return _text(by_locale[candidate])
    language = language_of(wanted)
    same_language = sorted(key for key in by_locale if language_of(key) == language)
    if same_language:
        return _text(by_locale[same_language[0]])
    return GuideText(ORIGINAL_LOCALE, guide.title, guide.body, fell_back=True)


def pick_for_question(guide: Guide, *, question_locale: str | None, locale: str | None) -> GuideText:
    """The translation in the question's language where the guide has one, else the reader's locale's
    (see `pick_translation`): a question typed in Japanese is answered in Japanese."""
    if question_locale and question_locale != locale:
        text = pick_translation(guide, question_locale)
        if not text.fell_back and language_of(text.locale) == language_of(question_locale):
            return text
    return pick_translation(guide, locale)


def _text(translation: Translation) -> GuideText:
    return GuideText(translation.locale, translation.title, translation.body, fell_back=False)


def overdue(guides: Iterable[Guide], today: date) -> list[Guide]:
    """The guides past their review date on `today`, most overdue first."""
    return sorted((g for g in guides if g.is_past_review(today)), key=lambda g: (g.review_due, g.id))
