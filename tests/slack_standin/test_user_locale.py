"""users.info answers a person's Slack locale only when asked with include_locale, as Slack does."""

from __future__ import annotations

from slack_sdk import WebClient


def test_users_info_has_the_locale_only_with_include_locale(client: WebClient):
    assert "locale" not in client.users_info(user="U0SPEC2")["user"]
    assert client.users_info(user="U0SPEC2", include_locale=True)["user"]["locale"] == "ja-JP"
    assert client.users_info(user="U0REP3", include_locale=True)["user"]["locale"] == "fr-FR"
    assert client.users_info(user="U0GUEST", include_locale=True)["user"]["locale"] == "en-US"
