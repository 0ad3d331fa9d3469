"""A theatre: the words, colours and defaults of one conflict, read from ``theatre.toml``.

Every status, label, credit, region and default period lives in the theatre file beside the
records; the code knows none of them. Shipped theatres travel inside the package and are
found by name (``--theatre``).
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import DataError, InputError, MissingFileError, Problem

FILE = "theatre.toml"
UNKNOWN = "unknown"
PATTERNS = ("", "hatch")
_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")
_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")


@dataclass(frozen=True)
class StatusStyle:
    """One status: its id in ``control.csv``, legend label, colour and optional pattern.

    ``side`` is false for a status that is no one's hold (contested, unknown): a site with such
    a status is never a remaining position, and a district with it is not held by anyone.
    """

    status: str
    label: str
    colour: str
    pattern: str = ""  # "" or "hatch"
    side: bool = True


@dataclass(frozen=True)
class Kind:
    """A kind of site: its id in ``sites.csv``, the letter drawn in its disc, its label."""

    id: str
    symbol: str
    label: str


@dataclass(frozen=True)
class Region:
    """A named region: provinces (codes or names) and whether their neighbours join them."""

    key: str
    label: str
    provinces: tuple[str, ...]
    with_neighbours: bool = False


#: Site kinds when a theatre names none.
DEFAULT_KINDS = (
    Kind("city", "C", "City"),
    Kind("airport", "\u2708", "Airport"),
    Kind("base", "B", "Military base"),
    Kind("police_hq", "P", "Police headquarters"),
    Kind("prison", "J", "Prison"),
    Kind("district_centre", "D", "District centre"),
    Kind("other", "\u2022", "Other site"),
)


@dataclass(frozen=True)
class Theatre:
    """One conflict's vocabulary and defaults (see ``docs/THEATRE.md`` for every key)."""

    id: str
    name: str
    folder: Path
    statuses: tuple[StatusStyle, ...]
    regions: dict[str, Region]
    default_region: str
    period: tuple[dt.date, dt.date] | None
    boundaries: Path | None
    credits: tuple[tuple[str, str], ...] = ()
    kinds: tuple[Kind, ...] = DEFAULT_KINDS
    position_label: str = "Site held by another side than its district"
    position_layer: str = "Remaining positions"
    position_tooltip: str = "Held apart from its district"
    position_colour: str = "#223355"
    population_note: str = ""
    capital_note: str = "dotted lines: a capital changed hands"
    #: Statuses whose arrival in a capital's district is marked as its fall; empty: any
    #: passage from one side to another.
    capital_falls_to: tuple[str, ...] = ()
    title: str = "Territorial control"
    records_licence: str = ""
    #: A contested or low-confidence record with no newer report for more than this many days
    #: is shown as stale; None: evidence never goes stale.
    stale_after_days: int | None = None
    warnings: tuple[Problem, ...] = field(default=(), compare=False)

    @property
    def status_ids(self) -> tuple[str, ...]:
        return tuple(s.status for s in self.statuses)

    @property
    def index(self) -> dict[str, int]:
        """Status id to its place in the legend (``unknown`` last)."""
        return {s.status: i for i, s in enumerate(self.statuses)}

    def style(self, status: str) -> StatusStyle:
        return self.statuses[self.index[status]]

    @property
    def sides(self) -> frozenset[str]:
        """Statuses that mean a side holds the place."""
        return frozenset(s.status for s in self.statuses if s.side)

    @property
    def kind_ids(self) -> tuple[str, ...]:
        return tuple(k.id for k in self.kinds)

    def credit_lines(self) -> list[str]:
        """``Boundaries: ...`` and the like, one per ``[credits]`` entry, in file order."""
        return [f"{key.replace('_', ' ').capitalize()}: {text}" for key, text in self.credits]


_TOP = {"id", "name", "title", "default_region", "period", "boundaries", "statuses", "unknown",
        "kinds", "positions", "regions", "credits", "population_note", "capitals",
        "records_licence", "evidence"}
