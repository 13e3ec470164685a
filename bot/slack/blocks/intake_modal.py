"""The intake modal: pick an escalation type, then that type's fields."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    DateTimePickerElement,
    DividerBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
    UrlInputElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.domain.case import Case
from bot.domain.flow import FieldKind, Flow, IntakeField
from bot.domain.form_text import ENGLISH, Catalog, localize_flow
from bot.domain.intake import FieldValue
from bot.services.guide_search import Hit
from bot.slack import ids
from bot.slack.blocks.built_once import BuiltOnce
from bot.slack.blocks.guidance import filed_articles, intake_form_articles
from bot.slack.blocks.parts import as_dicts, notice_modal, option
from bot.slack.escape import escape_mrkdwn, fit, link, truncate
from bot.slack.state import IntakeMeta

TITLE = "Ads escalation"


_SLACK_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_SLACK_REF = re.compile(r"<([@#!])([^|>]+)(?:\|([^>]*))?>")


def message_text(text: str) -> str:
    """A Slack message's text as a person reads it: links as their URL, mentions as @name or the id,
    and Slack's own escapes undone (the form escapes again where it shows it)."""
    text = _SLACK_LINK.sub(lambda m: m.group(1), text)
    text = _SLACK_REF.sub(lambda m: m.group(1) + (m.group(3) or m.group(2)), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def _option(value: str, label: str) -> Option:
    return option(value, label, emoji=True)


def _element(field: IntakeField, flow: Flow, initial: FieldValue, catalog: Catalog = ENGLISH) -> Any:
    action_id = ids.FIELD_ACTION
    placeholder = field.placeholder or None
    if field.kind in (FieldKind.TEXT, FieldKind.LONG_TEXT):
        return PlainTextInputElement(
            action_id=action_id,
            placeholder=placeholder,
            multiline=field.kind is FieldKind.LONG_TEXT,
            max_length=field.max_length,
            initial_value=initial if isinstance(initial, str) and initial else None,
        )
    if field.kind is FieldKind.URL:
        return UrlInputElement(
            action_id=action_id,
            placeholder=placeholder,
            initial_value=initial if isinstance(initial, str) and initial else None,
        )
    if field.kind in (FieldKind.SELECT, FieldKind.SEVERITY):
        choices = (
            [_option(s.id, f"{s.emoji} {s.label}") for s in flow.severities]
            if field.kind is FieldKind.SEVERITY
            else [_option(o.value, o.label) for o in field.options]
        )
        chosen = next((o for o in choices if o.value == initial), None)
        return StaticSelectElement(
            action_id=action_id,
            placeholder=placeholder or catalog.text("Choose…"),
            options=choices,
            initial_option=chosen,
        )
    if field.kind is FieldKind.MULTI_SELECT:
        choices = [_option(o.value, o.label) for o in field.options]
        picked = [o for o in choices if isinstance(initial, list) and o.value in initial]
        return StaticMultiSelectElement(
            action_id=action_id,
            placeholder=placeholder or catalog.text("Choose…"),
            options=choices,
            initial_options=picked or None,
        )
    if field.kind is FieldKind.DATETIME:
        stamp = int(initial.timestamp()) if isinstance(initial, datetime) else None
        return DateTimePickerElement(action_id=action_id, initial_date_time=stamp)
    if field.kind is FieldKind.DATE:
        return DatePickerElement(action_id=action_id, initial_date=initial.isoformat() if initial else None)  # type: ignore[union-attr]
    if field.kind is FieldKind.USER:
        return UserSelectElement(
            action_id=action_id,
            placeholder=placeholder or "Choose someone",
            initial_user=initial if isinstance(initial, str) else None,
        )
    yes = _option("yes", field.label)
    return CheckboxesElement(action_id=action_id, options=[yes], initial_options=[yes] if initial else None)


def _field_block(field: IntakeField, flow: Flow, initial: FieldValue, catalog: Catalog = ENGLISH) -> InputBlock:
    return InputBlock(
        block_id=ids.field_block(field.id),
        label=PlainTextObject(text=truncate(field.label, 2000), emoji=True),
        element=_element(field, flow, initial, catalog),
        optional=not field.required,
        hint=PlainTextObject(text=field.hint) if field.hint else None,
    )


def _flow_picker(flows: Sequence[Flow], chosen: Flow | None, catalog: Catalog) -> InputBlock:
    options = [_option(f.id, f.title) for f in flows]
    return InputBlock(
        block_id=ids.FLOW_BLOCK,
        label=catalog.text("Escalation type"),
        dispatch_action=True,
        element=StaticSelectElement(
            action_id=ids.FLOW_ACTION,
            placeholder=catalog.text("What kind of escalation is this?"),
            options=options,
            initial_option=next((o for o in options if chosen and o.value == chosen.id), None),
        ),
    )


def _duplicate_blocks(existing: Case, flows: Sequence[Flow], viewer_id: str | None) -> list[Block]:
    """The open case this one duplicates, with enough to judge: type, severity, status and owner."""
    where = link(existing.permalink, "open its thread") if existing.permalink else "it is being posted now"
    flow = next((f for f in flows if f.id == existing.flow_id), None)
    kind = escape_mrkdwn(flow.title) if flow else existing.flow_id
    try:
        severity = flow.severity(existing.severity_id).label if flow else existing.severity_id
    except KeyError:
        severity = existing.severity_id
    status = existing.status.value.replace("_", " ")
    owner = f"owner <@{existing.owner_id}>" if existing.owner_id else "no owner yet"
    facts = f"{kind} · {escape_mrkdwn(severity)} · {status} · {owner}"
    own = viewer_id is not None and viewer_id == existing.reporter_id
    if own:
        text = (
            f":information_source: You filed *{existing.human_id}* yourself for "
            f"*{escape_mrkdwn(existing.advertiser)}* / *{escape_mrkdwn(existing.campaign)}*, and it is still open "
            f"({where}).\n{facts}"
        )
        keep = f"Add this to {existing.human_id} (your question goes to its thread)"
    else:
        text = (
            f":warning: *{existing.human_id}* is already open for *{escape_mrkdwn(existing.advertiser)}* / "
            f"*{escape_mrkdwn(existing.campaign)}*, filed by <@{existing.reporter_id}> ({where}).\n{facts}"
        )
        keep = f"Follow {existing.human_id}: your question goes to its thread, you hear its outcome"
    return [
        SectionBlock(block_id="duplicate_notice", text=MarkdownTextObject(text=truncate(text, 3000))),
        InputBlock(
            block_id=ids.DUPLICATE_BLOCK,
            label="Add to that case or file a new one?" if own else "Follow that case or file a new one?",
            element=RadioButtonsElement(
                action_id=ids.DUPLICATE_ACTION,
                options=[
                    _option(ids.DUPLICATE_FOLLOW, truncate(keep, 75)),
                    _option(ids.DUPLICATE_FILE_NEW, "File a new case anyway"),
                ],
            ),
        ),
        DividerBlock(),
    ]


def build_intake_modal(
    flows: Sequence[Flow],
    *,
    chosen: Flow | None,
    meta: IntakeMeta,
    initial: dict[str, FieldValue] | None = None,
    duplicate: Case | None = None,
    articles: Sequence[Hit] = (),
    catalog: Catalog = ENGLISH,
    viewer_id: str | None = None,
    parts: BuiltOnce | None = None,
) -> dict[str, Any]:
    """The modal; with a chosen flow it shows that flow's description, guidance, the guide articles that
    may answer the question already, and its fields (in `catalog`'s language where translated).

    What depends only on the configuration (the type picker, a flow's head and its empty fields, the view's
    title and buttons) comes from `parts`, built once per flow and catalogue; what this request brings (the
    values, the duplicate, the articles, private_metadata) is built here each time.
    """
    parts = parts if parts is not None else BuiltOnce()
    initial = dict(initial or {})
    blocks: list[dict[str, Any]] = []
    if duplicate:
        localized = [localize_flow(f, catalog) for f in flows]
        blocks += as_dicts(_duplicate_blocks(duplicate, localized, viewer_id))
    if meta.source_message:
        source = (
            f":speech_balloon: Escalating {link(meta.source_message, 'this message')}; the case will link back to it."
        )
        blocks.append(
            ContextBlock(
                block_id="source_message", elements=[MarkdownTextObject(text=truncate(source, 3000))]
            ).to_dict()
        )
    blocks.append(
        parts.json(
            "picker",
            (flows, chosen, catalog),
            lambda: _flow_picker(
                [localize_flow(f, catalog) for f in flows], _localized(chosen, catalog), catalog
            ).to_dict(),
        )
    )
    if chosen is not None:
        blocks += parts.json(
            "head", (chosen, catalog), lambda: as_dicts(_flow_head(localize_flow(chosen, catalog), catalog))
        )
        blocks += as_dicts(intake_form_articles(articles, catalog=catalog))
        empty: list[dict[str, Any]] = parts.json("fields", (chosen, catalog), lambda: _empty_fields(chosen, catalog))
        for index, field in enumerate(chosen.fields):
            value = initial.get(field.id)
            if value is None and field.prefill_from_text and meta.text:
                value = truncate(meta.text, field.max_length or 3000)
            if value is None and field.role is not None and field.role.value in meta.prefill:
                value = truncate(meta.prefill[field.role.value], field.max_length or 3000)
            block = empty[index]
            if value is not None:  # the block as built once; its input element, with this value, built now
                shown = parts.shared("localized", (chosen, catalog), lambda: localize_flow(chosen, catalog))
                block["element"] = _element(shown.fields[index], shown, value, catalog).to_dict()
            blocks.append(block)
    else:
        blocks += parts.json(
            "pick_first",
            (catalog,),
            lambda: as_dicts(
                [ContextBlock(elements=[MarkdownTextObject(text=catalog.text("Pick a type to see its questions."))])]
            ),
        )
    private_metadata = replace(
        meta,
        shown_flow=chosen.id if chosen else None,
        duplicate_of=duplicate.id if duplicate else None,
        guides=tuple(hit.guide.id for hit in articles[:3]) if chosen else (),
    ).dump()
    shell: dict[str, Any] = parts.json("shell", (catalog, chosen is None), lambda: _shell(catalog, chosen is not None))
    _check_view(blocks, private_metadata)
    return {**shell, "blocks": blocks, "private_metadata": private_metadata}


def _localized(flow: Flow | None, catalog: Catalog) -> Flow | None:
    return localize_flow(flow, catalog) if flow is not None else None


def _flow_head(chosen: Flow, catalog: Catalog) -> list[Block]:
    """A flow's description and its "Read first" links (`chosen` localized)."""
    blocks: list[Block] = []
    if chosen.description:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=fit(chosen.description, 3000))]))
    if chosen.guidance:
        links = " · ".join(link(g.url, g.title) for g in chosen.guidance)
        text = truncate(catalog.text(":books: Read first: {links}").format(links=links), 3000)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=text)]))
    return blocks


