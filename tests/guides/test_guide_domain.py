"""Guides in the domain: review dates, markets and which translation a reader gets."""

from datetime import date, timedelta

from bot.domain.guide import Guide, Translation, overdue, pick_translation


def guide(**changes) -> Guide:
    base = {
        "id": "alcohol-sg-hours",
        "title": "Alcohol ads in Singapore",
        "policy_area": "alcohol",
        "markets": ("SG",),
        "flows": ("prelaunch_review",),
        "keywords": ("beer",),
        "owner": "U0POLICY1",
        "last_reviewed": date(2026, 11, 2),
        "policy_url": "https://policies.example.com/alcohol",
        "body": "Adults only.",
        "translations": (
            Translation("ja-JP", "シンガポールの酒類広告", "成人のみ。"),
            Translation("zh-CN", "新加坡酒类广告", "仅限成人。"),
            Translation("zh-TW", "新加坡酒類廣告", "僅限成人。"),
        ),
    }
    return Guide(**(base | changes))


def test_a_guide_is_past_review_the_day_after_it_falls_due():
    g = guide(review_every=timedelta(days=180))
    assert g.review_due == date(2027, 5, 1)
    assert not g.is_past_review(date(2027, 5, 1))
    assert g.is_past_review(date(2027, 5, 2))


def test_overdue_lists_the_most_overdue_first():
    old = guide(id="old", last_reviewed=date(2025, 1, 1))
    older = guide(id="older", last_reviewed=date(2024, 1, 1))
    fresh = guide(id="fresh")
    assert [g.id for g in overdue([old, fresh, older], date(2026, 11, 25))] == ["older", "old"]


def test_a_guide_covers_its_own_markets_and_all_covers_every_market():
    assert guide().covers_market("sg")
    assert not guide().covers_market("MY")
    assert guide(markets=("ALL",)).covers_market("MY")


def test_the_exact_locale_wins():
    text = pick_translation(guide(), "zh-CN")
    assert (text.locale, text.title, text.fell_back) == ("zh-CN", "新加坡酒类广告", False)


def test_a_locale_matches_on_its_language_when_the_region_differs():
    assert pick_translation(guide(), "ja").locale == "ja-JP"
    assert pick_translation(guide(), "ja_jp").locale == "ja-JP"


def test_hong_kong_readers_get_traditional_chinese():
    assert pick_translation(guide(), "zh-HK").locale == "zh-TW"
    assert pick_translation(guide(), "zh-SG").locale == "zh-CN"


def test_a_locale_without_translation_falls_back_to_english_and_says_so():
    text = guide().text_for("th-TH")
    assert (text.locale, text.title, text.fell_back) == ("en", "Alcohol ads in Singapore", True)


def test_english_readers_and_unknown_locales_get_the_original_without_a_fallback_flag():
    assert not pick_translation(guide(), "en-GB").fell_back
    assert not pick_translation(guide(), None).fell_back
    assert pick_translation(guide(), "").title == "Alcohol ads in Singapore"