_EVIDENCE = {"stale_after_days"}
_CAPITALS = {"note", "falls_to"}
_STATUS = {"id", "label", "colour", "pattern", "side"}
_REGION = {"label", "provinces", "with_neighbours"}
_POSITIONS = {"label", "layer", "tooltip", "colour"}
_KIND = {"id", "symbol", "label"}
_UNKNOWN = {"label", "colour"}


class _Check:
    def __init__(self, file: Path) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def bad(self, key: str, value: object, message: str, hint: str = "") -> None:
        self.problems.append(Problem(str(self.file), 0, key, str(value), message, hint))

    def keys(self, table: dict[str, Any], allowed: set[str], where: str) -> None:
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, sorted(allowed), n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(sorted(allowed))}"
                self.bad(f"{where}{key}", key, "unknown key", hint)

    def table(self, raw: dict[str, Any], key: str, allowed: set[str]) -> dict[str, Any]:
        """``raw[key]`` (empty when absent), checked to be a table of ``allowed`` keys."""
        value = raw.get(key, {})
        if not isinstance(value, dict):
            self.bad(key, value, "must be a table")
            value = {}
        self.keys(value, allowed, f"{key}.")
        return value

    def entries(self, entries: list[Any], name: str, allowed: set[str]
                ) -> Iterator[tuple[str, dict[str, Any]]]:
        """Each table of the ``[[name]]`` list ``entries``, checked to have only ``allowed``
        keys, with the ``name[n].`` its problems are reported under; other entries are
        reported and skipped."""
        for n, entry in enumerate(entries, 1):
            where = f"{name}[{n}]."
            if not isinstance(entry, dict):
                self.bad(where[:-1], entry, "must be a table")
                continue
            self.keys(entry, allowed, where)
            yield where, entry

    def text(self, table: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
        value = table.get(key, default)
        if not isinstance(value, str) or (default is None and not value.strip()):
            self.bad(f"{where}{key}", value, "must be text" if key in table else "is missing")
            return default or ""
        return value

    def colour(self, table: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
        value = self.text(table, key, where, default)
        if value and not _COLOUR.fullmatch(value):
            self.bad(f"{where}{key}", value, "not a colour", "write colours as #RRGGBB")
        return value


def read_theatre(folder: str | os.PathLike[str]) -> Theatre:
    """Read and check ``theatre.toml`` in ``folder``.

    Raises
    ------
    MissingFileError
        ``folder`` or its ``theatre.toml`` does not exist.
    DataError
        The file is not TOML or a key is missing, unknown or malformed; every problem is listed.
    """
    root = Path(folder)
    file = root / FILE
    if not file.is_file():
        raise MissingFileError(f"{file}: theatre file not found")
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataError([Problem(str(file), 0, "file", file.name, f"not TOML: {exc}",
                                 "see docs/THEATRE.md for the layout")]) from None
    return _parse(raw, root, file)


def _parse(raw: dict[str, Any], root: Path, file: Path) -> Theatre:
    c = _Check(file)
    c.keys(raw, _TOP, "")
    name = c.text(raw, "name", "")
    tid = raw.get("id", _slug(name or root.name))
    if not isinstance(tid, str) or not _ID.fullmatch(tid):
        c.bad("id", tid, "not a valid theatre id", "lower-case letters, digits, '-' and '_'")
    statuses = _statuses(raw, c)
    regions = _regions(raw, c)
    default_region = raw.get("default_region", "all")
    if not isinstance(default_region, str) or (default_region != "all" and default_region not in regions):
        c.bad("default_region", default_region, "not a region of this theatre",
              f"use 'all' or one of: {', '.join(regions) or '(no [regions] given)'}")
    period = _period(raw, c)
    boundaries = None
    if "boundaries" in raw:
        boundaries = (root / c.text(raw, "boundaries", "")).resolve()
    credits = raw.get("credits", {})
    if not isinstance(credits, dict) or not all(isinstance(v, str) for v in credits.values()):
        c.bad("credits", credits, "must be a table of text lines", 'e.g. boundaries = "OCHA"')
        credits = {}
    positions = c.table(raw, "positions", _POSITIONS)
    defaults = {k: str(f.default) for k, f in Theatre.__dataclass_fields__.items()
                if isinstance(f.default, str)}
    extra: dict[str, Any] = {
        "position_label": c.text(positions, "label", "positions.", defaults["position_label"]),
        "position_layer": c.text(positions, "layer", "positions.", defaults["position_layer"]),
        "position_tooltip": c.text(positions, "tooltip", "positions.",
                                   defaults["position_tooltip"]),
        "position_colour": c.colour(positions, "colour", "positions.",
                                    defaults["position_colour"]),
    }
    for key in ("title", "population_note", "records_licence"):
        extra[key] = c.text(raw, key, "", defaults[key])
    capitals = c.table(raw, "capitals", _CAPITALS)
    extra["capital_note"] = c.text(capitals, "note", "capitals.", defaults["capital_note"])
    falls_to = capitals.get("falls_to", [])
    ids = {s.status for s in statuses}
    if not isinstance(falls_to, list) or not all(f in ids for f in falls_to):
        c.bad("capitals.falls_to", falls_to, "must list status ids of this theatre",
              f"statuses: {', '.join(sorted(ids))}")
        falls_to = []
    extra["capital_falls_to"] = tuple(falls_to)
    evidence = c.table(raw, "evidence", _EVIDENCE)
    stale = evidence.get("stale_after_days")
    if stale is not None and (isinstance(stale, bool) or not isinstance(stale, int) or stale < 1):
        c.bad("evidence.stale_after_days", stale, "must be a whole number of days, 1 or more")
        stale = None
    extra["stale_after_days"] = stale
    kinds = _kinds(raw, c)
    if c.problems:
        raise DataError(c.problems)
    return Theatre(id=tid, name=name, folder=root, statuses=statuses, regions=regions,
                   default_region=default_region, period=period, boundaries=boundaries,
                   credits=tuple((str(k), str(v)) for k, v in credits.items()), kinds=kinds,
                   **extra)


def _statuses(raw: dict[str, Any], c: _Check) -> tuple[StatusStyle, ...]:
    entries = raw.get("statuses")
    if not isinstance(entries, list) or not entries:
        c.bad("statuses", entries, "at least one [[statuses]] entry is needed",
              'e.g. [[statuses]] id = "army" label = "Army" colour = "#4477AA"')
        entries = []
    out: list[StatusStyle] = []
    for where, entry in c.entries(entries, "statuses", _STATUS):
        sid = c.text(entry, "id", where)
        if sid and not _ID.fullmatch(sid):
            c.bad(where + "id", sid, "not a valid status id", "lower-case letters, digits, '-', '_'")
        if sid == UNKNOWN:
            c.bad(where + "id", sid, "'unknown' is built in", "set its label in [unknown]")
        if sid in {s.status for s in out}:
            c.bad(where + "id", sid, "status listed twice")
        pattern = entry.get("pattern", "")
        if pattern not in PATTERNS:
            c.bad(where + "pattern", pattern, "unknown pattern", "use 'hatch' or leave it out")
        side = entry.get("side", True)
        if not isinstance(side, bool):
            c.bad(where + "side", side, "must be true or false")
        out.append(StatusStyle(sid, c.text(entry, "label", where), c.colour(entry, "colour", where),
                               str(pattern), bool(side)))
    unknown = c.table(raw, "unknown", _UNKNOWN)
    out.append(StatusStyle(UNKNOWN, c.text(unknown, "label", "unknown.", "Unknown (no record)"),
                           c.colour(unknown, "colour", "unknown.", "#DDDDDD"), "", False))
    return tuple(out)


def _regions(raw: dict[str, Any], c: _Check) -> dict[str, Region]:
    table = raw.get("regions", {})
    if not isinstance(table, dict):
        c.bad("regions", table, "must be a table of [regions.NAME]")
        return {}
    out = {}
    for key, entry in table.items():
        where = f"regions.{key}."
        if key == "all" or not _ID.fullmatch(key):
            c.bad(where[:-1], key, "not a usable region name",
                  "lower-case letters, digits, '-', '_'; 'all' is built in")
            continue
        if not isinstance(entry, dict):
            c.bad(where[:-1], entry, "must be a table")
            continue
        c.keys(entry, _REGION, where)
        provinces = entry.get("provinces")
        if (not isinstance(provinces, list) or not provinces
                or not all(isinstance(p, str) for p in provinces)):
            c.bad(where + "provinces", provinces, "must be a list of province codes or names")
            provinces = []
        with_neighbours = entry.get("with_neighbours", False)
        if not isinstance(with_neighbours, bool):
            c.bad(where + "with_neighbours", with_neighbours, "must be true or false")
        out[key] = Region(key, c.text(entry, "label", where), tuple(provinces),
                          bool(with_neighbours))
    return out


def _period(raw: dict[str, Any], c: _Check) -> tuple[dt.date, dt.date] | None:
    if "period" not in raw:
        return None
    value = raw["period"]
    try:
        start, end = (d if isinstance(d, dt.date) else dt.date.fromisoformat(d) for d in value)
    except (TypeError, ValueError):
        c.bad("period", value, "not two dates", 'write period = ["2021-05-01", "2021-09-07"]')
        return None
    if end < start:
        c.bad("period", value, "ends before it starts")
        return None
    return start, end


def _kinds(raw: dict[str, Any], c: _Check) -> tuple[Kind, ...]:
    entries = raw.get("kinds")
    if entries is None:
        return DEFAULT_KINDS
    if not isinstance(entries, list) or not entries:
        c.bad("kinds", entries, "must be a list of [[kinds]] entries")
        return DEFAULT_KINDS
    out = []
    for where, entry in c.entries(entries, "kinds", _KIND):
        kid, symbol = c.text(entry, "id", where), c.text(entry, "symbol", where)
        if len(symbol) != 1 or symbol in "<>&\"'":
            c.bad(where + "symbol", symbol, "must be one character, not one of < > & \" '")
        out.append(Kind(kid, symbol, c.text(entry, "label", where)))
    return tuple(out)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "theatre"


# --- shipped theatres -------------------------------------------------------------------


def _data_root() -> Path:
    """The folder holding the shipped theatres: inside the installed package (a wheel puts
    the repository's ``data/`` there), or ``data/`` beside the package in a source tree."""
    try:
        packaged = resources.files("mapgen") / "_data"
        if packaged.is_dir():
            return Path(str(packaged))
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - unusual loaders
        pass
    return Path(__file__).resolve().parent.parent / "data"


def shipped() -> dict[str, Theatre]:
    """Every theatre that travels with mapgen, by id (a folder of ``data/`` with a
    ``theatre.toml``)."""
    root = _data_root()
    out = {}
    for toml in sorted(root.glob(f"*/{FILE}")):
        theatre = read_theatre(toml.parent)
        out[theatre.id] = theatre
    return out


def default_folder() -> Path:
    """The records folder of the default theatre (the repository's ``data/events``)."""
    return _data_root() / "events"


def find(name: str) -> Theatre:
    """A shipped theatre by id.

    Raises
    ------
    InputError
        No shipped theatre has that id; the message lists them.
    """
    theatres = shipped()
    if name in theatres:
        return theatres[name]
    raise InputError(f"unknown theatre {name!r}: shipped theatres are "
                     f"{', '.join(theatres) or '(none)'} ('mapgen theatres' lists them)")


def locate(data: str | os.PathLike[str] | None, name: str | None) -> tuple[Path, Theatre]:
    """The records folder and theatre of ``data`` (a theatre folder, the default shipped
    theatre when None) or of the shipped theatre ``name``: a bare records folder borrows the
    default theatre's vocabulary and boundaries."""
    if name is not None and data is not None:
        raise InputError("give a theatre folder or a shipped theatre's name, not both")
    if name is not None:
        th = find(name)
        folder = th.folder
    else:
        folder = Path(data) if data is not None else default_folder()
        if not folder.is_dir():
            raise MissingFileError(f"{folder}: records folder not found "
                                   "(give data=, or --data DIR on the command line)")
        # a bare records folder borrows the default theatre's vocabulary and boundaries
        th = read_theatre(folder if (folder / FILE).is_file() else default_folder())
    return folder, th
