"""Load `policy_guides/` (Markdown with YAML front matter) into frozen Guides; every mistake names file and line.

Layout: `policy_guides/<id>.md` is an article in English; `policy_guides/translations/<locale>/<id>.md`
is its translation (front matter: `title`, optional `keywords`; the body is the translated text).
README.md and files starting with `_` are not articles.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from bot.config.durations import format_duration, parse_duration
from bot.config.errors import ConfigProblem
from bot.config.problems import pydantic_problems
from bot.config.yaml_source import YamlDocument, _construct
from bot.domain.guide import ALL_MARKETS, DEFAULT_REVIEW_EVERY, MARKETS, Guide, Translation

TRANSLATIONS_DIR = "translations"
_HINT = " || hint: "
_DEFAULT_HINT = "see policy_guides/README.md for the article format"
_DATE = re.compile(r"\b\d{4}-\d{1,2}-\d{1,2}\b")
_LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
M = TypeVar("M", bound=BaseModel)
_MARKET_HINT = "use " + ", ".join(sorted(MARKETS)) + f" or {ALL_MARKETS}"


def _fail(message: str, hint: str) -> ValueError:
    return ValueError(f"{message}{_HINT}{hint}")


def _market(value: Any) -> str:
    if not isinstance(value, str) or value.strip().upper() not in {*MARKETS, ALL_MARKETS}:
        raise _fail(f"unknown market {value!r}", _MARKET_HINT)
    return value.strip().upper()


def _day(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise _fail(f"{value!r} is not a date", "write it as YYYY-MM-DD, e.g. 2026-11-02") from None


def _duration(value: Any) -> timedelta:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise _fail(str(exc), "e.g. 90d or 180d") from None


_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,79}$")
_SLUG_HINT = "lower-case letters, digits and -, e.g. alcohol-sg-hours"
Slug = Annotated[str, Field(pattern=_SLUG.pattern)]
Keyword = Annotated[str, Field(min_length=1, max_length=80)]
Owner = Annotated[str, Field(pattern=r"^([UW][A-Z0-9]{2,}|[^@\s]+@[^@\s]+\.[^@\s]+)$")]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class GuideSpec(_Spec):
    """The front matter of one article."""

    id: Slug | None = None
    title: str = Field(min_length=1, max_length=150)
    policy_area: Slug
    markets: list[Annotated[str, BeforeValidator(_market)]] = Field(min_length=1)
    flows: list[str] = Field(default_factory=list)
    keywords: list[Keyword] = Field(default_factory=list)
    aliases: list[Keyword] = Field(default_factory=list)
    owner: Owner
    last_reviewed: Annotated[date, BeforeValidator(_day)]
    review_every: Annotated[timedelta, BeforeValidator(_duration)] = DEFAULT_REVIEW_EVERY
    policy_url: str = Field(pattern=r"^https?://\S+$")


class TranslationSpec(_Spec):
    """The front matter of one translation (named `<guide id>.md`)."""

    title: str = Field(min_length=1, max_length=150)
    keywords: list[Keyword] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Article:
    """A Markdown file split into its front matter (with lines) and its body."""

    doc: YamlDocument
    body: str
    body_line: int


def _parse(path: Path, problems: list[ConfigProblem]) -> _Article | None:
    """Split `---` front matter from the body and parse it, keeping the file's own line numbers."""
    try:
        text = path.read_text(encoding="utf-8").removeprefix("\ufeff")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(ConfigProblem(path, None, "", f"cannot read: {exc}", "save it as UTF-8 text"))
        return None
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        problems.append(
            ConfigProblem(path, 1, "", "no front matter", "start the file with a line '---', then the keys")
        )
        return None
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
    if end is None:
        problems.append(ConfigProblem(path, 1, "", "front matter is not closed", "end it with a line '---'"))
        return None
    # A blank line stands in for the opening '---' so YAML's line numbers are the file's.
    front = "\n" + "".join(lines[1:end])
    try:
        node = yaml.compose(front, Loader=yaml.SafeLoader)
        found: dict[Any, int] = {}
        data = _construct(node, (), found, yaml.SafeLoader("")) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
        hint = "check indentation and quoting; quote text containing ': ' or ' #'"
        problems.append(ConfigProblem(path, line, "", f"YAML syntax: {exc.problem}", hint))
        return None
    except ValueError as exc:  # PyYAML lets an impossible date such as 2026-13-01 through as ValueError
        problems.append(
            ConfigProblem(path, _bad_date_line(lines[:end]), "", f"YAML: {exc}", "write dates as YYYY-MM-DD")
        )
        return None
    if not isinstance(data, dict):
        problems.append(ConfigProblem(path, 2, "", "front matter must be keys and values", _DEFAULT_HINT))
        return None
    return _Article(YamlDocument(path=path, data=data, lines=found), "".join(lines[end + 1 :]).strip(), end + 2)


