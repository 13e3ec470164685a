"""Make user-typed text safe to show in Slack: no mentions, no broadcasts, within limits."""

from __future__ import annotations

from urllib.parse import quote

from bot.domain.identity import visible


def escape_mrkdwn(text: str) -> str:
    """Escape &, < and > so `<!channel>`, `<@U123>` and `<url|label>` are shown, not acted on; drop
    bidi-override and zero-width characters, which make a name read as another."""
    return visible(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int, *, marker: str = "…") -> str:
    """Cut `text` to at most `limit` characters, marking the cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(marker))] + marker


def safe_url(url: str) -> str:
    """A URL that cannot break out of Slack's `<url|label>` syntax."""
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~-._")


def link(url: str, label: str) -> str:
    """`<url|label>` with both parts escaped."""
    return f"<{safe_url(url)}|{escape_mrkdwn(label).replace('|', '¦')}>"


def split_for_sections(text: str, limit: int = 2900) -> list[str]:
    """Split long text into section-sized chunks at line breaks where possible."""
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        cut = cut if cut > limit // 2 else limit
        chunks.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    chunks.append(rest)
    return chunks
