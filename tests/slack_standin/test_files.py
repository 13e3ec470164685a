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


def upload(client: WebClient, filename: str, *, complete: bool = True) -> str:
    got = client.files_getUploadURLExternal(filename=filename, length=len(PNG))
    assert post(got["upload_url"], PNG) == 200
    if complete:
        client.files_completeUploadExternal(files=[{"id": got["file_id"], "title": filename}], channel_id="C0LEADS")
    return str(got["file_id"])


def home_with(image: dict[str, object]) -> dict[str, object]:
    return {"type": "home", "blocks": [{"type": "image", "alt_text": "a chart", **image}]}


def test_a_home_tab_shows_an_uploaded_image_by_its_slack_file_id_or_url(standin: SlackStandIn, client: WebClient):
    file_id = upload(client, "chart.png")
    client.views_publish(user_id="U0LEAD1", view=home_with({"slack_file": {"id": file_id}}))
    shared = next(m for m in standin.messages("C0LEADS") if m.get("files"))["files"][0]
    client.views_publish(user_id="U0LEAD1", view=home_with({"slack_file": {"url": shared["url_private"]}}))
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}
    accessory = section | {"accessory": {"type": "image", "alt_text": "x", "slack_file": {"id": file_id}}}
    client.views_publish(user_id="U0LEAD1", view={"type": "home", "blocks": [accessory]})
    client.chat_postMessage(
        channel="C0LEADS", text="chart", blocks=home_with({"slack_file": {"id": file_id}})["blocks"]
    )


def test_what_slack_refuses_about_a_slack_file_in_a_view_or_a_message(standin: SlackStandIn, client: WebClient):
    png, pdf, unfinished = (
        upload(client, "chart.png"),
        upload(client, "notes.pdf"),
        upload(client, "b.png", complete=False),
    )
    refused = {
        "unknown file": {"slack_file": {"id": "F99999999"}},
        "uploaded, never completed": {"slack_file": {"id": unfinished}},
        "not an image": {"slack_file": {"id": pdf}},
        "both id and url": {"slack_file": {"id": png, "url": "https://files.example/x.png"}},
        "neither": {"slack_file": {}},
        "image_url and slack_file": {"slack_file": {"id": png}, "image_url": "https://example.com/x.png"},
    }
    for why, image in refused.items():
        with pytest.raises(SlackApiError) as home:
            client.views_publish(user_id="U0LEAD1", view=home_with(image))
        assert home.value.response["error"] == "invalid_arguments", why
        assert any("slack_file" in m for m in home.value.response["response_metadata"]["messages"]), why
    with pytest.raises(SlackApiError, match="invalid_blocks"):  # a message is checked the same way
        client.chat_postMessage(channel="C0LEADS", text="x", blocks=home_with(refused["unknown file"])["blocks"])
    assert standin.workspace.views.home("U0LEAD1") is None  # nothing refused was published
