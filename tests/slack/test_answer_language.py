"""Answers in the question's language: /ad-policy through the stand-in, whatever the rep's Slack locale."""

from __future__ import annotations

import json

from bot.domain.language import detect_language, question_locale
from slack_standin import SlackStandIn
from tests.slack.test_guidance import ask


def dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def test_a_question_in_japanese_from_an_english_reader_is_answered_from_the_japanese_translation(
    standin: SlackStandIn, bot
):
    answer = dump(ask(standin, "U0REP1", "日本で暗号資産取引所の広告は出せますか")["blocks"])  # U0REP1 reads en-GB
    assert "暗号資産の取引所・ウォレット・トークン・NFT の広告" in answer  # the ja-JP title
    assert "Crypto exchanges, wallets" not in answer


def test_a_question_in_indonesian_from_a_japanese_reader_is_answered_in_indonesian(standin: SlackStandIn, bot):
    answer = dump(ask(standin, "U0SPEC2", "apakah iklan pinjaman dan kartu kredit boleh di Indonesia")["blocks"])
    assert "Pinjaman, kartu kredit, dan produk investasi" in answer  # the id-ID title
    english = dump(ask(standin, "U0SPEC2", "Can we advertise a crypto exchange in Japan?")["blocks"])
    assert "暗号資産の取引所" in english  # an English-looking question keeps the reader's locale


def test_the_language_is_read_from_the_script_and_indonesian_words():
    assert [
        detect_language(q)
        for q in (
            "日本でNFTの広告は出せますか",
            "泰国可以投放酒类广告吗",
            "โฆษณาเหล้าในไทยได้ไหม",
            "quảng cáo rượu ở Việt Nam được không",
            "apakah iklan rokok elektrik boleh di Indonesia",
            "can we run vape ads in Malaysia",
            "NFT ads",
        )
    ] == ["ja", "zh", "th", "vi", "id", None, None]
    assert question_locale("台灣可以投放加密貨幣廣告嗎", "zh-TW") == "zh-TW"
    assert question_locale("泰国可以投放酒类广告吗", "en-GB") == "zh-CN"
    assert question_locale("NFT ads", "ja-JP") == "ja-JP"
