"""Read and validate the record files; return typed tables plus every problem found."""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer

from .errors import DataError, FileError, MapgenError, MissingFileError, Problem
from .files import MAX_INPUT_BYTES, read_bounded
from .gazetteer import Gazetteer, Place, normalise
from .geography import Geography, load_boundaries
from .model import Record, Site, Source, parse_date
from .sanitize import control_chars
from .theatre import Theatre

CONFIDENCE = ("high", "medium", "low")
PRECISION = ("exact", "approximate", "centroid")
#: Values of the optional ``capital`` column of ``sites.csv``: the seat of a province or of
#: the country (empty for any other site).
CAPITAL = ("", "province", "country")
EARLIEST = dt.date(1900, 1, 1)

COLUMNS = {
    "sources.csv": ("source_id", "publisher", "title", "published", "url"),
    "sites.csv": ("site_id", "name", "kind", "lat", "lon", "district", "precision"),
    "control.csv": ("date", "place", "status", "note", "sources", "confidence"),
    "aliases.csv": ("alias", "place"),
    "trackers.csv": ("date", "tracker", "unit", "total", "status", "count", "source", "note"),
}
OPTIONAL_FILES = ("aliases.csv", "trackers.csv")
#: Columns a file may have beyond the required ones (and, in sites.csv, any ``name_*``).
OPTIONAL_COLUMNS = {"sites.csv": ("capital",)}
_ID = re.compile(r"[a-z0-9][a-z0-9._-]*")
#: A decimal number in ASCII digits: no "3_6.7", no other scripts' digits, no nan or inf.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def parse_number(value: str) -> float:
    """A decimal number written with ASCII digits (``36.729``, ``-1``, ``.5``); raises
    ValueError for anything else, including what ``float()`` would also take (``3_6.7``,
    Devanagari digits, ``1e3``, ``nan``, ``inf``)."""
    if not _NUMBER.fullmatch(value.strip()):
        raise ValueError(f"{value!r} is not a decimal number")
    return float(value.strip())


