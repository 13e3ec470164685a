"""Salesforce record links: which record a Lightning or Classic URL points at, with its id checked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

# The first three characters of an id name the object; these are the ones reps link to.
KEY_PREFIXES: dict[str, str] = {
    "001": "Account",
    "003": "Contact",
    "006": "Opportunity",
    "00Q": "Lead",
    "701": "Campaign",
    "500": "Case",
    "800": "Contract",
    "801": "Order",
    "0Q0": "Quote",
}
_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
# Lightning: /lightning/r/<Object>/<id>/view (also /lightning/r/<id>/view, no object name).
_LIGHTNING = re.compile(r"^/lightning/r/(?:(?P<object>[A-Za-z_][A-Za-z0-9_]*)/)?(?P<id>[A-Za-z0-9]{15,18})(?:/|$)")
# Classic: the id is the whole first path segment (/006..., /006.../e).
_CLASSIC = re.compile(r"^/(?P<id>[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?)(?:/|$)")
_HOST_SUFFIXES = ("salesforce.com", "force.com")


class NotASalesforceRecord(ValueError):
    """The link is on a Salesforce host but does not name a record we can read."""


@dataclass(frozen=True, slots=True)
class SalesforceRecord:
    """A record a link points at: its object (Opportunity…) and its 18-character id."""

    object_type: str
    record_id: str  # always the 18-character form

    @property
    def short_id(self) -> str:
        return self.record_id[:15]


def checksum_suffix(id15: str) -> str:
    """The three characters Salesforce appends to a 15-character id: one per five characters, whose
    bits say which of them are upper-case (so the 18-character id survives case-insensitive systems)."""
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, char in enumerate(id15[start : start + 5]) if "A" <= char <= "Z")
        suffix += _SUFFIX_ALPHABET[bits]
    return suffix


def normalize_id(raw: str) -> str:
    """The 18-character form of a 15- or 18-character id; raise if the shape or checksum is wrong."""
    if not _ID.fullmatch(raw):
        raise NotASalesforceRecord("A Salesforce id has 15 or 18 letters and digits")
    suffix = checksum_suffix(raw[:15])
    if len(raw) == 18 and raw[15:].upper() != suffix:
        raise NotASalesforceRecord("That Salesforce id is mistyped (its last three characters do not match)")
    return raw[:15] + suffix


def is_salesforce_host(host: str) -> bool:
    host = host.lower()
    return any(host == h or host.endswith("." + h) for h in _HOST_SUFFIXES)


def parse_record_link(url: str) -> SalesforceRecord:
    """The record a Lightning (`/lightning/r/Opportunity/006…/view`) or Classic (`/006…`) link opens."""
    parts = urlsplit(url.strip())
    path = unquote(parts.path)
    lightning = _LIGHTNING.match(path)
    match = lightning or _CLASSIC.match(path)
    if match is None:
        raise NotASalesforceRecord("Link to the record itself (an opportunity, account or campaign page)")
    record_id = normalize_id(match.group("id"))
    by_prefix = KEY_PREFIXES.get(record_id[:3])
    named = lightning.group("object") if lightning else None
    if named and by_prefix and named.lower() != by_prefix.lower():
        raise NotASalesforceRecord(f"That link says {named} but its id is of a {by_prefix}")
    object_type = named or by_prefix
    if object_type is None:
        raise NotASalesforceRecord("That Salesforce id is not of a record type we know")
    return SalesforceRecord(object_type=object_type, record_id=record_id)


def salesforce_id_in(text: str) -> str | None:
    """The 18-character record id `text` names, as a bare id or a record link; None if it names none."""
    text = text.strip()
    try:
        if text.startswith(("http://", "https://")):
            return parse_record_link(text).record_id
        record_id = normalize_id(text)
    except NotASalesforceRecord:
        return None
    return record_id if record_id[:3] in KEY_PREFIXES else None
