"""files.getUploadURLExternal → POST the bytes to the upload URL → files.completeUploadExternal, as
Slack documents them (files.upload is retired). What the stand-in checks: `filename` and a positive
`length` (0 is `missing_argument`), `alt_txt` at most 1000 characters (`alt_txt_too_large`), one upload
per URL, the bytes received equal to the `length` declared, and at completion every file uploaded
(`file_not_found` otherwise), the channel one the bot is in. A completed upload shared to a channel
becomes a message carrying the file (with its title and alt text)."""

from __future__ import annotations

import copy
import json
from typing import Any

from slack_standin.state import SandboxState
from slack_standin.web_api.args import Args
from slack_standin.web_api.errors import ApiError
from slack_standin.workspace.files import UPLOAD_PREFIX, FileStore

__all__ = ["UPLOAD_PREFIX", "complete_upload", "files_of", "get_upload_url"]
ALT_TEXT_LIMIT = 1000


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
