"""Prepared pages: a one-date page of a theatre already checked, without loading it again.

A page has two parts. One does not depend on its date: the checked boundaries and records,
the region, the page geometry, names, legend and sites, and the page around the data that
folium writes (Leaflet, mapgen's code, the map and its layers). The other is the records in
force on the date (:func:`mapgen.render.payload.records_payload`). After ``mapgen render``
has built a page the full way, it keeps the first part, the records as plain columns and
the chains that decide each place (:func:`mapgen.control.region_places`) in one JSON file
beside the geometry cache. A later ``mapgen render`` of the same inputs and options, for any
date, resolves that date with :mod:`mapgen.arrays` and writes the page from the kept parts:
it imports numpy and the standard library, not pandas, geopandas, shapely, pyproj or folium.

The file is keyed by everything the page depends on besides its date: the bytes of the
theatre file, of every ``.csv`` in the records folder, of the boundary file (and its
sidecars and the neighbours file beside it), mapgen's own code and assets, the installed
libraries, the input size limit and the page options. Any change makes a new key, so the
full path runs again, checks everything and keeps a new file. A file is kept only when the
page it rebuilds for the date just rendered is byte for byte the page the full path wrote,
and one that cannot be read or is not what was kept is ignored, never trusted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import arrays
from .files import NEIGHBOURS_FILE, boundary_files, cache_dir, installed, read_bounded, write_atomic
from .model import Record, Source
from .render.payload import date_label, records_payload, to_script_json
from .theatre import FILE as THEATRE_FILE
from .theatre import locate

if TYPE_CHECKING:
    from .api import Dataset

log = logging.getLogger("mapgen")

#: Layout of the kept file; bumped on any change to it.
FORMAT = 1
#: The payload keys :func:`~mapgen.render.payload.records_payload` writes; the rest is kept.
DATED_KEYS = ("frames", "lists", "names", "records", "sources", "strings")
#: The most prepared pages kept; the least recently used go first.
KEEP = 32
#: The largest kept page read (a 40,000-district theatre keeps about 20 MB).
MAX_KEPT_BYTES = 1 << 30
#: Libraries whose code or data shapes a page (geometry, templates, escaping, tile
#: providers, Leaflet), by module and distribution: what pip installed of each (its
#: ``RECORD``, rewritten by every install) is part of the key, found without importing it.
LIBRARIES = (("folium", "folium"), ("branca", "branca"), ("jinja2", "jinja2"),
             ("markupsafe", "markupsafe"), ("numpy", "numpy"), ("pandas", "pandas"),
             ("geopandas", "geopandas"), ("shapely", "shapely"), ("pyproj", "pyproj"),
             ("pyogrio", "pyogrio"), ("xyzservices", "xyzservices"),
             ("xstatic.pkg.leaflet", "xstatic_leaflet"))


@lru_cache(maxsize=1)
def code_digest() -> str:
    """mapgen's own code and assets, the libraries as installed and the Python version."""
    h = hashlib.sha256(f"{FORMAT}\0{sys.version}\0".encode())
    root = Path(__file__).parent
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts[0] in ("_data", "__pycache__") or "__pycache__" in rel.parts \
                or not path.is_file():
            continue
        h.update(str(rel).encode() + b"\0" + path.read_bytes() + b"\0")
    for module, dist in LIBRARIES:
        h.update(f"{module}\0{installed(module, dist)}\0".encode())
    return h.hexdigest()


def page_key(data: str | os.PathLike[str] | None, theatre: str | None,
             boundaries: str | os.PathLike[str] | None, max_input_bytes: int,
             options: dict[str, Any]) -> str | None:
    """The key of a one-date page of these inputs and ``options``, or None when an input is
    missing or not a plain file within the size limit (the full path then says what is
    wrong)."""
    try:
        folder, th = locate(data, theatre)
        bfile = Path(boundaries) if boundaries is not None else th.boundaries
        if bfile is None:
            return None
        parts = boundary_files(bfile) if bfile.is_file() else None
        if parts is None:  # missing, or a format that can read files we cannot name
            return None
        beside = bfile.parent / NEIGHBOURS_FILE
        files = [th.folder / THEATRE_FILE, *sorted(folder.glob("*.csv")), *parts,
                 *([beside] if beside.is_file() else [])]
        h = hashlib.sha256(code_digest().encode())
        h.update(repr(sorted(options.items())).encode())
        h.update(f"\0{max_input_bytes}\0{folder.resolve()}\0{th.folder.resolve()}\0".encode())
        # read now, not remembered by modification time: a file rewritten at once with the
        # same size is still seen; a FIFO, a device or an oversized file is no key
        for f in files:
            content = read_bounded(f, max_bytes=max_input_bytes)
            h.update(f"{f.resolve()}\0{hashlib.sha256(content).hexdigest()}\0".encode())
        return h.hexdigest()
    except Exception as exc:
        log.debug("no prepared page key: %s", exc)
        return None


def _path(key: str) -> Path:
    return cache_dir() / f"prepared-{key[:32]}.json"


