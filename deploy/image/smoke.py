"""Run the built image against the Slack stand-in and ask /readyz: the last step of `./dev image`.

The container runs with buildah (vfs storage, chroot isolation, the host's network), as the image's
own non-root user, with its secrets mounted as files and an SQLite store in its writable folder:
`db upgrade`, then `serve --http`. Ready means /readyz answers 200; then a person's /ad-escalate must
open the intake modal. Prints one JSON line with the timings. Not part of the test suite (slow).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from slack_standin import SlackStandIn  # noqa: E402

BUILDAH = ["buildah", "--storage-driver", "vfs"]
CONFIG = "/app/config/app.yaml"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _is_bot(cmdline: bytes) -> bool:
    return b"escalation-bot\x00serve" in cmdline and b"buildah" not in cmdline


def descendants(root: int) -> list[int]:
    """Every process below `root` (the bot runs as buildah's grandchild, in the host's PID namespace)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def stop(process: subprocess.Popen[bytes] | None, result: dict[str, object]) -> None:
    """SIGTERM the bot, as Kubernetes or Docker would, and wait for it to drain and exit."""
    if process is None or process.poll() is not None:
        return
    stopping = time.monotonic()
    # SIGTERM to the bot itself, as Kubernetes or Docker would: buildah answers its own
    # SIGTERM by killing the command (SIGKILL), which would skip the bot's graceful stop.
    bots = [pid for pid in descendants(process.pid) if _is_bot(_cmdline(pid))]
    result["signalled"] = "the bot" if bots else "buildah"
    for pid in bots or [process.pid]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    try:
        result["exit_code"] = process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        result["exit_code"] = f"killed: {process.wait()}"
    result["stop_s"] = round(time.monotonic() - stopping, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--image", default="localhost/escalation-bot:dev")
    parser.add_argument("--timeout", type=float, default=90)
    args = parser.parse_args()
    result: dict[str, object] = {"image": args.image}
    inspect = json.loads(
        subprocess.run(
            [*BUILDAH, "inspect", "--type", "image", args.image], capture_output=True, text=True, check=True
        ).stdout
    )
    docker = inspect.get("Docker", {}).get("config", {})
    result["user"] = docker.get("User")
    result["healthcheck"] = " ".join((docker.get("Healthcheck") or {}).get("Test") or [])
    container = subprocess.run(
        [*BUILDAH, "from", "--quiet", args.image], capture_output=True, text=True, check=True
    ).stdout.strip()
    port = free_port()
    secrets = Path(tempfile.mkdtemp(prefix="bot-secrets-"))
    process: subprocess.Popen[bytes] | None = None
    log = Path(tempfile.mkstemp(prefix="bot-image-", suffix=".log")[1])
    try:
        with SlackStandIn(signing_secret="image-secret", bot_token="xoxb-image") as slack:
            (secrets / "slack_bot_token").write_text("xoxb-image\n")
            (secrets / "slack_signing_secret").write_text("image-secret\n")
            (secrets / "database_url").write_text("sqlite:////app/config/var/smoke.db\n")
            os.chmod(secrets, 0o755)
            for path in secrets.iterdir():
                path.chmod(0o644)
            run = [
                *BUILDAH, "run", "--isolation", "chroot", "--network", "host",
                "--volume", f"{secrets}:/run/secrets:ro",
                "--env", "DATABASE_URL_FILE=/run/secrets/database_url",
                "--env", "SLACK_BOT_TOKEN_FILE=/run/secrets/slack_bot_token",
                "--env", "SLACK_SIGNING_SECRET_FILE=/run/secrets/slack_signing_secret",
                "--env", f"SLACK_API_URL={slack.api_url}",
                "--env", "LOG_FORMAT=json",
                container, "--",
            ]  # fmt: skip
            started = time.monotonic()
            whoami = subprocess.run(
                [*run, "python3", "-c", "import os; print(os.getuid())"], capture_output=True, text=True, timeout=120
            )
            result["uid_in_container"] = whoami.stdout.strip() or whoami.stderr.strip()[-200:]
            upgrade = subprocess.run(
                [*run, "escalation-bot", "db", "upgrade", "--config", CONFIG],
                capture_output=True,
                text=True,
                timeout=120,
            )
            result["db_upgrade"] = {
                "rc": upgrade.returncode,
                "out": upgrade.stdout.strip(),
                "stderr_lines": len(upgrade.stderr.splitlines()),
            }
            result["db_upgrade_s"] = round(time.monotonic() - started, 1)
            if upgrade.returncode != 0:
                print(upgrade.stderr, file=sys.stderr)
                return 1
            serve = [
                *run,
                "escalation-bot",
                "serve",
                "--http",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--config",
                CONFIG,
            ]
            with log.open("wb") as out:
                started = time.monotonic()
                process = subprocess.Popen(serve, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
                deadline = started + args.timeout
                status, body = 0, ""
                while time.monotonic() < deadline and process.poll() is None:
                    try:
                        status, body = get(f"http://127.0.0.1:{port}/readyz")
                    except OSError:
                        status = 0
                    if status == 200:
                        break
                    time.sleep(0.25)
                result["readyz_status"] = status
                result["readyz_body"] = json.loads(body) if body.startswith("{") else body
                result["ready_after_s"] = round(time.monotonic() - started, 1)
                if status == 200:
                    result["healthz_status"] = get(f"http://127.0.0.1:{port}/healthz")[0]
                    _, metrics_body = get(f"http://127.0.0.1:{port}/metrics")
                    result["metrics_has_tick_gauge"] = "escalation_bot_last_tick_timestamp_seconds" in metrics_body
                    slack.bot_url = f"http://127.0.0.1:{port}/slack/events"
                    answer = slack.user("U0REP1").slash_command("/ad-escalate", channel_id="C0SALES")
                    result["slash_command_status"] = answer.status
                    result["views_open_ok"] = slack.wait_for_call("views.open", timeout=10).ok
                stop(process, result)  # while the stand-in still answers
        return 0 if result.get("readyz_status") == 200 and result.get("views_open_ok") else 1
    finally:
        stop(process, result)
        lines = log.read_text(errors="replace").splitlines() if log.exists() else []
        result["log_lines"] = len(lines)
        result["log_lines_not_json"] = [line for line in lines if not line.startswith("{")][:5]
        result["log_tail"] = [json.loads(line).get("message") if line.startswith("{") else line for line in lines[-3:]]
        subprocess.run([*BUILDAH, "rm", container], capture_output=True, check=False)
        print(json.dumps(result, default=str))


if __name__ == "__main__":
    sys.exit(main())
