"""The language a question is written in, from its script and, for Latin script, its function words.

No language-identification library: the small maintained one that fits (py3langid, 4.5 MB, numpy only)
takes ~2.5 s to load its model on first use, which would land inside the 3 s of a `views.open`, and it
reads short rep questions as Malay ("e-cigarettes in Malaysia", "apakah iklan rokok elektrik boleh di
Indonesia"). Script settles Japanese, Korean, Thai, Chinese and Vietnamese; among Latin-script questions
only Indonesian/Malay is told from English, by words English does not use. English is never claimed:
reps type English keywords in any language ("NFT ads"), so an English-looking question keeps the locale.
"""

from __future__ import annotations

import re

_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_THAI = re.compile(r"[\u0e00-\u0e7f]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_VIETNAMESE = re.compile(r"[ăắằẳẵặâấầẩẫậđêếềểễệôốồổỗộơớờởỡợưứừửữựạảẹẻẽịỉọỏụủỳỵỷỹ]", re.IGNORECASE)
_WORD = re.compile(r"[a-z]+")
# Indonesian and Malay function words and ad-policy words that English text does not carry.
_INDONESIAN = frozenset(
    [
        "yang",
        "dan",
        "untuk",
        "apakah",
        "bisa",
        "bisakah",
        "boleh",
        "bolehkah",
        "tidak",
        "dengan",
        "ini",
        "itu",
        "dari",
        "kami",
        "kita",
        "iklan",
        "ada",
        "atau",
        "akan",
        "juga",
        "saya",
        "mau",
        "gimana",
        "bagaimana",
        "tentang",
        "sudah",
        "belum",
        "klien",
        "produk",
        "judi",
        "rokok",
        "minuman",
        "keras",
        "obat",
        "pinjaman",
        "promosi",
        "kampanye",
        "pemilu",
        "partai",
        "kalau",
        "jika",
        "sebelum",
        "setelah",
        "hanya",
        "harus",
        "perlu",
        "apa",
    ]
)
LOCALE_FOR = {"ja": "ja-JP", "ko": "ko-KR", "th": "th-TH", "zh": "zh-CN", "vi": "vi-VN", "id": "id-ID"}


def detect_language(text: str) -> str | None:
    """`ja`, `ko`, `th`, `zh`, `vi` or `id` when the text shows it; None otherwise (English or unsure)."""
    if _KANA.search(text):
        return "ja"
    if _HANGUL.search(text):
        return "ko"
    if _THAI.search(text):
        return "th"
    if _HAN.search(text):
        return "zh"
    if _VIETNAMESE.search(text):
        return "vi"
    words = _WORD.findall(text.lower())
    hits = sum(1 for w in words if w in _INDONESIAN)
    if words and (hits >= 2 or hits / len(words) >= 0.3):
        return "id"
    return None


def question_locale(question: str, locale: str | None) -> str | None:
    """The locale to read answers in: the question's language where it shows one (a Chinese question from
    a `zh-TW` reader stays `zh-TW`), else the reader's Slack locale."""
    language = detect_language(question)
    if language is None:
        return locale
    if locale and locale.replace("_", "-").lower().split("-", 1)[0] == language:
        return locale
    return LOCALE_FOR[language]