def _empty_fields(chosen: Flow, catalog: Catalog) -> list[dict[str, Any]]:
    """Every field of `chosen` with nothing filled in, in order (the form shows these unless a value is known)."""
    shown = localize_flow(chosen, catalog)
    return as_dicts([_field_block(field, shown, None, catalog) for field in shown.fields])


def _shell(catalog: Catalog, chosen: bool) -> dict[str, Any]:
    """The view without its blocks and private_metadata: type, callback, title and buttons."""
    shell = View(
        type="modal",
        callback_id=ids.INTAKE_CALLBACK,
        title=truncate(catalog.text(TITLE), 24),
        submit=catalog.text("File escalation") if chosen else catalog.text("Next"),
        close=catalog.text("Cancel"),
        blocks=[DividerBlock()],  # View checks its blocks too: one stands in for the form's own
    ).to_dict()
    del shell["blocks"]
    return shell


def _check_view(blocks: Sequence[dict[str, Any]], private_metadata: str) -> None:
    """What View.to_dict checks of the parts that vary per request, with its words."""
    if not 0 < len(blocks) <= View.blocks_max_length:
        raise SlackObjectFormationError(f"views must contain between 1 and {View.blocks_max_length} blocks")
    if len(private_metadata) > View.private_metadata_max_length:
        raise SlackObjectFormationError(f"private_metadata cannot exceed {View.private_metadata_max_length} characters")


