"""Secrets from files, as Docker and Kubernetes mount them: `NAME_FILE=/run/secrets/x` stands for `NAME`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

FROM_FILES = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "DATABASE_URL")


class SecretFileError(Exception):
    """A `*_FILE` variable names a file that cannot be read, or its variable is set as well."""


def resolve_secret_files(env: Mapping[str, str]) -> dict[str, str]:
    """`env` with each `NAME_FILE` read into `NAME` (one trailing newline dropped, as `echo` leaves one).

    Setting both `NAME` and `NAME_FILE` is refused, as the official Postgres image does: which one wins
    would be a guess.
    """
    resolved = dict(env)
    for name in FROM_FILES:
        path = env.get(f"{name}_FILE")
        if not path:
            continue
        if env.get(name):
            raise SecretFileError(f"both {name} and {name}_FILE are set; set one")
        try:
            value = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SecretFileError(f"{name}_FILE: cannot read {path}: {exc.__class__.__name__}") from exc
        value = value.removesuffix("\n").removesuffix("\r")
        if not value.strip():
            raise SecretFileError(f"{name}_FILE: {path} is empty")
        resolved[name] = value
    return resolved
