"""Render Block Kit messages and views as plain text, for the demo's transcript."""

from __future__ import annotations

import re
import textwrap
from datetime import UTC, datetime
from typing import Any

_DATE = re.compile(r"<!date\^(\d+)\^[^|>]*\|([^>]*)>")
_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
_USER = re.compile(r"<@(\w+)>")
_CHANNEL = re.compile(r"<#(\w+)>")


def plain(text: str, names: dict[str, str] | None = None) -> str:
    """Slack mrkdwn to readable text: dates, links, mentions and escapes resolved."""
    names = names or {}
    text = _DATE.sub(lambda m: m.group(2), text)
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    text = _USER.sub(lambda m: "@" + names.get(m.group(1), m.group(1)), text)
    text = _CHANNEL.sub(lambda m: "#" + names.get(m.group(1), m.group(1)), text)
    text = text.replace("*", "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return text


def _text(obj: Any, names: dict[str, str]) -> str:
    if isinstance(obj, dict):
        return plain(str(obj.get("text", "")), names)
    return plain(str(obj or ""), names)


def _element_line(element: dict[str, Any], names: dict[str, str]) -> str:
    kind = element.get("type", "")
    if kind == "button":
        return f"[ {_text(element.get('text'), names)} ]"
    if kind.endswith("select") or kind == "radio_buttons":
        chosen = element.get("initial_option")
        options = [_text(o.get("text"), names) for o in element.get("options", [])]
        if chosen:
            return f"▾ {_text(chosen.get('text'), names)}"
        return "▾ " + (" / ".join(options[:6]) + (" …" if len(options) > 6 else "") if options else "choose…")
    if kind == "datetimepicker":
        stamp = element.get("initial_date_time")
        return f"📅 {datetime.fromtimestamp(stamp, UTC):%Y-%m-%d %H:%M} UTC" if stamp else "📅 pick date and time"
    if kind == "checkboxes":
        return "☐ " + " ".join(_text(o.get("text"), names) for o in element.get("options", []))
    initial = element.get("initial_value")
    placeholder = element.get("placeholder")
    return f"✎ {initial}" if initial else f"✎ ({_text(placeholder, names) or 'type here'})"


def render_blocks(blocks: list[dict[str, Any]], names: dict[str, str] | None = None, indent: str = "  ") -> str:
    """Each block as a few lines of text."""
    names = names or {}
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind in ("section", "header"):
            if block.get("text"):
                lines.extend(_text(block["text"], names).splitlines())
            for field in block.get("fields", []):
                lines.append(" · ".join(_text(field, names).splitlines()))
        elif kind == "context":
            lines.append("  " + " ".join(_text(e, names) for e in block.get("elements", [])))
        elif kind == "actions":
            lines.append("  " + "  ".join(_element_line(e, names) for e in block.get("elements", [])))
        elif kind == "input":
            required = "" if block.get("optional") else " *"
            label = _text(block.get("label"), names)
            lines.append(f"{label}{required}: {_element_line(block.get('element', {}), names)}")
        elif kind == "divider":
            lines.append("─" * 40)
    wrapped = []
    for line in lines:
        wrapped.extend(textwrap.wrap(line, 100, subsequent_indent="    ") or [""])
    return "\n".join(indent + line for line in wrapped)


def render_view(view: dict[str, Any], names: dict[str, str] | None = None) -> str:
    """A modal: its title, its blocks and its buttons."""
    title = _text(view.get("title"), names or {})
    submit = _text(view.get("submit"), names or {}) if view.get("submit") else None
    footer = f"  [ {_text(view.get('close'), names or {}) or 'Close'} ]" + (f"  [ {submit} ]" if submit else "")
    return f"  ┌ {title}\n{render_blocks(view.get('blocks', []), names, indent='  │ ')}\n{footer}"