def build_filed_view(
    case: Case,
    flow: Flow,
    *,
    severity_label: str,
    articles: Sequence[Hit] = (),
    held_until: datetime | None = None,
    tz: ZoneInfo | None = None,
    catalog: Catalog = ENGLISH,
) -> dict[str, Any]:
    """What the modal turns into once the case is committed (with the articles that may answer it)."""
    filed = catalog.text(":white_check_mark: *{case}* is filed as *{severity}* ({flow}).").format(
        case=case.human_id, severity=escape_mrkdwn(severity_label), flow=escape_mrkdwn(catalog.text(flow.title))
    )
    posted = catalog.text(
        "It is being posted to {channel}; you will get a direct message with the link to its thread, and the "
        "outcome there."
    ).format(channel=f"<#{flow.channel_id}>")
    text = f"{filed}\n\n{posted}"
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=text))]
    blocks += filed_articles(case, articles, held_until=held_until, tz=tz or ZoneInfo("UTC"), catalog=catalog)
    return View(
        type="modal", title=truncate(catalog.text(TITLE), 24), close=catalog.text("Done"), blocks=blocks
    ).to_dict()


def build_following_view(case: Case, *, user_id: str | None = None, catalog: Catalog = ENGLISH) -> dict[str, Any]:
    """What the modal turns into when the rep follows an existing case (or adds to their own), in the rep's
    language."""
    t = catalog.text
    where = link(case.permalink, t("Open its thread")) if case.permalink else t("Its link comes in a direct message")
    about = _about(case, catalog)
    if user_id is not None and user_id == case.reporter_id:
        text = t(
            ":information_source: This is your own case, *{case}* ({about}). What you wrote is added to its "
            "thread. {where}."
        ).format(case=case.human_id, about=about, where=where)
    elif case.permalink:
        text = t(
            ":eyes: You now follow *{case}* ({about}). Your question goes to its thread; you get its link in a "
            "direct message and its outcome when it is resolved. {where}"
        ).format(case=case.human_id, about=about, where=where)
    else:
        text = t(
            ":eyes: You now follow *{case}* ({about}). Your question goes to its thread; you get its link now in "
            "a direct message and its outcome when it is resolved."
        ).format(case=case.human_id, about=about)
    return notice_modal(truncate(t(TITLE), 24), text, close=t("Done"))


def _about(case: Case, catalog: Catalog = ENGLISH) -> str:
    if case.sensitive:
        return catalog.text("sensitive case")
    return f"{escape_mrkdwn(case.advertiser)} / {escape_mrkdwn(case.campaign)}"
