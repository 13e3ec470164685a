"""The stand-in's file upload, as Slack documents it: getUploadURLExternal, POST the bytes, completeUploadExternal."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_standin import SlackStandIn

PNG = b"\x89PNG\r\n\x1a\n" + b"chart" * 100


def post(url: str, body: bytes) -> int:
    request = urllib.request.Request(url, data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)


def test_three_steps_share_the_file_with_its_alt_text_in_the_channel(standin: SlackStandIn, client: WebClient):
    got = client.files_getUploadURLExternal(filename="cases.png", length=len(PNG), alt_txt="Cases per day")
    assert post(got["upload_url"], PNG) == 200
    done = client.files_completeUploadExternal(
        files=[{"id": got["file_id"], "title": "Cases per day"}], channel_id="C0LEADS", initial_comment="Weekly charts"
    )
    assert done["files"] == [{"id": got["file_id"], "title": "Cases per day"}]
    [message] = [m for m in standin.messages("C0LEADS") if m.get("files")]
    assert message["text"] == "Weekly charts"
    assert message["files"][0]["alt_txt"] == "Cases per day" and message["files"][0]["mimetype"] == "image/png"
    assert [c.method for c in standin.calls() if c.method.startswith("files.")] == [
        "files.getUploadURLExternal",
        "files.upload_url",
        "files.completeUploadExternal",
    ]


def test_the_sdks_upload_v2_works_against_it(standin: SlackStandIn, client: WebClient):
    client.files_upload_v2(content=PNG, filename="x.png", title="X", channel="C0LEADS", alt_txt="an x")
    assert any(m.get("files") for m in standin.messages("C0LEADS"))


def test_what_slack_refuses(standin: SlackStandIn, client: WebClient):
    with pytest.raises(SlackApiError, match="missing_argument"):
        client.files_getUploadURLExternal(filename="a.png", length=0)
    with pytest.raises(SlackApiError, match="alt_txt_too_large"):
        client.files_getUploadURLExternal(filename="a.png", length=3, alt_txt="x" * 1001)
    got = client.files_getUploadURLExternal(filename="a.png", length=len(PNG))
    with pytest.raises(SlackApiError, match="file_not_found"):  # completed before its bytes arrived
        client.files_completeUploadExternal(files=[{"id": got["file_id"]}], channel_id="C0LEADS")
    assert post(got["upload_url"], PNG[:-1]) == 400  # not the length declared
    assert post(got["upload_url"], PNG) == 200
    assert post(got["upload_url"], PNG) == 400  # one upload per URL
    with pytest.raises(SlackApiError, match="channel_not_found"):
        client.files_completeUploadExternal(files=[{"id": got["file_id"]}], channel_id="C0NOPE")
