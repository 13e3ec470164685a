"""Finding interactive elements in blocks and computing a view's current `state.values`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from slack_standin.blockkit.state_values import SHAPES, initial

Block = dict[str, Any]


def block_id_of(block: Block, index: int) -> str:
    """A block's id; Slack invents one for blocks sent without it."""
    return str(block.get("block_id") or f"auto{index}")


def iter_elements(blocks: list[Block]) -> Iterator[tuple[str, Block, dict[str, Any]]]:
    """Every interactive element as (block_id, block, element)."""
    for index, block in enumerate(blocks):
        block_id = block_id_of(block, index)
        candidates = list(block.get("elements") or []) if block.get("type") == "actions" else []
        candidates += [block[key] for key in ("accessory", "element") if isinstance(block.get(key), dict)]
        for element in candidates:
            if isinstance(element, dict) and "action_id" in element:
                yield block_id, block, element


def find_element(blocks: list[Block], action_id: str, block_id: str | None = None) -> tuple[str, Block, dict[str, Any]]:
    """The one element with `action_id` (in `block_id` if given); a loud error if none or several."""
    matches = [
        (bid, block, element)
        for bid, block, element in iter_elements(blocks)
        if element.get("action_id") == action_id and block_id in (None, bid)
    ]
    if len(matches) == 1:
        return matches[0]
    known = [(bid, e.get("action_id")) for bid, _, e in iter_elements(blocks)]
    problem = "several elements match" if matches else "no element matches"
    raise LookupError(f"{problem} action_id={action_id!r} block_id={block_id!r}; elements: {known}")


def input_elements(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The view's input blocks: block_id → element."""
    return {
        block_id_of(block, index): block["element"]
        for index, block in enumerate(view.get("blocks", []))
        if block.get("type") == "input" and isinstance(block.get("element"), dict)
    }


def current_state(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """What Slack reports as `state.values`: entered values, else initial ones for inputs."""
    stored = view.get("state", {}).get("values", {})
    state: dict[str, dict[str, Any]] = {}
    for block_id, block, element in iter_elements(view.get("blocks", [])):
        action_id = element["action_id"]
        entry = stored.get(block_id, {}).get(action_id)
        if entry is None and block.get("type") == "input" and element.get("type") in SHAPES:
            entry = initial(element)
        if entry is not None:
            state.setdefault(block_id, {})[action_id] = entry
    return state
