"""The leads' review of guide drafts: the queue in App Home, the edit modal, the exported article's DM."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticMultiSelectElement,
    UrlInputElement,
)
from slack_sdk.models.views import View

from bot.domain.case import human_id
from bot.domain.guidance import GuideDraft, missing_for_export
from bot.domain.guide import ALL_MARKETS, MARKET_NAMES
from bot.slack import ids
from bot.slack.blocks.guidance import guide_mrkdwn
from bot.slack.blocks.parts import md
from bot.slack.escape import escape_mrkdwn, fit, split_for_sections, truncate

SHOWN = 8  # drafts shown in App Home (3 blocks each), so the Home tab stays under 100 blocks


def _market_options() -> list[Option]:
    names = {
        ALL_MARKETS: "All markets",
        **{code: f"{code} · {names[0].title()}" for code, names in MARKET_NAMES.items()},
    }
    return [Option(value=code, text=PlainTextObject(text=label)) for code, label in names.items()]


def review_queue(drafts: Sequence[GuideDraft], *, total: int, prefix: str) -> list[Block]:
    """The pending drafts, oldest first, each with Approve / Edit / Discard."""
    blocks: list[Block] = [
        DividerBlock(),
        SectionBlock(
            block_id="guide_review_head",
            text=md(
                f"*Guide drafts to review* ({total})\nDrafted from resolved cases the specialists marked "
                "“worth a guide”. Approve writes the article as a Markdown file ready to commit."
            ),
        ),
    ]
    if not drafts:
        blocks.append(ContextBlock(elements=[md("_Nothing to review._")]))
        return blocks
    for draft in drafts[:SHOWN]:
        text = draft.text
        value = f"{draft.id}:{draft.version}"
        head = f"*{fit(text.title, 150)}*  `{escape_mrkdwn(text.guide_id)}`\n{guide_mrkdwn(text.body, limit=500)}"
        about = (
            f"From {human_id(prefix, draft.case_id)} · drafted by <@{draft.created_by}> · "
            f"{escape_mrkdwn(text.policy_area)} · {escape_mrkdwn(', '.join(text.markets) or 'no market')} · "
            f"keywords: {escape_mrkdwn(', '.join(text.keywords) or 'none')}"
        )
        missing = missing_for_export(text)
        if missing:
            about += f" · :warning: needs {escape_mrkdwn(', '.join(missing))} (Edit)"
        blocks += [
            SectionBlock(block_id=f"draft_{draft.id}", text=md(truncate(head, 3000))),
            ContextBlock(elements=[md(truncate(about, 3000))]),
            ActionsBlock(
                block_id=f"draft_actions_{draft.id}",
                elements=[
                    ButtonElement(
                        text="Approve", action_id=ids.GUIDE_DRAFT_APPROVE_ACTION, value=value, style="primary"
                    ),
                    ButtonElement(text="Edit", action_id=ids.GUIDE_DRAFT_EDIT_ACTION, value=value),
                    ButtonElement(
                        text="Discard",
                        action_id=ids.GUIDE_DRAFT_DISCARD_ACTION,
                        value=value,
                        style="danger",
                        confirm=ConfirmObject(
                            title="Discard this draft?",
                            text="It leaves the queue and is not exported.",
                            confirm="Discard",
                            deny="Keep it",
                        ),
                    ),
                ],
            ),
        ]
    if total > SHOWN:
        blocks.append(ContextBlock(elements=[md(f"…and {total - SHOWN} more after these.")]))
    return blocks


def build_draft_edit_modal(draft: GuideDraft) -> dict[str, Any]:
    """Edit a draft's title, policy area, markets, keywords, policy link and body."""
    text = draft.text
    options = _market_options()
    chosen = [o for o in options if o.value in text.markets]

    def plain(block_id: str, label: str, initial: str, *, max_length: int, multiline: bool = False) -> InputBlock:
        return InputBlock(
            block_id=block_id,
            label=label,
            element=PlainTextInputElement(
                action_id=ids.FIELD_ACTION,
                initial_value=initial[:max_length] or None,
                max_length=max_length,
                multiline=multiline,
            ),
        )

    blocks: list[Block] = [
        plain(ids.GUIDE_TITLE_BLOCK, "Title", text.title, max_length=150),
        plain(ids.GUIDE_AREA_BLOCK, "Policy area (lower-case, e.g. alcohol)", text.policy_area, max_length=80),
        InputBlock(
            block_id=ids.GUIDE_MARKETS_BLOCK,
            label="Markets",
            element=StaticMultiSelectElement(
                action_id=ids.FIELD_ACTION, options=options, initial_options=chosen or None, placeholder="Markets"
            ),
        ),
        InputBlock(
            block_id=ids.GUIDE_KEYWORDS_BLOCK,
            label="Keywords (comma-separated: words reps use that the text may not)",
            optional=True,
            element=PlainTextInputElement(
                action_id=ids.FIELD_ACTION, initial_value=", ".join(text.keywords) or None, max_length=1000
            ),
        ),
        InputBlock(
            block_id=ids.GUIDE_URL_BLOCK,
            label="Link to the full policy",
            element=UrlInputElement(action_id=ids.FIELD_ACTION, initial_value=text.policy_url or None),
        ),
        plain(ids.GUIDE_BODY_BLOCK, "Article (Markdown)", text.body, max_length=3000, multiline=True),
    ]
    return View(
        type="modal",
        callback_id=ids.GUIDE_DRAFT_EDIT_CALLBACK,
        title="Edit guide draft",
        submit="Save",
        close="Cancel",
        private_metadata=json.dumps({"draft": draft.id, "version": draft.version}),
        blocks=blocks,
    ).to_dict()


def build_export_dm(*, guide_id: str, path: str, markdown: str) -> tuple[str, list[dict[str, Any]]]:
    """The approving lead's DM: where the file is, and its text as code blocks to copy."""
    intro = (
        f":white_check_mark: Approved guide *{escape_mrkdwn(guide_id)}*. The file is at `{escape_mrkdwn(path)}` "
        f"on the bot's host: copy it to `policy_guides/{escape_mrkdwn(guide_id)}.md` and commit. Its text:"
    )
    blocks: list[Block] = [SectionBlock(text=md(intro))]
    code = escape_mrkdwn(markdown.replace("```", "'''"))
    for chunk in split_for_sections(code, limit=2800)[:45]:
        blocks.append(SectionBlock(text=md(f"```{chunk}```")))
    return f"Approved guide {guide_id}: its Markdown file is ready to commit", [b.to_dict() for b in blocks]
