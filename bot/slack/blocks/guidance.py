"""Policy guidance in Block Kit: the /ad-policy answer, articles at intake, and what a withdrawal says."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    SectionBlock,
)

from bot.domain.case import Case
from bot.domain.form_text import ENGLISH, Catalog
from bot.domain.guide import ORIGINAL_LOCALE, Guide, language_of
from bot.services.guidance import Answer
from bot.services.guide_search import Hit
from bot.slack import ids
from bot.slack.blocks.parts import as_dicts, md, notice_modal, slack_date
from bot.slack.escape import escape_mrkdwn, fit, link, truncate

EXCERPT = 700
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_BULLET = re.compile(r"^\s*[-*]\s+", re.MULTILINE)
_HEADING = re.compile(r"^#+\s*(.+)$", re.MULTILINE)


def guide_mrkdwn(body: str, *, limit: int = EXCERPT) -> str:
    """A guide's Markdown as Slack mrkdwn (bold, bullets, headings), escaped, cut at a line near `limit`."""
    text = escape_mrkdwn(body.strip())
    text = _HEADING.sub(lambda m: f"*{m.group(1)}*", text)
    text = _BOLD.sub(lambda m: f"*{m.group(1)}*", text)
    text = _BULLET.sub("• ", text)
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip() + " …"


def _answered_button(event_id: int | None, hit: Hit, catalog: Catalog = ENGLISH) -> ButtonElement:
    return ButtonElement(
        text=catalog.text("This answered it"),
        action_id=ids.GUIDE_ANSWERED_ACTION,
        value=f"{event_id or 0}:{hit.guide.id}",
    )


REVIEWED_DRAFT = ":memo: reviewed draft, not yet in the policy repo"


def _article(
    hit: Hit, *, accessory: ButtonElement | None, block_id: str, limit: int = EXCERPT, catalog: Catalog = ENGLISH
) -> list[Block]:
    t = catalog.text
    guide = hit.guide
    title = link(guide.policy_url, hit.text.title) if guide.policy_url else escape_mrkdwn(hit.text.title)
    body = guide_mrkdwn(hit.text.body, limit=limit)
    markets = ", ".join(guide.markets)
    english = f" · {t('shown in English (no translation yet)')}" if hit.fell_back else ""
    if guide.reviewed_draft:
        english += f" · {t(REVIEWED_DRAFT)}"
    reviewed = t("reviewed {date}").format(date=guide.last_reviewed.isoformat())
    return [
        SectionBlock(block_id=block_id, text=md(truncate(f"*{title}*\n{body}", 3000)), accessory=accessory),
        ContextBlock(
            elements=[
                md(
                    truncate(
                        f"{escape_mrkdwn(guide.policy_area)} · {escape_mrkdwn(markets)} · {reviewed}{english}",
                        3000,
                    )
                )
            ]
        ),
    ]


def _language_note(hits: Sequence[Hit], locale: str | None, catalog: Catalog = ENGLISH) -> str | None:
    if not locale or language_of(locale) == ORIGINAL_LOCALE or not hits:
        return None
    wanted = escape_mrkdwn(locale)
    if all(hit.fell_back for hit in hits):
        return catalog.text(
            ":globe_with_meridians: No {locale} translation of these articles yet: they are shown in English."
        ).format(locale=wanted)
    if any(hit.fell_back for hit in hits):
        return catalog.text(
            ":globe_with_meridians: Shown in {locale} where translated; the others are in English."
        ).format(locale=wanted)
    return None


def build_policy_help(command: str, escalate_command: str, *, catalog: Catalog = ENGLISH) -> str:
    """What `/ad-policy` with no question says, in the rep's language."""
    t = catalog.text
    return "\n".join(
        (
            t(
                "*{command} <your question>* finds the policy guidance that answers it, e.g. "
                "`{command} can an alcohol brand run video ads in Singapore before 10 pm?`"
            ).format(command=command),
            t("Still need a specialist? `{escalate}` opens an escalation.").format(escalate=escalate_command),
        )
    )


