"""The Containerfile and the compose file, checked by reading them (./dev image builds and runs
the image for real; it takes minutes, so it is not part of the test suite)."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import yaml

from bot.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
CONTAINERFILE = ROOT / "Containerfile"
COMPOSE = ROOT / "deploy" / "compose" / "compose.yaml"


def stages() -> list[list[str]]:
    """The Containerfile's instructions (continuation lines joined), split by FROM."""
    text = re.sub(r"\\\n\s*", " ", CONTAINERFILE.read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    found: list[list[str]] = []
    for line in lines:
        if line.startswith("FROM "):
            found.append([])
        if found:
            found[-1].append(line)
    return found


def test_the_image_is_multi_stage_non_root_with_a_healthcheck():
    build, runtime = stages()
    assert build[0].endswith(" AS build") and runtime[0].endswith(" AS runtime")
    assert "COPY --from=build /opt/venv /opt/venv" in runtime
    user = next(line for line in runtime if line.startswith("USER "))
    assert user.split()[1].split(":")[0] not in {"0", "root"} and user.split()[1].split(":")[0].isdigit()
    healthcheck = next(line for line in runtime if line.startswith("HEALTHCHECK "))
    assert "/healthz" in healthcheck
    assert 'ENTRYPOINT ["escalation-bot"]' in runtime


def test_the_final_stage_installs_nothing_and_has_no_build_tools():
    _, runtime = stages()
    runs = " ".join(line for line in runtime if line.startswith("RUN "))
    for tool in ("pip install", "apt-get", "gcc", "build-essential", "make "):
        assert tool not in runs
    assert "dpkg --purge python3-venv" in runs and "! python3 -m pip --version" in runs  # pip taken out
    build, _ = stages()
    assert any("pip uninstall --yes pip" in line for line in build)  # the venv copied over carries no pip


def test_the_default_command_is_the_contract():
    _, runtime = stages()
    cmd = next(line for line in runtime if line.startswith("CMD "))
    args = yaml.safe_load(cmd.removeprefix("CMD "))
    assert args == ["serve", "--http", "--port", "3000", "--config", "/app/config/app.yaml"]
    build_parser().parse_args(args)


def test_everything_copied_exists_and_passes_the_containerignore():
    patterns = [line for line in (ROOT / ".containerignore").read_text().splitlines() if line and line[0] != "#"]

    def included(path: str) -> bool:
        keep = True
        for pattern in patterns:
            negate = pattern.startswith("!")
            pattern = pattern.lstrip("!")
            if fnmatch.fnmatch(path, pattern) or path.startswith(pattern.rstrip("/") + "/"):
                keep = negate
        return keep

    for stage in stages():
        for line in stage:
            if line.startswith("COPY ") and "--from=" not in line:
                source = next(part for part in line.split()[1:] if not part.startswith("--"))
                assert (ROOT / source).exists(), source
                assert included(source.rstrip("/")), source


def test_compose_runs_postgres_a_one_shot_upgrade_then_the_bot():
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "migrate", "bot"}
    migrate, bot = services["migrate"], services["bot"]
    assert migrate["command"][:2] == ["db", "upgrade"] and migrate["restart"] == "no"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert bot["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    assert bot["command"] == ["serve", "--http", "--port", "3000", "--config", "/app/config/app.yaml"]
    for service in (migrate, bot):
        build_parser().parse_args(service["command"])
        env = service["environment"]
        assert "DATABASE_URL" not in env and env["DATABASE_URL_FILE"].startswith("/run/secrets/")
        for value in env.values():
            if str(value).startswith("/run/secrets/"):
                assert value.removeprefix("/run/secrets/") in service["secrets"]
        for volume in service["volumes"]:
            source = volume.split(":")[0]
            assert (COMPOSE.parent / source).resolve().exists(), source
            assert volume.endswith(":ro")
    assert "SLACK_BOT_TOKEN_FILE" in bot["environment"] and "SLACK_SIGNING_SECRET_FILE" in bot["environment"]
    assert set(compose["secrets"]) >= set(bot["secrets"]) | set(migrate["secrets"])
