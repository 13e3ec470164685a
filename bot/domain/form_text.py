"""The intake form in the rep's language: message catalogues keyed by the English text, as gettext does.

A catalogue (`escalation_flows/translations/<locale>.yaml`) maps each English string of the flows
(titles, descriptions, labels, hints, placeholders, option labels) and of the form's own words (the
error messages below, the confirmations) to its translation. Keyed by the English text, a label shared
by five flows is translated once, and a changed English label shows up as missing, not as a stale
translation. Whatever has no translation stays English.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from bot.domain.access import REFUSALS, REPORTER_WITHDRAWS, SENSITIVE_FOLLOW
from bot.domain.flow import Flow, IntakeField, Option
from bot.domain.lifecycle import TRANSITION_WORDS
from bot.domain.refusal import BUTTON_OUT_OF_DATE, CASE_GONE, GUIDE_GONE, GUIDE_GONE_CASE_OPEN, MENU_OUT_OF_DATE

# The form's own words; `{name}` parts are filled in after translation.
ERRORS = {
    "required": "{label} is required",
    "too_long": "Keep it under {max} characters (now {now})",
    "too_short": "Write at least {min} characters",
    "full_link": "Enter a full link starting with https://",
    "link_host": "Use a link on {hosts}",
    "pick_one": "Pick one of the options",
    "pick_from": "Pick from the options",
    "pick_datetime": "Pick a date and time",
    "past_deadline": "The deadline is in the past: pick a time from now on",
    "pick_date": "Pick a date",
    "pick_severity": "Pick one of the severities",
    "pick_type": "Pick an escalation type",
}
FORM_WORDS = (
    "Ads escalation",
    "Escalation type",
    "What kind of escalation is this?",
    "Pick a type to see its questions.",
    "File escalation",
    "Next",
    "Cancel",
    "Done",
    "Choose…",
    ":white_check_mark: *{case}* is filed as *{severity}* ({flow}).",
    "It is being posted to {channel}; you will get a direct message with the link to its thread, and the "
    "outcome there.",
)
# The rep's direct messages (filed, a question from the team, the outcome, following a case), the withdraw
# offer, the help texts, and refusals shown to the rep.
REP_WORDS = (
    "{case} is filed",
    ":white_check_mark: *{case}* is filed — {emoji} *{severity}* ({flow}).",
    "Follow it here: {link} in {channel}. The ads policy team answers in the thread, and you will get the "
    "outcome in this conversation.",
    "{case} thread",
    "{case}: the policy team needs more information",
    ":question: {who} needs more information on *{case}*{where}:",
    "thread",
    "Answer",
    "{case} is resolved: {outcome}",
    ":white_check_mark: *{case}* is resolved: *{outcome}*",
    "Policy: {ref}",
    "I have a follow-up",
    "Resolved",
    "Approved",
    "Approved with changes",
    "Rejected",
    "No violation found",
    "Referred to legal / policy",
    "Answered by guidance",
    "We could not save this just now. Nothing was filed: press the button again in a minute.",
    ":warning: Slack did not open the form ({error}). Please run {command} again.",
    "That button is out of date.",
    # The withdraw offer in the filed DM, and what the rep reads after pressing it.
    ":books: Nobody is paged before {when}. The article {article} may already answer your question: if it does, "
    "withdraw {case} and nobody will be.",
    "This answered it — withdraw",
    ":white_check_mark: *{case}* is withdrawn: {title} answered your question. Nobody was paged, and its thread "
    "says so. Thanks for checking the guidance!",
    ":information_source: Too late to withdraw *{case}*: {who} was paged already.",
    "the on-call specialist",
    "They are told in its thread that {title} answered your question.",
    ":information_source: *{case}* cannot be withdrawn: {owner} has it already.",
    ":information_source: *{case}* cannot be withdrawn: a specialist has it already.",
    "*{case}* is no longer open; nothing to withdraw.",
    # Following an existing case: the modal and the DM.
    ":eyes: You follow *{case}* ({about}). Its thread: {where}. You will get the outcome here.",
    "You follow {case}",
    ":eyes: You follow {case}; you will get its outcome in a direct message.",
    "the escalation channel",
    "sensitive case",
    "Open its thread",
    "Its link comes in a direct message",
    ":information_source: This is your own case, *{case}* ({about}). What you wrote is added to its thread. {where}.",
    ":eyes: You now follow *{case}* ({about}). Your question goes to its thread; you get its link in a direct "
    "message and its outcome when it is resolved. {where}",
    ":eyes: You now follow *{case}* ({about}). Your question goes to its thread; you get its link now in a direct "
    "message and its outcome when it is resolved.",
    # `/ad-escalate help` and `/ad-policy` with no question.
    "*{command}* opens the escalation form. Add words to prefill it: `{command} appeal Acme disapproved video` "
    "picks the appeal type and puts the rest in the question.",
    "Types: {types}",
    "`{command} mine` your open cases · `{command} find <advertiser or campaign>` · `{command} status {case}` "
    "its history · `{command} update {case} [message]` ask for an update",
    "*{command} <your question>* finds the policy guidance that answers it, e.g. "
    "`{command} can an alcohol brand run video ads in Singapore before 10 pm?`",
    "Still need a specialist? `{escalate}` opens an escalation.",
    # Policy guidance as the rep sees it: /ad-policy's answer, the articles in the form and after filing.
    "This answered it",
    ":memo: reviewed draft, not yet in the policy repo",
    "shown in English (no translation yet)",
    "reviewed {date}",
    ":globe_with_meridians: No {locale} translation of these articles yet: they are shown in English.",
    ":globe_with_meridians: Shown in {locale} where translated; the others are in English.",
    ":mag: *Policy guidance for* “{question}”",
    "{count} article(s) for your question",
    "No article answers this well yet. A specialist can: open an escalation below (your question is filled in), "
    "and the team will hear it is a gap worth writing up.",
    "Closest, but probably not it: {names}",
    "No article answers this well yet",
    "Still need help → open an escalation",
    ":white_check_mark: Glad the article{title} answered it. Nothing was escalated; thanks for saying so.",
    ":books: *These articles may already answer your question.* If one does, nothing needs filing.",
    ":white_check_mark: Glad the article{title} answered it. *Nothing was filed* and nobody is paged.",
    "Nobody is paged before {when}. If an article answers your question, say so and *{case}* is withdrawn: "
    "nobody will be paged.",
    "A specialist is being paged now. If an article answers your question, say so: the case is withdrawn if no "
    "page has gone out yet, otherwise the specialist is told in the thread.",
    ":books: *These articles may answer it.* {when}",
    "Withdraw the case?",
    "If nobody has been paged yet, {case} is closed as answered by this article.",
    "Withdraw",
    "Keep it open",
    ":books: Read first: {links}",
    # Lookups a rep runs: /ad-escalate mine, find, update.
    "{count} open case(s)",
    "The digest is for the ads policy team. Your open cases",
    "Your open cases",
    "_none_",
    "Give a part of an advertiser or campaign name: `{command} find acme`",
    "Cases matching “{text}” (last {days} days)",
    "{count} case(s)",
    "No case {word}; case ids look like {example}.",
    "(none given)",
    "Posted in the {case} thread; the team will answer there.",
)


# The refusals a rep can meet, answered in their language (bot/slack/refusals.py); the team's own
# refusals (rotas, guide review, paging) stay in the team's language.
REFUSAL_WORDS = (
    BUTTON_OUT_OF_DATE,
    MENU_OUT_OF_DATE,
    CASE_GONE,
    GUIDE_GONE,
    GUIDE_GONE_CASE_OPEN,
    *REFUSALS.values(),
    SENSITIVE_FOLLOW,
    REPORTER_WITHDRAWS,
    *TRANSITION_WORDS,
)


@dataclass(frozen=True, slots=True)
class Catalog:
    """One locale's translations; `text` gives the English back where none exists."""

    locale: str
    strings: Mapping[str, str]

    def text(self, english: str) -> str:
        return self.strings.get(english) or english


