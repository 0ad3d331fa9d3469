"""The records' own types, with the standard library alone: what a page needs from a
theatre's sources, sites and control records (:mod:`mapgen.records` reads and checks them)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Source:
    source_id: str
    publisher: str
    title: str
    published: dt.date
    url: str
    line: int


@dataclass(frozen=True)
class Site:
    site_id: str
    name: str
    kind: str
    lat: float
    lon: float
    district: str
    precision: str
    line: int
    other_names: tuple[str, ...] = ()  # the optional name_* columns, searchable
    capital: str = ""  # "", "province" or "country"


@dataclass(frozen=True)
class Record:
    date: dt.date
    place: str
    status: str
    note: str
    sources: tuple[str, ...]
    confidence: str
    line: int


def parse_date(value: str) -> dt.date:
    """``YYYY-MM-DD`` to a date; raises ValueError for anything else (``2021-8-8`` included)."""
    if not DATE_PATTERN.fullmatch(value.strip()):
        raise ValueError(f"{value!r} is not a date in the form YYYY-MM-DD")
    return dt.date.fromisoformat(value.strip())


def day_of(value: str) -> dt.date:
    """A day given as ``YYYY-MM-DD`` text by a user: a bad one is an
    :class:`~mapgen.errors.InputError` that shows it and the form."""
    from .errors import InputError

    try:
        return parse_date(value)
    except ValueError:
        raise InputError(f"bad date {value!r}: write dates as YYYY-MM-DD, e.g. 2021-08-08") from None