def latest_today() -> dt.date:
    """Today's date where it is latest on Earth (UTC+14): a date is in the future only if
    it is in the future everywhere, so validity does not depend on the machine's time zone."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=14)).date()


@dataclass(frozen=True)
class Records:
    """Validated records: sources by id, sites by id, control records sorted by date."""

    sources: dict[str, Source]
    sites: dict[str, Site]
    control: tuple[Record, ...]
    gazetteer: Gazetteer
    folder: Path
    theatre: Theatre
    warnings: tuple[Problem, ...] = ()


@dataclass
class _Reader:
    folder: Path
    problems: list[Problem] = field(default_factory=list)
    max_bytes: int = MAX_INPUT_BYTES
    #: ids of sources and sites that are present but rejected (reported once, where they
    #: are defined, not again wherever they are cited)
    bad_ids: set[str] = field(default_factory=set)
    #: files that could not be read to the end: what they define is unknown, so a reference
    #: to it is not reported again as "no such id"
    failed: set[str] = field(default_factory=set)

    def fail(self, file: str, line: int, fld: str, value: object, msg: str,
             hint: str = "") -> None:
        self.problem(file, line, fld, value, msg, hint)
        self.failed.add(file)

    def problem(self, file: str, line: int, fld: str, value: object, msg: str, hint: str = "",
                severity: str = "error") -> None:
        shown = os.path.join(str(self.folder), file)
        self.problems.append(Problem(shown, line, fld, str(value), msg, hint, severity))

    def rows(self, name: str) -> Iterator[tuple[int, dict[str, str]]]:
        path = self.folder / name
        if not path.exists() and not path.is_symlink():
            if name in OPTIONAL_FILES:
                return
            present = sorted(p.name for p in self.folder.glob("*.csv"))
            close = difflib.get_close_matches(name, present, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"expected files: {', '.join(COLUMNS)}"
            self.fail(name, 0, "file", name, "file is missing", hint)
            return
        try:
            raw = read_bounded(path, max_bytes=self.max_bytes, inside=self.folder)
        except FileError as exc:
            self.fail(name, 0, "file", name, str(exc).removeprefix(f"{path}: "),
                         "records are regular files inside the records folder")
            return
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            self.fail(name, line, "encoding", raw[exc.start : exc.start + 4].hex(" "),
                         "not UTF-8 text", "save the file as CSV UTF-8 from your spreadsheet")
            return
        if "\x00" in text:
            self.fail(name, text[: text.index("\x00")].count("\n") + 1, "encoding", "NUL",
                         "file holds a NUL byte: not a text file", "save the file as CSV UTF-8")
            return
        if not text.strip():
            self.fail(name, 0, "file", "", "file is empty",
                         f"the first line must name the columns: {', '.join(COLUMNS[name])}")
            return
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            header = [h.strip() for h in next(reader)]
        except csv.Error as exc:
            self.fail(name, 1, "header", "", f"cannot be read as CSV: {exc}")
            return
        missing = [c for c in COLUMNS[name] if c not in header]
        for col in missing:
            close = difflib.get_close_matches(col, [h for h in header if h not in COLUMNS[name]], n=1)
            hint = f"did you mean to call {close[0]!r} {col!r}?" if close else \
                f"the first line must name the columns {', '.join(COLUMNS[name])}"
            self.problem(name, 1, "header", col, "column is missing", hint)
        if missing:
            self.failed.add(name)
            return
        seen_header = set()
        known = (*COLUMNS[name], *OPTIONAL_COLUMNS.get(name, ()))
        for h in header:
            if h in seen_header:
                self.problem(name, 1, "header", h, "column named twice")
            seen_header.add(h)
            if h in known or not h or (name == "sites.csv" and h.startswith("name_")):
                continue
            close = difflib.get_close_matches(h, known, n=1, cutoff=0.75)
            if close:
                self.problem(name, 1, "header", h, "unknown column",
                             f"did you mean {close[0]!r}? (a misspelt column would be ignored)")
            else:
                self.problem(name, 1, "header", h, "unknown column, ignored",
                             f"mapgen reads {', '.join(known)}", "warning")
        start = reader.line_num + 1
        id_col = {"sources.csv": 0, "sites.csv": 0}.get(name)
        try:
            for cells in reader:
                line = start
                start = reader.line_num + 1
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) != len(header):
                    self.problem(name, line, "row", f"{len(cells)} fields",
                                 f"expected {len(header)} fields as in the header",
                                 "a comma inside a value needs the value in double quotes")
                    if id_col is not None and cells:
                        self.bad_ids.add(cells[id_col].strip())
                    continue
                row = {h: c.strip() for h, c in zip(header, cells, strict=True)}
                bad = [h for h, c in row.items() if control_chars(c)]
                for h in bad:
                    self.problem(name, line, h, row[h], "holds control characters "
                                 f"({control_chars(row[h])})", "remove them: they are not text")
                if bad:
                    if id_col is not None:
                        self.bad_ids.add(cells[id_col].strip())
                    continue
                yield line, row
        except csv.Error as exc:
            self.fail(name, start, "row", "", f"cannot be read as CSV: {exc}",
                         "check for an unclosed double quote")

    def date(self, file: str, line: int, fld: str, value: str) -> dt.date | None:
        try:
            day = parse_date(value)
        except ValueError:
            self.problem(file, line, fld, value, "not a date", "write dates as YYYY-MM-DD")
            return None
        today = latest_today()
        if day > today or day < EARLIEST:
            self.problem(file, line, fld, value, "date out of range",
                         f"dates must lie between {EARLIEST} and today ({today})")
            return None
        return day

    def new_id(self, file: str, line: int, fld: str, value: str, first: int | None) -> bool:
        """Check an id's form and that it is new (``first``: the line that already has it,
        0 for a place code from the boundaries, None if unused)."""
        if not _ID.fullmatch(value):
            self.problem(file, line, fld, value, "not a valid id",
                         "lower-case letters, digits, '.', '_' and '-'")
            return False
        if first is not None:
            where = f" (first on line {first})" if first else " (a place code already)"
            self.problem(file, line, fld, value, "duplicate id" + where)
            return False
        return True

    def choice(self, file: str, line: int, fld: str, value: str, allowed: tuple[str, ...]) -> bool:
        if value in allowed:
            return True
        close = difflib.get_close_matches(value.lower(), allowed, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"use one of: {', '.join(allowed)}"
        self.problem(file, line, fld, value, "not an allowed value", hint)
        return False


def base_gazetteer(geo: Geography) -> Gazetteer:
    """Country, provinces and districts by code, name and second name."""
    gaz = Gazetteer()
    # columns, not rows: iterrows builds a Series per feature (minutes for 40,000 districts)
    c = geo.country
    for code, name, local in zip(c.index, c["name"], c["name_local"], strict=True):
        gaz.add(Place(str(code), str(name), "country", ""), [str(local)])
    p = geo.provinces
    for code, name, local in zip(p.index, p["name"], p["name_local"], strict=True):
        gaz.add(Place(str(code), str(name), "province", str(code)), [str(local)])
    d = geo.districts
    for code, name, prov, local in zip(d.index, d["name"], d["province_pcode"], d["name_local"],
                                      strict=True):
        gaz.add(Place(str(code), str(name), "district", str(prov)), [str(local)])
    return gaz


def load_records(
    folder: str | os.PathLike[str], geo: Geography, theatre: Theatre, *,
    max_input_bytes: int = MAX_INPUT_BYTES,
) -> Records:
    """Read ``sources.csv``, ``sites.csv``, ``control.csv`` and ``aliases.csv`` from ``folder``
    and check them against each other, against the boundaries and against the statuses and
    site kinds of ``theatre``.

    Raises
    ------
    MissingFileError
        ``folder`` does not exist.
    DataError
        Any error was found; it lists all of them (and the warnings) at once.
    """
    return _load_records(folder, geo, theatre, [], max_input_bytes)


def load_checked(
    folder: str | os.PathLike[str], boundaries: str | os.PathLike[str] | None,
    theatre: Theatre, *, max_input_bytes: int = MAX_INPUT_BYTES,
) -> tuple[Geography, Records]:
    """The boundaries and the records, every problem of both reported at once: when the
    boundaries fail, the records are still checked for everything that does not need them."""
    try:
        geo: Geography | None = load_boundaries(boundaries, max_input_bytes=max_input_bytes)
        first: list[Problem] = []
        failure: MapgenError | None = None
    except DataError as exc:
        geo, first, failure = None, list(exc.problems), exc
    except MapgenError as exc:
        geo, failure = None, exc
        first = [Problem(str(boundaries), 0, "file", str(boundaries), str(exc))]
    try:
        records = _load_records(folder, geo, theatre, [], max_input_bytes)
    except DataError as exc:
        if failure is None:
            raise
        raise DataError(first + exc.problems) from None
    except MapgenError:
        if failure is not None:
            raise failure from None
        raise
    if failure is not None:  # the records were fine: the boundaries' own error stands
        raise failure
    assert geo is not None
    return geo, records


def _load_records(
    folder: str | os.PathLike[str], geo: Geography | None, theatre: Theatre,
    problems: list[Problem], max_input_bytes: int,
) -> Records:
    root = Path(folder)
    if not root.is_dir():
        raise MissingFileError(f"{root}: records folder not found (give data= / --data DIR)")
    rd = _Reader(root, list(problems), max_input_bytes)
    sources = _read_sources(rd)
    gaz = base_gazetteer(geo) if geo is not None else Gazetteer()
    sites = _read_sites(rd, geo, gaz, theatre)
    _read_aliases(rd, gaz, ("all", *theatre.regions), checked=geo is not None)
    control = _read_control(rd, geo, gaz, sources, sites, theatre)
    if any(p.severity == "error" for p in rd.problems):
        raise DataError(rd.problems)
    return Records(sources, sites, control, gaz, root, theatre, tuple(rd.problems))


def _read_sources(rd: _Reader) -> dict[str, Source]:
    f = "sources.csv"
    out: dict[str, Source] = {}
    for line, row in rd.rows(f):
        sid = row["source_id"]
        first = out[sid].line if sid in out else None
        if not rd.new_id(f, line, "source_id", sid, first):
            if first is None:
                rd.bad_ids.add(sid)
            continue
        day = rd.date(f, line, "published", row["published"])
        url = row["url"]
        if url and not re.match(r"https?://[^\s/]+\S*\Z", url, flags=re.I):
            rd.problem(f, line, "url", url, "not an http(s) URL",
                       "give the page's address starting with https://")
            rd.bad_ids.add(sid)
            continue
        if not url:
            rd.problem(f, line, "url", url, "no URL: the source cannot be linked",
                       "add the page's address", "warning")
        for fld in ("publisher", "title"):
            if not row[fld]:
                rd.problem(f, line, fld, "", "empty", f"give the source's {fld}",
                           "warning" if fld == "title" else "error")
        if day is None or not row["publisher"]:
            rd.bad_ids.add(sid)
            continue
        out[sid] = Source(sid, row["publisher"], row["title"], day, url, line)
    return out


def _distance_km(geo: Geography, shape: shapely.Geometry, point: shapely.Point) -> float:
    to_ea = Transformer.from_crs("EPSG:4326", geo.equal_area, always_xy=True)

    def project(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(to_ea.transform(xy[:, 0], xy[:, 1]))

    a, b = shapely.transform(shape, project), shapely.transform(point, project)
    return float(shapely.distance(a, b)) / 1000


def _read_sites(rd: _Reader, geo: Geography | None, gaz: Gazetteer, theatre: Theatre
                ) -> dict[str, Site]:
    f = "sites.csv"
    out: dict[str, Site] = {}
    if geo is not None:  # looked up once, not through the frame's indexers for every site
        shapes = dict(zip(geo.districts.index, geo.districts.geometry.values, strict=True))
        provinces = dict(zip(geo.districts.index, geo.districts["province_pcode"], strict=True))
    for line, row in rd.rows(f):
        sid = row["site_id"]
        first = out[sid].line if sid in out else (0 if sid in gaz.places else None)
        if not rd.new_id(f, line, "site_id", sid, first):
            if first is None:
                rd.bad_ids.add(sid)
            continue
        ok = rd.choice(f, line, "kind", row["kind"], theatre.kind_ids)
        ok &= rd.choice(f, line, "precision", row["precision"], PRECISION)
        ok &= rd.choice(f, line, "capital", row.get("capital", ""), CAPITAL)
        coords = []
        for fld, limit in (("lat", 90.0), ("lon", 180.0)):
            try:
                value = parse_number(row[fld])
                if not -limit <= value <= limit:
                    raise ValueError
                coords.append(value)
            except ValueError:
                rd.problem(f, line, fld, row[fld], "not a coordinate",
                           f"decimal degrees between -{limit:g} and {limit:g}")
                ok = False
        district = row["district"]
        if geo is not None and district not in shapes:
            rd.problem(f, line, "district", district, "unknown district P-code",
                       gaz.did_you_mean(district, levels=("district",)))
            ok = False
        if not row["name"]:
            rd.problem(f, line, "name", "", "empty")
            ok = False
        if not ok:
            rd.bad_ids.add(sid)
            continue
        lat, lon = coords
        others = tuple(v for k, v in row.items() if k.startswith("name_") and v)
        site = Site(sid, row["name"], row["kind"], lat, lon, district, row["precision"], line,
                    others, row.get("capital", ""))
        if geo is None:  # boundaries failed: the site is checked as far as it can be
            out[sid] = site
            continue
        shape = shapes[district]
        point = shapely.Point(lon, lat)
        if not shape.covers(point):
            km = _distance_km(geo, shape, point)
            rd.problem(f, line, "lat/lon", f"{lat}, {lon}",
                       f"point lies {km:.1f} km outside district {district}",
                       "check the coordinates (lat first) or the district code")
            rd.bad_ids.add(sid)
            continue
        out[sid] = site
        province = str(provinces[district])
        gaz.add(Place(sid, site.name, "site", province), list(others))
    return out


def _read_aliases(rd: _Reader, gaz: Gazetteer, region_words: tuple[str, ...], *,
                  checked: bool = True) -> None:
    f = "aliases.csv"
    for line, row in rd.rows(f):
        alias, place = row["alias"], row["place"]
        if place in rd.bad_ids:
            continue  # the site's own error is reported where it is defined
        if not alias:
            rd.problem(f, line, "alias", "", "empty")
            continue
        key = normalise(alias)
        if key in {normalise(w) for w in region_words}:
            rd.problem(f, line, "alias", alias, "is a --region word",
                       f"{', '.join(region_words)} name regions; choose another alias")
            continue
        if not checked:
            continue
        if place not in gaz.places and "sites.csv" in rd.failed:
            continue
        if place not in gaz.places:
            rd.problem(f, line, "place", place, "unknown place code",
                       gaz.did_you_mean(place))
            continue
        # a name shared by a city and its district is normal; but --region and the records
        # must never find a different place under a province's (or country's) name or code
        others = sorted(c for c in gaz.codes_named(alias) - {place}
                        if gaz.places[c].level in ("country", "province") or normalise(c) == key)
        if others:
            named = ", ".join(f"{gaz.places[c].level} {gaz.places[c].name} ({c})"
                              for c in others)
            rd.problem(f, line, "alias", alias, f"already names {named}",
                       f"it would shadow that name; here it points to {place}")
            continue
        gaz.add_alias(alias, place)


def _read_control(rd: _Reader, geo: Geography | None, gaz: Gazetteer,
                  sources: dict[str, Source], sites: dict[str, Site], theatre: Theatre
                  ) -> tuple[Record, ...]:
    f = "control.csv"
    out: list[Record] = []
    seen: dict[tuple[str, dt.date], Record] = {}
    for line, row in rd.rows(f):
        ok = True
        day = rd.date(f, line, "date", row["date"])
        place = row["place"]
        if place in rd.bad_ids:  # a rejected site: reported once, in sites.csv
            ok = False
        elif geo is None:
            pass  # no boundaries to check the place against
        elif place not in gaz.places and "sites.csv" in rd.failed:
            ok = False  # perhaps a site of the unreadable sites.csv: reported there
        elif place not in gaz.places:
            rd.problem(f, line, "place", place, "unknown place",
                       "use a country, province or district P-code or a site_id; "
                       + gaz.did_you_mean(place))
            ok = False
        ok &= rd.choice(f, line, "status", row["status"], theatre.status_ids)
        ok &= rd.choice(f, line, "confidence", row["confidence"], CONFIDENCE)
        cited = tuple(s.strip() for s in row["sources"].split(";") if s.strip())
        if not cited:
            rd.problem(f, line, "sources", row["sources"], "no source cited",
                       "every record cites at least one source_id from sources.csv")
            ok = False
        for sid in cited:
            if sid in rd.bad_ids or "sources.csv" in rd.failed:
                ok = False  # a rejected source, or an unreadable file: reported once, there
            elif sid not in sources:
                close = difflib.get_close_matches(sid, list(sources), n=1)
                rd.problem(f, line, "sources", sid, "no such source_id in sources.csv",
                           f"did you mean {close[0]!r}?" if close else "add it to sources.csv")
                ok = False
        if day is None or not ok:
            continue
        published = [sources[s].published for s in cited]
        if max(published) < day:
            rd.problem(f, line, "date", row["date"],
                       f"after every cited source was published (latest {max(published)})",
                       "a source cannot report a later event: check the date or the source")
            continue
        rec = Record(day, place, row["status"], row["note"], cited, row["confidence"], line)
        key = (place, day)
        if key in seen:
            first = seen[key]
            if first.status != rec.status:
                rd.problem(f, line, "status", rec.status,
                           f"disagrees with line {first.line} ({first.status}) for {place} on {day}",
                           "keep one record per place and day; put the other report in note")
            else:
                rd.problem(f, line, "place", place,
                           f"repeats line {first.line} (same place, day and status); this line is ignored",
                           "merge the two rows, listing both sources", "warning")
            continue
        seen[key] = rec
        out.append(rec)
    return tuple(sorted(out, key=lambda r: (r.date, r.place, r.line)))
