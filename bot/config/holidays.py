"""Public holidays: a country's (and subdivision's) from the `holidays` package, as a schedule names them."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from datetime import date
from functools import lru_cache

import holidays as holiday_tables
from holidays.registry import EntityLoader

from bot.config.errors import ConfigProblem
from bot.config.yaml_source import YamlDocument

HOLIDAY_YEARS = range(2020, 2046)


@lru_cache(maxsize=16)
def public_holidays(country: str, subdivision: str | None = None) -> frozenset[date]:
    """A country's (and subdivision's) public holidays over HOLIDAY_YEARS, from the `holidays` package."""
    return frozenset(holiday_tables.country_holidays(country, subdiv=subdivision, years=HOLIDAY_YEARS))


@lru_cache(maxsize=1)
def _country_codes() -> frozenset[str]:
    """The codes list_supported_countries() has (aliases included), without loading each country."""
    return frozenset(EntityLoader.get_country_codes(include_aliases=True))


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
    # The country's table only (the package loads one module per country on first use): listing every
    # country's subdivisions (list_supported_countries) loaded all of them, a tenth of the start-up.
    if country not in _country_codes():
        supported: dict[str, list[str]] = holiday_tables.list_supported_countries()
        close = difflib.get_close_matches(country.upper(), list(supported), n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "use an ISO 3166 code such as SG, MY, AU, GB or US"
        found.append(doc.problem(("holidays", "country"), f"no public holidays known for country {country!r}", hint))
        return frozenset()
    subdivisions = list(getattr(holiday_tables, country).subdivisions)  # as list_supported_countries has them
    if subdivision is not None and subdivision not in subdivisions:
        choices = ", ".join(subdivisions[:15])
        hint = f"one of {choices}" if choices else f"{country} has no subdivisions: write subdivision: null"
        message = f"{country} has no subdivision {subdivision!r}"
        found.append(doc.problem(("holidays", "subdivision"), message, hint))
        return frozenset()
    return (public_holidays(country, subdivision) | frozenset(extra)) - frozenset(exclude)
