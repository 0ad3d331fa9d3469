"""Every name a place goes by (official, second-language, news spellings) mapped to its code."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from .errors import InputError

LEVELS = ("country", "province", "district", "site")


@lru_cache(maxsize=1 << 16)
def normalise(name: str) -> str:
    """Fold case, accents and punctuation: ``"Sar-e Pol"`` and ``"sare pol"`` match."""
    if name.isascii():  # most names: no accent to take off
        return _PUNCT.sub("", name.casefold())
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _PUNCT.sub("", text.casefold())


_PUNCT = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    level: str  # country | province | district | site
    province: str  # province P-code ("" for none)
    aliases: tuple[str, ...] = ()


@dataclass
class Gazetteer:
    """Look places up by any of their names or codes."""

    places: dict[str, Place] = field(default_factory=dict)
    _index: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, place: Place, names: list[str]) -> None:
        self.places[place.code] = place
        for name in [place.code, place.name, *names]:
            key = normalise(name)
            if key:
                self._index[key].add(place.code)

    def add_alias(self, alias: str, code: str) -> None:
        place = self.places[code]
        self.places[code] = Place(place.code, place.name, place.level, place.province,
                                  (*place.aliases, alias))
        self._index[normalise(alias)].add(code)

    def codes_named(self, name: str) -> set[str]:
        """The codes of every place that ``name`` names (after folding)."""
        return set(self._index.get(normalise(name), set()))

    def lookup(self, name: str, *, levels: tuple[str, ...] = LEVELS) -> list[Place]:
        """Every place that ``name`` names exactly (after folding), provinces first."""
        codes = self._index.get(normalise(name), set())
        found = [self.places[c] for c in codes if self.places[c].level in levels]
        return sorted(found, key=lambda p: (LEVELS.index(p.level), p.code))

    def suggest(self, name: str, *, levels: tuple[str, ...] = LEVELS, n: int = 3) -> list[Place]:
        """The places whose names are closest to ``name``, for "did you mean" hints."""
        keys = [k for k, codes in self._index.items()
                if any(self.places[c].level in levels for c in codes)]
        close = difflib.get_close_matches(normalise(name), keys, n=n * 2, cutoff=0.6)
        out: list[Place] = []
        for key in close:
            for place in self.lookup(key, levels=levels):
                if place not in out:
                    out.append(place)
        return out[:n]

    def did_you_mean(self, name: str, *, levels: tuple[str, ...] = LEVELS) -> str:
        hints = [f"{p.name} ({p.code}, {p.level})" for p in self.suggest(name, levels=levels)]
        return (f"did you mean {' or '.join(hints)}?" if hints
                else "no similar name; 'mapgen places' with part of a name lists candidates")

    def resolve(self, name: str, *, levels: tuple[str, ...] = LEVELS) -> Place:
        """The one place ``name`` stands for, preferring the highest level when a name is
        shared (a province and the district of its capital often have the same name: the
        name is the province's; the district is found by its code).

        Raises
        ------
        InputError
            No place has that name; the message suggests the closest ones.
        """
        found = self.lookup(name, levels=levels)
        if not found:
            other = self.lookup(name)
            if other:
                p = other[0]
                where = f" in province {self.places[p.province].name} ({p.province})" \
                    if p.province in self.places and p.province != p.code else ""
                raise InputError(
                    f"{name!r} is a {p.level}, {p.name} ({p.code}){where}; "
                    f"here give a {' or '.join(levels)}")
            raise InputError(
                f"unknown place {name!r} ({'/'.join(levels)}): {self.did_you_mean(name, levels=levels)}"
            )
        return found[0]

    def search(self, query: str) -> list[Place]:
        """Places whose code, name or an alias contains ``query`` (folded); all for ``""``."""
        key = normalise(query)
        codes = {c for k, cs in self._index.items() if key in k for c in cs}
        return sorted((self.places[c] for c in codes),
                      key=lambda p: (p.province, LEVELS.index(p.level), p.code))