def build_policy_answer(
    answer: Answer, *, locale: str | None, catalog: Catalog = ENGLISH
) -> tuple[str, list[dict[str, Any]]]:
    """The ephemeral answer: the best articles with "This answered it", and "Still need help", in the rep's
    language (`catalog`; the articles themselves in the best translation the search found)."""
    t = catalog.text
    question = fit(" ".join(answer.question.split()), 300)
    good = answer.good
    blocks: list[Block] = [
        SectionBlock(text=md(t(":mag: *Policy guidance for* “{question}”").format(question=question)))
    ]
    note = _language_note(good or answer.hits, locale, catalog)
    if good:
        for index, hit in enumerate(good):
            button = _answered_button(answer.event_id, hit, catalog)
            blocks += _article(hit, accessory=button, block_id=f"guide_{index}", catalog=catalog)
        text = t("{count} article(s) for your question").format(count=len(good))
    else:
        blocks.append(
            SectionBlock(
                text=md(
                    t(
                        "No article answers this well yet. A specialist can: open an escalation below "
                        "(your question is filled in), and the team will hear it is a gap worth writing up."
                    )
                )
            )
        )
        closest = [h.guide for h in answer.hits[:2]]
        if closest:
            names = " · ".join(link(g.policy_url, h.text.title) for g, h in zip(closest, answer.hits, strict=False))
            closest_line = t("Closest, but probably not it: {names}").format(names=names)
            blocks.append(ContextBlock(elements=[md(truncate(closest_line, 3000))]))
        text = t("No article answers this well yet")
    if note:
        blocks.append(ContextBlock(elements=[md(note)]))
    blocks.append(
        ActionsBlock(
            block_id="guide_next",
            elements=[
                ButtonElement(
                    text=t("Still need help → open an escalation"),
                    action_id=ids.GUIDE_ESCALATE_ACTION,
                    value=str(answer.event_id or 0),
                    style="primary" if not good else None,
                )
            ],
        )
    )
    return text, as_dicts(blocks[:50])


def build_answered_reply(guide: Guide | None, *, catalog: Catalog = ENGLISH) -> str:
    """What replaces the answer once the rep says an article answered it."""
    title = f" “{escape_mrkdwn(guide.title)}”" if guide else ""
    return catalog.text(
        ":white_check_mark: Glad the article{title} answered it. Nothing was escalated; thanks for saying so."
    ).format(title=title)


def intake_form_articles(hits: Sequence[Hit], *, catalog: Catalog = ENGLISH) -> list[Block]:
    """Articles in the intake form (before filing), each with "This answered it — don't file"."""
    if not hits:
        return []
    t = catalog.text
    blocks: list[Block] = [
        SectionBlock(
            block_id="guide_intro",
            text=md(t(":books: *These articles may already answer your question.* If one does, nothing needs filing.")),
        )
    ]
    for index, hit in enumerate(hits[:3]):
        button = ButtonElement(text=t("This answered it"), action_id=ids.GUIDE_FORM_ANSWERED_ACTION, value=hit.guide.id)
        blocks += _article(hit, accessory=button, block_id=f"guide_{index}", limit=400, catalog=catalog)
    blocks.append(DividerBlock())
    return blocks


def build_form_answered_view(guide: Guide | None, *, title: str, catalog: Catalog = ENGLISH) -> dict[str, Any]:
    """The intake modal once the rep said an article answered the question: nothing is filed."""
    t = catalog.text
    name = f" “{escape_mrkdwn(guide.title)}”" if guide else ""
    text = t(":white_check_mark: Glad the article{title} answered it. *Nothing was filed* and nobody is paged.").format(
        title=name
    )
    return notice_modal(truncate(t(title), 24), text, close=t("Done"))


def filed_articles(
    case: Case, hits: Sequence[Hit], *, held_until: datetime | None, tz: ZoneInfo, catalog: Catalog = ENGLISH
) -> list[Block]:
    """Articles under the filed case, each with "This answered it": withdraws the case if nobody was paged yet.

    With paging held (low severity out of hours), the rep has until the first page to withdraw;
    otherwise the page goes out within seconds, and the button says what happens if it is too late.
    """
    if not hits:
        return []
    t = catalog.text
    if held_until is not None:
        when = t(
            "Nobody is paged before {when}. If an article answers your question, say so and *{case}* is "
            "withdrawn: nobody will be paged."
        ).format(when=slack_date(held_until, tz), case=case.human_id)
    else:
        when = t(
            "A specialist is being paged now. If an article answers your question, say so: the case is "
            "withdrawn if no page has gone out yet, otherwise the specialist is told in the thread."
        )
    intro = t(":books: *These articles may answer it.* {when}").format(when=when)
    blocks: list[Block] = [DividerBlock(), SectionBlock(text=md(intro))]
    for index, hit in enumerate(hits[:3]):
        button = ButtonElement(
            text=t("This answered it"),
            action_id=ids.GUIDE_WITHDRAW_ACTION,
            value=f"{case.id}:{hit.guide.id}",
            confirm=ConfirmObject(
                title=t("Withdraw the case?"),
                text=t("If nobody has been paged yet, {case} is closed as answered by this article.").format(
                    case=case.human_id
                ),
                confirm=t("Withdraw"),
                deny=t("Keep it open"),
            ),
        )
        blocks += _article(hit, accessory=button, block_id=f"guide_{index}", limit=400, catalog=catalog)
    return blocks


def build_withdraw_result(text: str, *, title: str) -> dict[str, Any]:
    """The filed view after "This answered it": withdrawn, or why not."""
    return notice_modal(title, text)