ENGLISH = Catalog("en", {})


def pick_catalog(catalogs: Mapping[str, Catalog], locale: str | None) -> Catalog:
    """The catalogue for `locale`: the exact one, else one of the same language, else English."""
    if not locale:
        return ENGLISH
    wanted = locale.replace("_", "-").lower()
    by_key = {k.lower(): c for k, c in catalogs.items()}
    if wanted in by_key:
        return by_key[wanted]
    language = wanted.split("-", 1)[0]
    same = sorted(k for k in by_key if k.split("-", 1)[0] == language)
    return by_key[same[0]] if same else ENGLISH


def _field(field: IntakeField, catalog: Catalog) -> IntakeField:
    return replace(
        field,
        label=catalog.text(field.label),
        hint=catalog.text(field.hint) if field.hint else "",
        placeholder=catalog.text(field.placeholder) if field.placeholder else "",
        options=tuple(Option(o.value, catalog.text(o.label)) for o in field.options),
    )


def localize_flow(flow: Flow, catalog: Catalog) -> Flow:
    """`flow` as the form shows it in `catalog`'s language (ids, values and rules unchanged)."""
    if catalog is ENGLISH or not catalog.strings:
        return flow
    return replace(
        flow,
        title=catalog.text(flow.title),
        description=catalog.text(flow.description) if flow.description else "",
        fields=tuple(_field(f, catalog) for f in flow.fields),
        severities=tuple(replace(s, label=catalog.text(s.label)) for s in flow.severities),
    )


def flow_strings(flows: Iterable[Flow]) -> set[str]:
    """Every English string the flows show in the form (what a catalogue should translate)."""
    found: set[str] = set(ERRORS.values()) | set(FORM_WORDS) | set(REP_WORDS) | set(REFUSAL_WORDS)
    for flow in flows:
        found |= {flow.title, flow.description} | {s.label for s in flow.severities}
        for field in flow.fields:
            found |= {field.label, field.hint, field.placeholder} | {o.label for o in field.options}
    return {s for s in found if s and not s.startswith(("https://", "http://"))}  # example links read alike


def catalog_gaps(catalog: Catalog, flows: Iterable[Flow]) -> tuple[list[str], list[str]]:
    """(missing, extra): English strings without a translation, and translations of strings no flow uses."""
    wanted = flow_strings(flows)
    return sorted(wanted - set(catalog.strings)), sorted(set(catalog.strings) - wanted)
