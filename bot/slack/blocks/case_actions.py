"""Modals for lifecycle actions, the rep's DMs (question, outcome), and thread lines for each action."""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.domain.case import Case
from bot.domain.flow import Flow
from bot.domain.form_text import ENGLISH, Catalog
from bot.domain.lifecycle import RESOLVE_OUTCOMES, Action, Outcome
from bot.services.ports import ThreadNote
from bot.slack import ids
from bot.slack.blocks.case_message import case_headline
from bot.slack.blocks.parts import md, option, select_input, user_input
from bot.slack.escape import escape_mrkdwn, fit, link, split_for_sections

TITLES = {
    Action.REASSIGN: "Reassign",
    Action.CHANGE_SEVERITY: "Change severity",
    Action.ADD_NOTE: "Add a note",
    Action.REQUEST_INFO: "Ask the rep",
    Action.WAIT_ON_PARTNER: "Partner team",
    Action.RESOLVE: "Resolve",
    Action.REOPEN: "Reopen",
    Action.REP_REPLIED: "Answer",
}


def _text_input(label: str, *, required: bool = True, placeholder: str = "", initial: str = "") -> InputBlock:
    return InputBlock(
        block_id=ids.CASE_TEXT_BLOCK,
        label=label,
        optional=not required,
        element=PlainTextInputElement(
            action_id=ids.FIELD_ACTION,
            multiline=True,
            max_length=3000,
            placeholder=placeholder or None,
            initial_value=initial or None,
        ),
    )


def build_action_modal(case: Case, flow: Flow, action: Action) -> dict[str, Any]:
    """The modal that asks what an action needs; private_metadata carries the case and the action."""
    blocks: list[Block] = [SectionBlock(text=md(f"*{case_headline(case, flow)}*"))]
    if action is Action.REASSIGN:
        blocks.append(user_input(ids.CASE_USER_BLOCK, "New owner"))
    elif action is Action.CHANGE_SEVERITY:
        options = [
            option(s.id, f"{s.emoji} {s.label}", emoji=True) for s in flow.severities if s.id != case.severity_id
        ]
        blocks.append(select_input(ids.CASE_SEVERITY_BLOCK, "New severity", options))
        blocks.append(_text_input("Why?", placeholder="The reason is kept in the case history"))
    elif action is Action.ADD_NOTE:
        blocks.append(_text_input("Note for the thread"))
    elif action is Action.REQUEST_INFO:
        blocks.append(
            _text_input(
                "What do you need from the rep?", placeholder="They get a DM; their answer lands in this thread"
            )
        )
    elif action is Action.WAIT_ON_PARTNER:
        blocks.append(_text_input("Which team, and what for?"))
    elif action is Action.RESOLVE:
        outcomes = [Option(value=o.value, text=PlainTextObject(text=o.label)) for o in RESOLVE_OUTCOMES]
        blocks.append(
            InputBlock(
                block_id=ids.CASE_OUTCOME_BLOCK,
                label="Outcome",
                element=RadioButtonsElement(action_id=ids.FIELD_ACTION, options=outcomes),
            )
        )
        blocks.append(_text_input("Guidance for the rep", placeholder="What they can tell the advertiser, and do next"))
        blocks.append(
            InputBlock(
                block_id=ids.CASE_POLICY_BLOCK,
                label="Policy reference",
                optional=True,
                element=PlainTextInputElement(
                    action_id=ids.FIELD_ACTION, max_length=500, placeholder="Policy name or link"
                ),
            )
        )
        worth = Option(
            value=ids.WORTH_A_GUIDE,
            text=PlainTextObject(text="Worth a guide"),
            description=PlainTextObject(text="Draft a policy guide from this case for the leads to review"),
        )
        if not case.sensitive:  # a guide is published text: a sensitive case is never drafted into one
            blocks.append(
                InputBlock(
                    block_id=ids.CASE_GUIDE_BLOCK,
                    label="Policy guidance",
                    optional=True,
                    element=CheckboxesElement(action_id=ids.FIELD_ACTION, options=[worth]),
                )
            )
    elif action in (Action.REOPEN, Action.REP_REPLIED):
        label = "What is still open?" if action is Action.REOPEN else "Your answer"
        blocks.append(_text_input(label))
    return View(
        type="modal",
        callback_id=ids.CASE_ACTION_CALLBACK,
        title=TITLES.get(action, "Case"),
        submit="Save",
        close="Cancel",
        private_metadata=json.dumps({"case_id": case.id, "action": action.value}),
        blocks=blocks,
    ).to_dict()