def _bad_date_line(lines: list[str]) -> int | None:
    for number, line in enumerate(lines, start=1):
        for text in _DATE.findall(line):
            try:
                date.fromisoformat(text)
            except ValueError:
                return number
    return None


def _validate(article: _Article, model: type[M], problems: list[ConfigProblem]) -> M | None:
    try:
        return model.model_validate(article.doc.data)
    except ValidationError as exc:
        problems.extend(_spec_problems(article.doc, exc, model))
        return None


def _spec_problems(doc: YamlDocument, exc: ValidationError, model: type[BaseModel]) -> list[ConfigProblem]:
    """pydantic's errors as problems, with this format's own key suggestions and hints."""
    found = []
    for problem in pydantic_problems(doc, exc):
        message, _, hint = problem.message.partition(_HINT)
        if message.startswith("unknown key "):
            close = difflib.get_close_matches(message.removeprefix("unknown key ").strip("'"), list(model.model_fields))
            hint = f"did you mean {close[0]!r}?" if close else "remove it; " + _DEFAULT_HINT
        elif "should match pattern '^[a-z0-9]" in message:
            hint = _SLUG_HINT
        elif "should match pattern '^([UW]" in message:
            hint = "a Slack user id such as U012ABCDEF, or an e-mail address"
        elif message == "Input should be a valid string":
            hint = "put it in quotes: YAML reads 404 as a number and 1:1 as 61"
        elif "should match pattern '^https?" in message:
            hint = "a full link such as https://policies.example.com/alcohol"
        found.append(replace(problem, message=message, hint=hint or problem.hint or _DEFAULT_HINT))
    suggested = {p.hint.split("'")[1] for p in found if p.hint.startswith("did you")}
    return [p for p in found if not (p.message.startswith("missing required key") and p.where in suggested)]


def _guide(article: _Article, flow_ids: Collection[str], problems: list[ConfigProblem]) -> Guide | None:
    doc = article.doc
    spec = _validate(article, GuideSpec, problems)
    if spec is None:
        return None
    found = []
    guide_id = spec.id or doc.path.stem
    if spec.id is None and not _SLUG.match(guide_id):
        found.append(
            ConfigProblem(doc.path, 1, "", f"the file name {guide_id!r} is not an id", _SLUG_HINT + "; or add id:")
        )
    for index, flow in enumerate(spec.flows):
        if flow not in flow_ids:
            close = difflib.get_close_matches(flow, sorted(flow_ids), n=1)
            hint = f"did you mean {close[0]!r}?" if close else "flows: " + (", ".join(sorted(flow_ids)) or "none")
            found.append(doc.problem(("flows", index), f"unknown flow id {flow!r}", hint))
    if not article.body:
        found.append(ConfigProblem(doc.path, article.body_line, "", "empty body", "write the guidance below the '---'"))
    problems.extend(found)
    if found:
        return None
    return Guide(
        id=guide_id,
        title=spec.title,
        policy_area=spec.policy_area,
        markets=tuple(dict.fromkeys(spec.markets)),
        flows=tuple(spec.flows),
        keywords=tuple(spec.keywords),
        aliases=tuple(spec.aliases),
        owner=spec.owner,
        last_reviewed=spec.last_reviewed,
        review_every=spec.review_every,
        policy_url=spec.policy_url,
        body=article.body,
    )


