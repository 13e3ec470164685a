"""The message budget: folded to 50 blocks and 12,000 characters, or split into a parent and replies."""

from __future__ import annotations

from bot.slack.blocks import budget


def sections(count: int, size: int) -> list[dict]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * size}} for _ in range(count)]


def test_a_message_within_budget_is_left_alone():
    blocks = sections(10, 1000)
    assert budget.fold(blocks) == blocks


def test_too_many_characters_fold_into_a_note_counting_what_is_not_shown():
    folded = budget.fold(sections(6, 2900))
    assert budget.fits(folded)
    assert folded[-1]["type"] == "context" and "…and 2 more parts" in folded[-1]["elements"][0]["text"]


def test_too_many_blocks_fold_within_fifty():
    folded = budget.fold(sections(80, 10))
    assert len(folded) == 50 and "31 more" in folded[-1]["elements"][0]["text"]


def test_split_keeps_every_block_in_order_across_parent_and_replies():
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": f"{n:04d}" + "x" * 2500}} for n in range(12)]
    parts = budget.split(blocks)
    assert len(parts) == 3 and all(budget.fits(p) for p in parts)
    assert [b for p in parts for b in p] == blocks


def test_smaller_is_about_half():
    blocks = sections(8, 1000)
    assert budget.text_size(budget.smaller(blocks)) <= 4100


def test_a_view_keeps_at_most_a_hundred_blocks():
    view = {"type": "home", "blocks": sections(130, 5)}
    assert len(budget.fold_view(view)["blocks"]) == 100