def build_refusal_view(reason: str) -> dict[str, Any]:
    """What replaces a case form the person may not use."""
    return View(
        type="modal",
        title=PlainTextObject(text="Not allowed"),
        close=PlainTextObject(text="Close"),
        blocks=[SectionBlock(text=md(f":no_entry: {fit(reason, 2900)}"))],
    ).to_dict()


def build_rep_question(
    case: Case, flow: Flow, *, question: str, asked_by: str, catalog: Catalog = ENGLISH
) -> tuple[str, list[dict[str, Any]]]:
    """The DM that asks the rep for information, with a button to answer (the team's words as typed)."""
    t = catalog.text
    where = f" ({link(case.permalink, t('thread'))})" if case.permalink else ""
    asks = t(":question: {who} needs more information on *{case}*{where}:").format(
        who=f"<@{asked_by}>", case=case.human_id, where=where
    )
    text = f"{asks}\n>{fit(question, 2500)}"
    answer = ButtonElement(text=t("Answer"), action_id=ids.REP_REPLY_ACTION, value=str(case.id), style="primary")
    blocks: list[Block] = [SectionBlock(text=md(text)), ActionsBlock(elements=[answer])]
    return t("{case}: the policy team needs more information").format(case=case.human_id), [b.to_dict() for b in blocks]


def build_outcome(
    case: Case, flow: Flow, *, full: bool = True, may_reopen: bool = True, catalog: Catalog = ENGLISH
) -> tuple[str, list[dict[str, Any]]]:
    """The DM every rep on the case gets when it is resolved, in plain words and the rep's language (the
    team's guidance as written). Without `full` (a sensitive case, told to someone outside the team) it
    names the outcome only; without `may_reopen` there is no follow-up button (followers add information
    in the thread instead)."""
    t = catalog.text
    outcome = t(Outcome(case.outcome).label if case.outcome else "Resolved")
    about = (
        ":lock: sensitive case — details in the restricted channel"
        if case.sensitive and not full
        else f"{fit(case.advertiser, 100)} / {fit(case.campaign, 100)}"
    )
    resolved = t(":white_check_mark: *{case}* is resolved: *{outcome}*").format(case=case.human_id, outcome=outcome)
    blocks: list[Block] = [SectionBlock(text=md(f"{resolved}\n{about}"))]
    shown = full or not case.sensitive
    for chunk in split_for_sections(escape_mrkdwn(case.guidance or "")) if case.guidance and shown else []:
        blocks.append(SectionBlock(text=md(chunk)))
    if case.policy_ref and shown:
        blocks.append(SectionBlock(text=md(t("Policy: {ref}").format(ref=fit(case.policy_ref, 400)))))
    if may_reopen:
        follow_up = ButtonElement(text=t("I have a follow-up"), action_id=ids.REP_FOLLOW_UP_ACTION, value=str(case.id))
        blocks.append(ActionsBlock(elements=[follow_up]))
    return t("{case} is resolved: {outcome}").format(case=case.human_id, outcome=outcome), [
        b.to_dict() for b in blocks[:50]
    ]


def lifecycle_note(note: ThreadNote, *, tz: ZoneInfo) -> str | None:
    """A thread line for a lifecycle action, or None if the kind is not one."""
    who = ", ".join(f"<@{u}>" for u in note.users[:1])
    other = f"<@{note.users[1]}>" if len(note.users) > 1 else ""
    said = f"\n>{fit(note.text, 2500)}" if note.text else ""
    lines = {
        Action.TAKE.value: f":raising_hand: {who} took this case and is investigating.",
        Action.REASSIGN.value: f":arrow_right: {who} reassigned this case to {other}.",
        Action.CHANGE_SEVERITY.value: (
            f":arrows_counterclockwise: {who} changed the severity to *{escape_mrkdwn(note.detail)}*:{said}"
        ),
        Action.ADD_NOTE.value: f":memo: {who}:{said}",
        Action.REQUEST_INFO.value: f":question: {who} asked the rep (the resolve clock is paused):{said}",
        Action.REP_REPLIED.value: f":speech_balloon: {who} answered:{said}",
        Action.WAIT_ON_PARTNER.value: f":hourglass: {who} is waiting on a partner team:{said}",
        Action.RESUME.value: f":arrow_forward: {who} resumed work on this case.",
        Action.RESOLVE.value: f":white_check_mark: {who} resolved this case:{said}",
        Action.REOPEN.value: f":leftwards_arrow_with_hook: {who} reopened this case:{said}",
        Action.CLOSE.value: f":lock: {who} closed this case.",
        Action.WITHDRAW.value: (
            f":books: {who} withdrew this case before anyone was paged: the guide "
            f"*{fit(note.detail, 150)}* answered the question."
        ),
    }
    return lines.get(note.kind)
