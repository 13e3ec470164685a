"""Every message and view within Slack's total budget: folded, or split into a parent and replies.

Slack checks each block (3,000 characters a section…) and, separately, the whole message: 50 blocks,
100 in a view, and an undocumented cap on the text across blocks (`msg_blocks_too_long`, reported
at ~11-13k characters; see ../shared/SLACK-FACTS.md H). Builders keep their blocks valid; this
module keeps the total within budget, the same way for every builder.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MESSAGE_TEXT = 12_000

Blocks = list[dict[str, Any]]


def text_size(value: Any) -> int:
    """Characters of text in a block (or blocks): every `text` string, in fields and elements too."""
    if isinstance(value, dict):
        return sum(
            len(item) if key == "text" and isinstance(item, str) else text_size(item) for key, item in value.items()
        )
    if isinstance(value, list):
        return sum(text_size(item) for item in value)
    return 0


def fits(
    blocks: Sequence[dict[str, Any]], *, max_blocks: int = MAX_MESSAGE_BLOCKS, max_text: int = MAX_MESSAGE_TEXT
) -> bool:
    """True if `blocks` are within the block count and the total text budget."""
    return len(blocks) <= max_blocks and text_size(list(blocks)) <= max_text


def _fold_note(hidden: int) -> dict[str, Any]:
    noun = "part" if hidden == 1 else "parts"
    return {
        "type": "context",
        "elements": [
            {"type": "mrkdwn", "text": f"…and {hidden} more {noun} not shown: too long for one Slack message"}
        ],
    }


def fold(
    blocks: Sequence[dict[str, Any]], *, max_blocks: int = MAX_MESSAGE_BLOCKS, max_text: int = MAX_MESSAGE_TEXT
) -> Blocks:
    """The leading blocks that fit, then a note counting the rest; unchanged when all fit."""
    if fits(blocks, max_blocks=max_blocks, max_text=max_text):
        return list(blocks)
    room = text_size(_fold_note(len(blocks)))
    kept: Blocks = []
    size = 0
    for block in blocks:
        grown = size + text_size(block)
        if len(kept) + 2 > max_blocks or grown + room > max_text:
            break
        kept.append(block)
        size = grown
    return [*kept, _fold_note(len(blocks) - len(kept))]


def split(
    blocks: Sequence[dict[str, Any]], *, max_blocks: int = MAX_MESSAGE_BLOCKS, max_text: int = MAX_MESSAGE_TEXT
) -> list[Blocks]:
    """Blocks in order, packed into as few messages as keep each within budget (the first is the
    parent, the rest its thread replies). A block is never cut; one too big alone is folded."""
    parts: list[Blocks] = []
    current: Blocks = []
    size = 0
    for block in blocks:
        own = text_size(block)
        if current and (len(current) + 1 > max_blocks or size + own > max_text):
            parts.append(current)
            current, size = [], 0
        current.append(block)
        size += own
    if current or not parts:
        parts.append(current)
    return [fold(part, max_blocks=max_blocks, max_text=max_text) for part in parts]


def smaller(blocks: Sequence[dict[str, Any]]) -> Blocks:
    """A rendering of about half the size, for when Slack refuses a message as too long
    (`msg_too_long`, `msg_blocks_too_long`) although it is within our budget."""
    return fold(blocks, max_blocks=max(2, len(blocks) // 2), max_text=max(500, text_size(list(blocks)) // 2))


def fold_view(view: dict[str, Any]) -> dict[str, Any]:
    """A view (modal or Home tab) with at most 100 blocks, folding the rest into a note."""
    blocks = view.get("blocks") or []
    if len(blocks) <= MAX_VIEW_BLOCKS:
        return view
    return {**view, "blocks": fold(blocks, max_blocks=MAX_VIEW_BLOCKS, max_text=10**9)}