def _translation(article: _Article, locale: str, problems: list[ConfigProblem]) -> Translation | None:
    spec = _validate(article, TranslationSpec, problems)
    if spec is None:
        return None
    path = article.doc.path
    if not article.body:
        problems.append(ConfigProblem(path, article.body_line, "", "empty body", "write the translated guidance"))
        return None
    return Translation(locale=locale, title=spec.title, body=article.body, keywords=tuple(spec.keywords))


def _is_article(path: Path) -> bool:
    return path.is_file() and path.name.lower() != "readme.md" and not path.name.startswith(("_", "."))


def review_warning(guide: Guide, doc: YamlDocument) -> ConfigProblem:
    """The warning for an article past its review date, pointing at `last_reviewed`."""
    return doc.problem(
        ("last_reviewed",),
        f"guide {guide.id!r} was due for review on {guide.review_due.isoformat()} "
        f"(last reviewed {guide.last_reviewed.isoformat()}, every {format_duration(guide.review_every)})",
        f"check it against {guide.policy_url} and update last_reviewed; owner {guide.owner}",
    )


def load_guides(
    folder: Path,
    *,
    flow_ids: Collection[str],
    today: date,
    problems: list[ConfigProblem],
    warnings: list[ConfigProblem],
) -> tuple[Guide, ...]:
    """Load every article and translation under `folder`; append problems and review warnings.

    A missing folder means no guides. Articles past their review date on `today` are warnings.
    """
    if not folder.is_dir():
        return ()
    guides: dict[str, Guide] = {}
    docs: dict[str, YamlDocument] = {}
    broken: set[str] = set()  # their translations are not reported again as translations of nothing
    for path in sorted(folder.glob("*.md")):
        if not _is_article(path):
            continue
        article = _parse(path, problems)
        guide = _guide(article, flow_ids, problems) if article else None
        if article is None or guide is None:
            declared = article.doc.data.get("id") if article else None
            broken.update({path.stem, declared} if isinstance(declared, str) else {path.stem})
            continue
        if guide.id in guides:
            where = ("id",) if "id" in article.doc.data else ()
            first = docs[guide.id].path.name
            problems.append(
                article.doc.problem(where, f"guide id {guide.id!r} is also used by {first}", "ids are unique")
            )
            continue
        guides[guide.id], docs[guide.id] = guide, article.doc
    translations = _load_translations(folder / TRANSLATIONS_DIR, guides, broken - set(guides), problems)
    loaded = []
    for guide_id, guide in guides.items():
        guide = replace(guide, translations=tuple(translations.get(guide_id, ())))
        if guide.is_past_review(today):
            warnings.append(review_warning(guide, docs[guide_id]))
        loaded.append(guide)
    return tuple(loaded)


def _load_translations(
    folder: Path, guides: dict[str, Guide], broken: set[str], problems: list[ConfigProblem]
) -> dict[str, list[Translation]]:
    found: dict[str, list[Translation]] = {}
    if not folder.is_dir():
        return found
    for locale_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        if not _LOCALE.match(locale_dir.name):
            problems.append(
                ConfigProblem(locale_dir, None, "", f"{locale_dir.name!r} is not a locale", "name it like ja-JP or id")
            )
            continue
        for path in sorted(locale_dir.glob("*.md")):
            if not _is_article(path) or path.stem in broken:
                continue
            if path.stem not in guides:
                close = difflib.get_close_matches(path.stem, sorted(guides), n=1)
                hint = f"did you mean {close[0]}.md?" if close else "name it after the article's file"
                problems.append(ConfigProblem(path, 1, "", f"translation of unknown guide {path.stem!r}", hint))
                continue
            article = _parse(path, problems)
            translation = _translation(article, locale_dir.name, problems) if article else None
            if translation is not None:
                found.setdefault(path.stem, []).append(translation)
    return found
