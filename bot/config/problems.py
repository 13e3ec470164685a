"""Turning what went wrong while reading a file into ConfigProblems (file, line, fix)."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.config import schema
from bot.config.errors import ConfigProblem
from bot.config.yaml_source import Loc, YamlDocument, YamlSyntaxError, load_yaml

M = TypeVar("M", bound=BaseModel)


def _known_keys() -> list[str]:
    keys: set[str] = set()
    for value in vars(schema).values():
        if isinstance(value, type) and issubclass(value, BaseModel):
            keys.update(value.model_fields)
    return sorted(keys)


def pydantic_problems(doc: YamlDocument, exc: ValidationError, prefix: Loc = ()) -> list[ConfigProblem]:
    """Turn pydantic's errors into file:line problems with a hint."""
    problems = []
    for err in exc.errors():
        loc: Loc = (*prefix, *(p for p in err["loc"] if isinstance(p, str | int)))
        kind, hint = err["type"], ""
        message = str(err["msg"]).removeprefix("Value error, ")
        if kind == "extra_forbidden":
            message = f"unknown key {loc[-1]!r}"
            close = difflib.get_close_matches(str(loc[-1]), _known_keys(), n=1)
            hint = f"did you mean {close[0]!r}?" if close else "remove it; see the configuration reference"
        elif kind == "missing":
            message = f"missing required key {loc[-1]!r}"
        elif kind == "string_pattern_mismatch" and "[UW]" in str(err.get("ctx", {}).get("pattern", "")):
            hint = "use a Slack user id such as U012ABCDEF"
        elif kind == "string_pattern_mismatch" and "[CGD]" in str(err.get("ctx", {}).get("pattern", "")):
            hint = "use a Slack channel id such as C012ABCDEF (channel details → About)"
        problems.append(doc.problem(loc, message, hint))
    # A misspelt key shows up twice (unknown 'teem', missing 'team'): keep the one with the hint.
    suggested = {p.where.rpartition(".")[0] + "." + p.hint.split("'")[1] for p in problems if "did you mean" in p.hint}
    return [p for p in problems if not (p.message.startswith("missing required key") and _dotted(p) in suggested)]


def _dotted(problem: ConfigProblem) -> str:
    parent, _, key = problem.where.rpartition(".")
    return f"{parent}.{key}"


def parse_model(doc: YamlDocument, model: type[M], problems: list[ConfigProblem], prefix: Loc = ()) -> M | None:
    """Validate `doc.data` (or a part of it) into `model`, recording problems."""
    data: Any = doc.data
    for part in prefix:
        data = data[part]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems.extend(pydantic_problems(doc, exc, prefix))
        return None


def read_mapping(path: Path, problems: list[ConfigProblem]) -> YamlDocument | None:
    """The YAML file at `path` if it reads as a mapping; else None, with the reason in `problems`."""
    try:
        doc = load_yaml(path)
    except YamlSyntaxError as exc:
        problems.append(exc.problem)
        return None
    except OSError as exc:
        problems.append(ConfigProblem(path, None, "", f"cannot read: {exc.strerror}"))
        return None
    if not isinstance(doc.data, dict):
        problems.append(ConfigProblem(path, 1, "", "expected a mapping of keys at the top level"))
        return None
    return doc
