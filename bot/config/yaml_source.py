"""Read YAML while remembering the line of every key and list item."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.config.errors import ConfigProblem

Loc = tuple[str | int, ...]

# libyaml's parser where PyYAML has it (a fifth of the start-up was PyYAML's pure-Python scanner); its
# nodes carry the same marks (lines), and scalars are still typed by SafeLoader's constructor below.
_COMPOSER: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class YamlDocument:
    """Plain data from one YAML file plus the line of each path inside it."""

    path: Path
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int | None:
        """The line of `loc`, or of its nearest parent that has one."""
        probe = tuple(loc)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return self.lines.get((), 1)

    def problem(self, loc: Loc, message: str, hint: str = "") -> ConfigProblem:
        where = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in loc).replace(".[", "[")
        return ConfigProblem(self.path, self.line_of(loc), where, message, hint)


def _construct(node: yaml.Node, loc: Loc, lines: dict[Loc, int], scalars: yaml.SafeLoader) -> Any:
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _construct(key_node, (*loc, "<key>"), {}, scalars)
            if key == "<<":
                raise yaml.MarkedYAMLError(
                    problem="merge keys (<<) are not supported", problem_mark=key_node.start_mark
                )
            if key in result:
                raise yaml.MarkedYAMLError(problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark)
            child = (*loc, str(key))
            lines[child] = key_node.start_mark.line + 1
            result[key] = _construct(value_node, child, lines, scalars)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*loc, i), lines, scalars) for i, item in enumerate(node.value)]
    return scalars.construct_object(node)  # scalars keep SafeLoader's typing (dates, bools, ints)


def load_yaml(path: Path) -> YamlDocument:
    """Parse `path`; a syntax error becomes a ConfigProblem-carrying YamlSyntaxError."""
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=_COMPOSER)
        lines: dict[Loc, int] = {}
        data = _construct(node, (), lines, yaml.SafeLoader("")) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise YamlSyntaxError(ConfigProblem(path, line, "", f"YAML syntax: {exc.problem}")) from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(ConfigProblem(path, None, "", f"YAML syntax: {exc}")) from exc
    return YamlDocument(path=path, data=data, lines=lines)


class YamlSyntaxError(Exception):
    """A file that is not valid YAML."""

    def __init__(self, problem: ConfigProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem
