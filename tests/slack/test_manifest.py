"""The app manifest asks for exactly what the code uses."""

import ast
import json
import re
from pathlib import Path

from bot.cli import main
from bot.slack.manifest import METHODS_USED, SCOPES_BY_METHOD, bot_scopes, build_manifest

BOT = Path(__file__).resolve().parents[2] / "bot"
SDK_METHOD = re.compile(r"^(auth|chat|conversations|users|usergroups|views|reactions)_[A-Za-z_]+$")
CALLED_BY_BOLT = {"auth.test"}  # Bolt verifies the token as the app is built


def methods_in_code() -> set[str]:
    found = set()
    for path in BOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and SDK_METHOD.match(node.attr):
                found.add(node.attr.replace("_", "."))
    return found


def test_methods_used_lists_exactly_what_the_code_calls():
    assert methods_in_code() | CALLED_BY_BOLT == set(METHODS_USED)


def test_every_method_has_a_known_scope_and_scopes_are_least_privilege():
    assert set(METHODS_USED) <= set(SCOPES_BY_METHOD)
    needed = {"commands"}.union(*(SCOPES_BY_METHOD[m] for m in METHODS_USED))
    assert set(bot_scopes()) == needed


def test_manifest_matches_the_configuration(shipped_config):
    manifest = build_manifest(shipped_config, request_url="https://bot.adsco.test/slack/events")
    commands = manifest["features"]["slash_commands"]
    app = shipped_config.app
    assert [c["command"] for c in commands] == [app.slash_command, app.oncall_command, app.policy_command]
    assert [c["command"] for c in commands] == ["/ad-escalate", "/oncall", "/ad-policy"]
    assert {c["url"] for c in commands} == {"https://bot.adsco.test/slack/events"}
    assert manifest["settings"]["interactivity"] == {
        "is_enabled": True,
        "request_url": "https://bot.adsco.test/slack/events",
    }
    assert manifest["oauth_config"]["scopes"]["bot"] == bot_scopes()
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True  # the rep's DMs land there


def test_socket_mode_manifest_has_no_request_urls(shipped_config):
    manifest = build_manifest(shipped_config, socket_mode=True)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert all("url" not in c for c in manifest["features"]["slash_commands"])
    assert "request_url" not in manifest["settings"]["interactivity"]


def test_manifest_command_prints_json(capsys):
    assert main(["manifest", "--request-url", "https://x.test/slack/events"]) == 0
    assert json.loads(capsys.readouterr().out)["display_information"]["name"] == "Ad Escalations"


def test_the_manifest_declares_the_escalate_this_message_shortcut(shipped_config):
    from bot.slack.manifest import build_manifest

    [shortcut] = build_manifest(shipped_config, socket_mode=True)["features"]["shortcuts"]
    assert shortcut == {
        "name": "Escalate this message",
        "type": "message",
        "callback_id": "escalate_message",
        "description": "Open the escalation form prefilled from this message",
    }
