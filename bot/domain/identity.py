"""The shape of the ids people and places have in Slack, and names made safe to show.

Ids are checked before they are stored or rendered: a `selected_user` of `U0X> <!channel` is not a
person, and would ping a whole channel if it were written into a message as `<@…>`.
"""

from __future__ import annotations

import re

# Slack's ids: an upper-case letter naming the kind, then upper-case letters and digits.
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,20}$")
TEAM_ID = re.compile(r"^[TE][A-Z0-9]{2,20}$")
USERGROUP_ID = re.compile(r"^S[A-Z0-9]{2,20}$")

# Bidirectional overrides and isolates (they reorder what a reader sees: "‮gpj.exe" shows as
# "exe.jpg") and zero-width characters (they make two names look the same and differ).
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u061c\u202a-\u202e\u2066-\u2069]")


def is_user_id(value: object) -> bool:
    return isinstance(value, str) and USER_ID.match(value) is not None


def is_channel_id(value: object) -> bool:
    return isinstance(value, str) and CHANNEL_ID.match(value) is not None


def is_team_id(value: object) -> bool:
    return isinstance(value, str) and TEAM_ID.match(value) is not None


def visible(text: str) -> str:
    """`text` without bidi-override and zero-width control characters."""
    return _INVISIBLE.sub("", text)
