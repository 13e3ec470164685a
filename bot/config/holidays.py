"""Public holidays: a country's (and subdivision's) from the `holidays` package, as a schedule names them."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from datetime import date
from functools import lru_cache

import holidays as holiday_tables

from bot.config.errors import ConfigProblem
from bot.config.yaml_source import YamlDocument

HOLIDAY_YEARS = range(2020, 2046)


@lru_cache(maxsize=16)
def public_holidays(country: str, subdivision: str | None = None) -> frozenset[date]:
    """A country's (and subdivision's) public holidays over HOLIDAY_YEARS, from the `holidays` package."""
    return frozenset(holiday_tables.country_holidays(country, subdiv=subdivision, years=HOLIDAY_YEARS))


def holidays_for(
    doc: YamlDocument,
    country: str,
    subdivision: str | None,
    *,
    extra: Iterable[date] = (),
    exclude: Iterable[date] = (),
    found: list[ConfigProblem],
) -> frozenset[date]:
    """The public holidays of `country` (and `subdivision`), with `extra` days added and `exclude`d ones
    taken out; an unknown country or subdivision is a problem in `found` (under `holidays:`)."""
    supported: dict[str, list[str]] = holiday_tables.list_supported_countries()
    if country not in supported:
        close = difflib.get_close_matches(country.upper(), list(supported), n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "use an ISO 3166 code such as SG, MY, AU, GB or US"
        found.append(doc.problem(("holidays", "country"), f"no public holidays known for country {country!r}", hint))
        return frozenset()
    if subdivision is not None and subdivision not in supported[country]:
        choices = ", ".join(supported[country][:15])
        hint = f"one of {choices}" if choices else f"{country} has no subdivisions: write subdivision: null"
        message = f"{country} has no subdivision {subdivision!r}"
        found.append(doc.problem(("holidays", "subdivision"), message, hint))
        return frozenset()
    return (public_holidays(country, subdivision) | frozenset(extra)) - frozenset(exclude)
