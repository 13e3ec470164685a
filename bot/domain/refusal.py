"""A refusal: someone asked for something that cannot be done, and nothing changed.

Services (and the domain rules they ask) raise a `Refusal`; the Slack app turns every one into one
answer to the person who asked, in one place (bot/slack/refusals.py, hooked into bot/slack/app.py), in
their Slack locale where a catalogue translates it. So a refusal carries its English message as a
template (the catalogue key, as the intake form's words are) and the parts to fill in; parts named in
`words` are catalogue strings themselves (a status, a verb) and are translated too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

Param = str | datetime  # a moment is shown the way the surface shows moments (Slack: in the reader's zone)


def _same(text: str) -> str:
    return text


def _iso(at: datetime) -> str:
    return at.isoformat()


class Refusal(Exception):
    """Not done, and why, in words the person understands; `field` names the form field at fault."""

    emoji = ":no_entry: "  # how the answer starts (a stale button is not a "no")

    def __init__(
        self,
        message: str,
        params: Mapping[str, Param] | None = None,
        *,
        words: frozenset[str] = frozenset(),
        field: str | None = None,
    ) -> None:
        self.message = message
        self.params: Mapping[str, Param] = dict(params or {})
        self.words = words
        self.field = field
        super().__init__(self.render())

    def render(self, translate: Callable[[str], str] = _same, *, date: Callable[[datetime], str] = _iso) -> str:
        """The message in a language (`translate` maps an English string to it; English by default),
        moments written by `date`."""
        template = translate(self.message)
        # Its words are translated with it, never alone (no English sentence around a foreign word).
        words = self.words if template != self.message else frozenset()
        filled = {
            k: date(v) if isinstance(v, datetime) else translate(v) if k in words else v for k, v in self.params.items()
        }
        return template.format(**filled) if filled else template


class Stale(Refusal):
    """What a button, menu or form pointed at is gone or has changed since it was shown."""

    emoji = ""


# The stale answers, each once (they were written at every listener that met them).
BUTTON_OUT_OF_DATE = "That button is out of date."
MENU_OUT_OF_DATE = "That menu is out of date."
CASE_GONE = "That case no longer exists."
GUIDE_GONE = "That article is no longer in the policy guides."
GUIDE_GONE_CASE_OPEN = "That article is no longer in the policy guides; the case stays open."
DRAFT_GONE = "That draft no longer exists."
SHIFT_NOT_YOURS = "That shift is no longer yours."
SHIFT_NOT_THEIRS = "That shift is no longer theirs."  # a colleague's shift someone offered to take
SCHEDULE_GONE = "That schedule no longer exists."
OVERRIDE_GONE = "That override no longer exists."

STALE_MESSAGES = (
    BUTTON_OUT_OF_DATE,
    MENU_OUT_OF_DATE,
    CASE_GONE,
    GUIDE_GONE,
    GUIDE_GONE_CASE_OPEN,
    DRAFT_GONE,
    SHIFT_NOT_YOURS,
    SHIFT_NOT_THEIRS,
    SCHEDULE_GONE,
    OVERRIDE_GONE,
)