class Prepared:
    """A kept theatre and page, ready to write the page of any date."""

    def __init__(self, kept: dict[str, Any]) -> None:
        self.head: str = kept["head"]
        self.tail: str = kept["tail"]
        self.static: dict[str, Any] = kept["static"]
        self.warnings = int(kept["warnings"])
        #: what the full build logged as warnings (a bad line of the neighbours file): said
        #: again each time the page is written from here
        self.messages = [str(m) for m in kept["messages"]]
        self.status_index: dict[str, int] = kept["status_index"]
        self.names: dict[str, str] = kept["names"]
        self.records = tuple(Record(dt.date.fromisoformat(d), p, s, n, tuple(src), c, line)
                             for d, p, s, n, src, c, line in kept["records"])
        self.sources = {sid: Source(sid, pub, title, dt.date.fromisoformat(day), url, line)
                        for sid, (pub, title, day, url, line) in kept["sources"].items()}
        self.index = arrays.RecordIndex.of(
            self.records, {p: i for i, p in enumerate(kept["places"])}, self.status_index)
        self.d_chain = np.array(kept["d_chain"], dtype=np.int64).reshape(-1, 3)
        self.s_chain = np.array(kept["s_chain"], dtype=np.int64).reshape(-1, 3)
        self.site_district = np.array(kept["site_district"], dtype=np.int64)
        self.status = arrays.status_legend(self.index, self.status_index)
        self.sides = np.array(kept["sides"], dtype=np.int64)
        if (len(self.d_chain) != len(self.static["districts"]["code"])
                or len(self.s_chain) != len(self.static["sites"]["id"])
                or len(self.site_district) != len(self.s_chain)):
            raise ValueError("kept page does not match its region")

    def page(self, day: dt.date) -> str:
        """The page of ``day``."""
        cols, column = arrays.columns(self.index, np.array([day.toordinal()], dtype=np.int64))
        d_rec, d_held = arrays.table(self.index, self.d_chain, cols)
        s_rec, s_held = arrays.table(self.index, self.s_chain, cols)
        pos = arrays.positions(self.status, self.sides, s_rec[:, 0], d_rec[:, 0],
                               self.site_district)
        dated = records_payload(
            self.records, self.sources, self.status_index, self.names,
            self.static["districts"]["code"], self.static["provinces"]["code"],
            (d_rec[:, column], d_held[:, column], s_rec[:, column], s_held[:, column],
             [np.flatnonzero(pos).tolist()]), [day], [date_label(day)])
        return self.head + to_script_json({**self.static, **dated}) + self.tail


def read(key: str) -> Prepared | None:
    """The kept page of ``key``, or None when there is none or it is not what was kept: the
    file's first line holds its format, key and the SHA-256 of the rest, checked before the
    rest is read as JSON; a FIFO, a device or a huge file there is never read."""
    path = _path(key)
    if not os.path.lexists(path):
        return None
    try:
        text = read_bounded(path, max_bytes=MAX_KEPT_BYTES).decode("utf-8")
        first, _, body = text.partition("\n")
        head = json.loads(first)
        if head != {"format": FORMAT, "key": key,
                    "sha256": hashlib.sha256(body.encode("utf-8")).hexdigest()}:
            return None
        found = Prepared(json.loads(body))
    except Exception as exc:  # damaged, or not ours: the full path runs
        log.debug("ignoring prepared page %s: %s", path, exc)
        return None
    with contextlib.suppress(OSError):  # used now: the last to be pruned
        os.utime(path)
    return found


def _prune(keep: Path) -> None:
    """Remove all but the :data:`KEEP` most recently used prepared pages (and ``keep``)."""
    try:
        pages = sorted(keep.parent.glob("prepared-*.json"), key=lambda p: p.stat().st_mtime_ns,
                       reverse=True)
    except OSError:
        return
    for old in [p for p in pages if p != keep][KEEP - 1:]:
        with contextlib.suppress(OSError):
            old.unlink()


def keep(key: str, ds: Dataset, html: str, payload_json: str, day: dt.date,
         warnings: int, messages: list[str]) -> bool:
    """Keep the page ``html`` (of ``day``, built the full way from ``ds``, its data written
    as ``payload_json``; ``warnings`` counted in the input and ``messages`` logged while it
    was built) for later dates; True when kept. Kept only when the kept parts rebuild this
    very page."""
    from .control import region_places

    if html.count(payload_json) != 1:
        return False
    head, tail = html.split(payload_json)
    payload = json.loads(payload_json)
    static = {k: v for k, v in payload.items() if k not in DATED_KEYS}
    pcodes = static["provinces"]["code"]
    pl = region_places(ds.records, ds.geo, pcodes)
    if pl.district_codes != static["districts"]["code"] or \
            [s.site_id for s in pl.sites] != static["sites"]["id"]:
        return False
    geo = ds.geo
    names = {str(geo.country.index[0]): str(geo.country["name"].iloc[0]),
             **{c: str(geo.provinces.loc[c, "name"]) for c in pcodes},
             **{c: str(geo.districts.loc[c, "name"]) for c in pl.district_codes}}
    theatre = ds.theatre
    kept = {
        "format": FORMAT, "key": key, "head": head, "tail": tail, "static": static,
        "warnings": warnings, "messages": messages, "status_index": dict(theatre.index),
        "sides": arrays.side_legend(theatre.index, theatre.sides).tolist(), "names": names,
        "records": [[r.date.isoformat(), r.place, r.status, r.note, list(r.sources),
                     r.confidence, r.line] for r in ds.records.control],
        "sources": {sid: [s.publisher, s.title, s.published.isoformat(), s.url, s.line]
                    for sid, s in ds.records.sources.items()},
        "places": pl.places, "d_chain": pl.d_chain.tolist(), "s_chain": pl.s_chain.tolist(),
        "site_district": pl.site_district.tolist(),
    }
    body = json.dumps(kept, ensure_ascii=False, separators=(",", ":"))
    head = json.dumps({"format": FORMAT, "key": key,
                       "sha256": hashlib.sha256(body.encode("utf-8")).hexdigest()})
    try:
        if Prepared(json.loads(body)).page(day) != html:
            log.debug("a prepared page would differ from the full page: not kept")
            return False
        write_atomic(_path(key), head + "\n" + body)
        _prune(_path(key))
    except (OSError, ValueError) as exc:  # the kept page is an optimisation
        log.debug("could not keep the prepared page: %s", exc)
        return False
    return True
