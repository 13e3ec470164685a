"""files.getUploadURLExternal → POST the bytes to the upload URL → files.completeUploadExternal, as
Slack documents them (files.upload is retired). What the stand-in checks: `filename` and a positive
`length` (0 is `missing_argument`), `alt_txt` at most 1000 characters (`alt_txt_too_large`), one upload
per URL, the bytes received equal to the `length` declared, and at completion every file uploaded
(`file_not_found` otherwise), the channel one the bot is in. A completed upload shared to a channel
becomes a message carrying the file (with its title and alt text).

An image block or element that shows an uploaded file (`slack_file`, in messages, modals and Home tabs)
is checked as Slack documents the Slack file object: `image_url` or `slack_file`, not both; the file
named by `id` or by `url` (its `url_private` or permalink), not both; a completed upload the bot can
see; and an image (png, jpg, jpeg or gif)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

from slack_standin.blockkit.specs import problem
from slack_standin.state import SandboxState
from slack_standin.web_api.args import Args
from slack_standin.web_api.errors import ApiError
from slack_standin.workspace.files import UPLOAD_PREFIX, FileStore

__all__ = ["UPLOAD_PREFIX", "complete_upload", "files_of", "get_upload_url", "slack_file_problems"]
ALT_TEXT_LIMIT = 1000
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif")


def files_of(state: SandboxState) -> FileStore:
    return state.files


def get_upload_url(state: SandboxState, args: Args) -> dict[str, Any]:
    """files.getUploadURLExternal."""
    filename = args.need_text("filename", error="invalid_arguments")
    length = args.number("length", default=0)
    if length <= 0:
        raise ApiError("missing_argument")
    alt_txt = args.text("alt_txt")
    if alt_txt is not None and len(alt_txt) > ALT_TEXT_LIMIT:
        raise ApiError("alt_txt_too_large")
    store = files_of(state)
    file = store.new(filename, length, alt_txt)
    return {"upload_url": f"{store.base_url.rstrip('/')}{UPLOAD_PREFIX}{file.id}", "file_id": file.id}


def complete_upload(state: SandboxState, args: Args) -> dict[str, Any]:
    """files.completeUploadExternal: finish the uploads and share them (to `channel_id`, if given)."""
    raw = args.values.get("files")
    try:
        listed = json.loads(raw) if isinstance(raw, str) else raw  # a JSON string in a form body, as the SDK sends
    except ValueError:
        raise ApiError("invalid_arguments", messages=["[ERROR] files is not valid JSON"]) from None
    if not isinstance(listed, list) or not listed:
        raise ApiError("invalid_arguments")
    store = files_of(state)
    channel_ref = args.text("channel_id")
    channel = state.joined(channel_ref) if channel_ref else None
    done = []
    with store.lock:
        for item in listed:
            file = store.files.get(str(item.get("id"))) if isinstance(item, dict) else None
            if file is None or file.content is None or file.completed:
                raise ApiError("file_not_found")
            done.append((file, str(item.get("title") or file.filename)))
        for file, _ in done:
            file.completed = True
    shared = [
        {
            "id": file.id,
            "title": title,
            "name": file.filename,
            "size": file.length,
            "alt_txt": file.alt_txt,
            "mimetype": "image/png" if file.filename.endswith(".png") else "application/octet-stream",
            "url_private": store.url_private(file),
            "permalink": store.permalink(file),
        }
        for file, title in done
    ]
    if channel is not None:
        from slack_standin.web_api.chat import _new_message

        body: dict[str, Any] = {"text": args.text("initial_comment") or "", "files": copy.deepcopy(shared)}
        thread_ts = args.text("thread_ts")
        if thread_ts:
            body["thread_ts"] = state.workspace.messages.thread_root(channel.id, thread_ts) or thread_ts
        with state.lock:
            state.workspace.messages.add(channel.id, _new_message(state, body))
    return {"files": [{"id": f["id"], "title": f["title"]} for f in shared]}


def _images(blocks: Any, path: str) -> Iterator[tuple[dict[str, Any], str]]:
    """Every image block and image element in `blocks`, with its JSON pointer."""
    if not isinstance(blocks, list):
        return
    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        where = f"{path}/{index}"
        if block.get("type") == "image":
            yield block, where
        accessory = block.get("accessory")
        if isinstance(accessory, dict) and accessory.get("type") == "image":
            yield accessory, f"{where}/accessory"
        if block.get("type") == "context" and isinstance(block.get("elements"), list):
            for n, element in enumerate(block["elements"]):
                if isinstance(element, dict) and element.get("type") == "image":
                    yield element, f"{where}/elements/{n}"


def slack_file_problems(state: SandboxState, blocks: Any, path: str) -> list[str]:
    """What Slack refuses about the images of `blocks` that show uploaded files (empty when none)."""
    store = files_of(state)
    found: list[str] = []
    for image, where in _images(blocks, path):
        ref = image.get("slack_file")
        if ref is None:
            continue
        if "image_url" in image:
            found.append(problem("must provide either image_url or slack_file, not both", where))
            continue
        if not isinstance(ref, dict) or ("id" in ref) == ("url" in ref):
            found.append(problem("slack_file must have exactly one of id or url", f"{where}/slack_file"))
            continue
        with store.lock:
            if "id" in ref:
                file = store.files.get(str(ref["id"]))
            else:
                file = next(
                    (f for f in store.files.values() if ref["url"] in (store.url_private(f), store.permalink(f))), None
                )
        if file is None or not file.completed:
            found.append(
                problem("invalid slack_file: no such file, or not one this app can see", f"{where}/slack_file")
            )
        elif not file.filename.lower().endswith(IMAGE_SUFFIXES):
            found.append(problem("slack_file must be a png, jpg, jpeg or gif image", f"{where}/slack_file"))
    return found
