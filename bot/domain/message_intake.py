"""Prefilling the intake form from a message someone chose to escalate: its flow, advertiser, campaign, link."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.domain.flow import FieldRole, Flow
from bot.domain.salesforce import NotASalesforceRecord, is_salesforce_host, parse_record_link

_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")
_NAME = r"([^\n,;:.!?()\[\]]{2,80}?)"
_END = r"\s*(?:$|[\n,;.!?()\u2013\u2014]|\s-\s)"  # a dash (en, em or spaced hyphen) ends a name too
_ADVERTISER = [
    re.compile(r"\b(?:advertiser|client|brand|account)\s*[:=-]\s*" + _NAME + _END, re.IGNORECASE),
    re.compile(r"\b(?:advertiser|client|brand)\s+(?:is\s+)?([A-Z][\w&'.-]*(?:\s+[A-Z][\w&'.-]*){0,3})"),
]
_CAMPAIGN = [
    re.compile(r"\bcampaign\s*[:=-]\s*" + _NAME + _END, re.IGNORECASE),
    re.compile(r"([A-Z][\w&'.-]*(?:\s+[A-Z][\w&'.-]*){0,3})'s\s+([\w&' -]{2,60}?)\s+campaign\b"),
    re.compile(r"\bcampaign\s+[\"“']([^\"”']{2,80})[\"”']", re.IGNORECASE),
]
_URL = re.compile(r"https?://[^\s<>|]+")


def guess_flow(flows: Sequence[Flow], *, channel_id: str | None, text: str) -> Flow | None:
    """The flow whose channel the message is in (when only one flow uses it), else the flow whose aliases
    the message's words name most often; None when nothing or a tie points at one."""
    if channel_id:
        here = [f for f in flows if f.channel_id == channel_id]
        if len(here) == 1:
            return here[0]
    words = [w.casefold() for w in _WORD.findall(text)]
    joined = " " + " ".join(words) + " "
    scores = []
    for flow in flows:
        names = {a.casefold() for a in flow.aliases}
        scores.append(sum(joined.count(f" {name} ") for name in names if name))
    best = max(scores, default=0)
    if best == 0 or scores.count(best) > 1:
        return None
    return flows[scores.index(best)]


def suggest_names(text: str) -> tuple[str, str]:
    """(advertiser, campaign) where the message names them ("advertiser: Acme", "Acme's spring campaign");
    empty strings where it does not."""
    advertiser = campaign = ""
    for pattern in _CAMPAIGN:
        match = pattern.search(text)
        if match:
            if match.lastindex == 2:
                advertiser, campaign = match.group(1).strip(), match.group(2).strip()
            else:
                campaign = match.group(1).strip()
            break
    for pattern in _ADVERTISER:
        match = pattern.search(text)
        if match:
            advertiser = match.group(1).strip()
            break
    return advertiser, campaign


def salesforce_link_in(text: str) -> str | None:
    """The first link in `text` that opens a Salesforce record, if any."""
    for url in map(str, _URL.findall(text)):
        host = re.sub(r"^https?://", "", url).split("/", 1)[0].split(":", 1)[0]
        if not is_salesforce_host(host):
            continue
        try:
            parse_record_link(url)
        except NotASalesforceRecord:
            continue
        return url
    return None


def prefill_from_message(text: str) -> dict[str, str]:
    """Values to suggest in the form, by field role (`advertiser`, `campaign`, `salesforce`)."""
    advertiser, campaign = suggest_names(text)
    found = {FieldRole.ADVERTISER.value: advertiser, FieldRole.CAMPAIGN.value: campaign}
    link = salesforce_link_in(text)
    if link:
        found[FieldRole.SALESFORCE.value] = link
    return {role: value for role, value in found.items() if value}
