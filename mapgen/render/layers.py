"""The data a page draws: web geometry, resolved statuses per date, sites and sources.

Geometry is written once, as arcs (each shared border once, see :mod:`mapgen.arcs`); each
date adds only the statuses that differ from the previous date, so a timeline costs little
more than a single map. Statuses come from the arrays of one places x dates table.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from ..arcs import Topology, build_topology
from ..control import ControlState, Resolution, TableDay
from ..files import cache_dir
from ..geography import GRID, RTL_LANGUAGES, Geography, WebGeometry
from ..prepared import code_digest
from ..records import Records
from .labels import district_label_points, neighbour_labels
from .payload import STRING_COLUMNS, date_label, decode_texts, encode_texts, records_payload
from .style import PAYLOAD_VERSION, legend_payload

__all__ = ["STRING_COLUMNS", "build_payload", "date_label", "decode_texts", "encode_texts"]

_SCALE = round(1 / GRID)


def encode_geometry(geom: shapely.Geometry) -> list[list[list[int]]]:
    """Polygon or MultiPolygon as ``[polygon[ring[x0, y0, dx1, dy1, ...]]]``: coordinates in
    units of :data:`GRID` degrees (x = longitude), each after the first as a difference from
    the one before. Decoded by ``mapgen.js``; about a third of the size of GeoJSON."""
    polys = list(geom.geoms) if hasattr(geom, "geoms") else [geom]
    out = []
    for poly in polys:
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        rings = []
        for ring in (poly.exterior, *poly.interiors):
            xy = np.rint(np.asarray(ring.coords)[:-1, :2] * _SCALE).astype(np.int64)
            if len(xy) < 3:
                continue
            delta = np.vstack([xy[:1], np.diff(xy, axis=0)])
            rings.append(delta.ravel().tolist())
        if rings:
            out.append(rings)
    return out


def _store(cache: Path, text: str) -> None:
    """Write a cache file beside the geometry cache through a temporary file and a rename, so a
    reader never sees half of it; a read-only cache folder costs only the time to build it
    again."""
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(cache)
    except OSError:
        pass


@lru_cache(maxsize=4)
def _topology(web: WebGeometry, groups: tuple[str, ...]) -> Topology:
    """The arcs of the whole web geometry, built once per geometry (a batch reuses them) and
    kept beside the geometry cache, so a later run reads them instead."""
    cache = None
    if web.key:
        tag = hashlib.sha256(repr((groups, _SCALE, code_digest())).encode()).hexdigest()[:12]
        cache = cache_dir() / f"arcs-{web.key}-{tag}.json"
        try:
            return Topology.from_json(cache.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError):
            pass  # missing or damaged: rebuilt
    topo = build_topology(web.districts.values, groups, _SCALE)
    if cache is not None:
        _store(cache, topo.to_json())
    return topo


@lru_cache(maxsize=4)
def _all_district_labels(web: WebGeometry) -> dict[str, list[float]]:
    """:func:`~mapgen.render.labels.district_label_points` of every district of the web
    geometry, computed once per geometry and kept beside the geometry cache (finding each
    district's largest inscribed circle is most of the time a page takes to build)."""
    codes = [str(c) for c in web.districts.index]
    cache = None
    if web.key:
        cache = cache_dir() / f"labels-{web.key}-{code_digest()[:12]}.json"
        try:
            found = json.loads(cache.read_text(encoding="utf-8"))
            if (isinstance(found, dict) and list(found) == codes
                    and all(isinstance(v, list) and len(v) == 3
                            and all(isinstance(x, float | int) and not isinstance(x, bool)
                                    and math.isfinite(x) for x in v)
                            for v in found.values())):
                return found
        except (OSError, ValueError):
            pass  # missing or damaged: computed again
    found = dict(zip(codes, district_label_points(web.districts, codes), strict=True))
    if cache is not None:
        _store(cache, json.dumps(found, separators=(",", ":")))
    return found


def _district_labels(web: WebGeometry, codes: tuple[str, ...]) -> list[list[float]]:
    found = _all_district_labels(web)
    return [found[c] for c in codes]


_ENCODED_KEYS = ("arcs", "districts", "provinces", "context", "country", "labels")


@lru_cache(maxsize=8)
def _encoded(web: WebGeometry, groups: tuple[str, ...], districts: tuple[str, ...],
             provinces: tuple[str, ...], avoid: tuple[tuple[float, float], ...] = ()
             ) -> dict[str, Any]:
    """The page's geometry as a topology: the arcs the region and its context use (each
    border once), and districts, provinces, context provinces and the country outline as
    rings of arc references; and province label points. Computed once per geometry and
    region (a batch of dates reuses them) and kept beside the geometry cache, so a later
    page of the same region reads them instead."""
    cache = None
    if web.key:
        tag = hashlib.sha256(repr((groups, districts, provinces, avoid, _SCALE,
                                   code_digest())).encode())
        cache = cache_dir() / f"page-{web.key}-{tag.hexdigest()[:20]}.json"
        try:
            found = json.loads(cache.read_text(encoding="utf-8"))
            if (isinstance(found, dict) and tuple(found) == _ENCODED_KEYS
                    and all(isinstance(v, list) for v in found.values())
                    and all(isinstance(a, str) for a in found["arcs"])
                    and len(found["districts"]) == len(districts)
                    and len(found["provinces"]) == len(provinces) == len(found["labels"])):
                return found
        except (OSError, ValueError):
            pass  # missing or damaged: built again
    enc = _build_encoded(web, groups, districts, provinces, avoid)
    if cache is not None:
        _store(cache, json.dumps(enc, separators=(",", ":")))
    return enc


def _build_encoded(web: WebGeometry, groups: tuple[str, ...], districts: tuple[str, ...],
                   provinces: tuple[str, ...], avoid: tuple[tuple[float, float], ...]
                   ) -> dict[str, Any]:
    topo = _topology(web, groups)
    row = {c: i for i, c in enumerate(web.districts.index)}
    wanted = set(provinces)
    context = [c for c in web.provinces.index if c not in wanted and c in topo.provinces]
    dgeom = [topo.districts[row[c]] for c in districts]
    pgeom = [topo.provinces.get(c, []) for c in provinces]
    cgeom = [topo.provinces[c] for c in context]
    outline = topo.country
    used = {r if r >= 0 else ~r for obj in (*dgeom, *pgeom, *cgeom, outline)
            for ring in obj for r in ring}
    arcs, renum = topo.encoded_arcs(used)

    def ren(obj: list[list[int]]) -> list[list[int]]:
        return [[renum[r] if r >= 0 else ~renum[~r] for r in ring] for ring in obj]

    return {  # in the order of _ENCODED_KEYS
        "arcs": arcs,
        "districts": [ren(g) for g in dgeom],
        "provinces": [ren(g) for g in pgeom],
        "context": [ren(g) for g in cgeom],
        "country": ren(outline),
        "labels": _label_points([web.provinces[c] for c in provinces], avoid),
    }


def _label_points(geoms: list[shapely.Geometry], avoid: tuple[tuple[float, float], ...]
                  ) -> list[list[float]]:
    """:func:`_label_point` of each province, giving each only the sites near it."""
    if not avoid or not geoms:
        return [_label_point(g) for g in geoms]
    pts = shapely.points(np.asarray(avoid))
    tree = shapely.STRtree(pts)
    near = tree.query(np.asarray(geoms, dtype=object), predicate="dwithin", distance=0.18)
    found: dict[int, list[int]] = {}
    for g, p in zip(*near.tolist(), strict=True):
        found.setdefault(g, []).append(p)
    return [_label_point(g, tuple(avoid[p] for p in sorted(found.get(i, []))))
            for i, g in enumerate(geoms)]


def _label_point(geom: shapely.Geometry, avoid: tuple[tuple[float, float], ...] = ()
                 ) -> list[float]:
    """The visual centre of a province, kept clear of the sites drawn in it where the
    province leaves room (site symbols are fanned out about 0.15° around their point)."""
    clear = geom
    if avoid:
        pts = shapely.buffer(shapely.points(np.asarray(avoid)), 0.18)
        rest = shapely.difference(geom, shapely.union_all(pts))
        if not rest.is_empty and rest.area > 0.25 * geom.area:
            clear = rest
    pt = shapely.maximum_inscribed_circle(clear, 0.01).coords[0]
    return [round(pt[1], 3), round(pt[0], 3)]


def build_payload(
    records: Records,
    geo: Geography,
    web: WebGeometry,
    states: Sequence[ControlState | TableDay],
    *,
    provinces: list[str],
    title: str,
    region_label: str,
    date_labels: list[str],
) -> dict[str, Any]:
    """Everything ``mapgen.js`` needs, as plain JSON-able data (text stays data, never markup)."""
    dist = geo.districts[geo.districts["province_pcode"].isin(provinces)]
    dcodes = list(dist.index)
    pcodes = list(provinces)
    ppos = {c: i for i, c in enumerate(pcodes)}
    site_ids = _site_ids(states)

    theatre = records.theatre
    d_rec, d_held, s_rec, s_held, positions = _reference_arrays(records, states, dcodes,
                                                                 site_ids)
    sites = records.sites
    avoid = tuple(sorted((sites[s].lon, sites[s].lat) for s in site_ids))
    groups = tuple(geo.districts["province_pcode"].reindex(web.districts.index).astype(str))
    enc = _encoded(web, groups, tuple(dcodes), tuple(pcodes), avoid)
    names = {**geo.country["name"].to_dict(), **geo.provinces["name"].to_dict(),
             **geo.districts["name"].to_dict()}
    dynamic = records_payload(
        records.control, records.sources, theatre.index, names, dcodes, pcodes,
        (d_rec, d_held, s_rec, s_held, positions), [s.date for s in states], date_labels)
    lang = geo.local_lang
    return {
        "version": PAYLOAD_VERSION,
        "title": title,
        "scale": _SCALE,
        "arcs": enc["arcs"],
        "country": enc["country"],
        "region": region_label,
        "legend": legend_payload(theatre, local_lang=lang, rtl=lang.split("-")[0] in RTL_LANGUAGES,
                                 population=bool(geo.districts["population"].notna().any())),
        "districts": {
            "code": dcodes,
            "name": dist["name"].tolist(),
            "local": dist["name_local"].tolist(),
            "prov": [ppos[p] for p in dist["province_pcode"]],
            "pop": [None if pd.isna(v) else int(v) for v in dist["population"].tolist()],
            "area": dist["area_km2"].tolist(),
            "geom": enc["districts"],
            "label": _district_labels(web, tuple(dcodes)),
        },
        "provinces": {
            "code": pcodes,
            "name": geo.provinces.loc[pcodes, "name"].tolist(),
            "local": geo.provinces.loc[pcodes, "name_local"].tolist(),
            "geom": enc["provinces"],
            "label": enc["labels"],
        },
        "context": enc["context"],
        "neighbours": [list(n) for n in neighbour_labels(geo.path,
                                                         shapely.union_all(geo.country.geometry))],
        "sites": {
            "id": site_ids,
            "name": [sites[s].name for s in site_ids],
            "kind": [sites[s].kind for s in site_ids],
            "lat": [sites[s].lat for s in site_ids],
            "lon": [sites[s].lon for s in site_ids],
            "precision": [sites[s].precision for s in site_ids],
            "district": [sites[s].district for s in site_ids],
            "capital": [sites[s].capital for s in site_ids],
        },
        **dynamic,  # the records in force on each date: see records_payload
    }


def _shared_table(states: Sequence[ControlState | TableDay]) -> Resolution | None:
    """The :class:`~mapgen.control.Resolution` every state was read from, if one."""
    table = states[0].table if states else None
    return table if table is not None and all(s.table is table for s in states) else None


def _frames(states: Sequence[ControlState | TableDay]) -> list[ControlState]:
    full = [s for s in states if isinstance(s, ControlState)]
    if len(full) != len(states):
        raise TypeError("days of different tables: give ControlStates")
    return full


def _site_ids(states: Sequence[ControlState | TableDay]) -> list[str]:
    table = _shared_table(states)
    if table is not None:
        return sorted(table.site_ids)
    return sorted(_frames(states)[0].sites.index) if states else []


def _reference_arrays(
    records: Records, states: Sequence[ControlState | TableDay], dcodes: list[str],
    site_ids: list[str],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[list[int]]]:
    """Per district and site (rows) and state (columns): the index of the record in force
    in ``records.control`` (-1: none) and the ordinal of the day its status began; and per
    state the rows of the sites that are remaining positions.

    States read from one :class:`~mapgen.control.Resolution` (every state the API makes)
    come straight from its arrays; others are read from their frames."""
    table = _shared_table(states)
    if table is not None:
        cols = table.column[[s.column for s in states]]
        drow = {c: i for i, c in enumerate(table.district_codes)}
        srow = {c: i for i, c in enumerate(table.site_ids)}
        di = np.array([drow[c] for c in dcodes], dtype=np.int64)
        si = np.array([srow[c] for c in site_ids], dtype=np.int64)
        positions = []
        for col in cols.tolist():
            pos = table.positions(col)[si]
            positions.append(np.flatnonzero(pos).tolist())
        return (table.d_rec[di][:, cols], table.d_held[di][:, cols],
                table.s_rec[si][:, cols], table.s_held[si][:, cols], positions)
    at = {(r.place, r.date): i for i, r in enumerate(records.control)}

    def arrays(frame: pd.DataFrame, codes: list[str]) -> tuple[np.ndarray, np.ndarray]:
        frame = frame.reindex(codes)
        rec = [at.get((v, d), -1) if d is not None else -1
               for v, d in zip(frame["via"], frame["since"], strict=True)]
        held = [h.toordinal() if isinstance(h, dt.date) else 0 for h in frame["held_since"]]
        return np.array(rec, dtype=np.int64), np.array(held, dtype=np.int64)

    full = _frames(states)
    dd = [arrays(s.districts, dcodes) for s in full]
    ss = [arrays(s.sites, site_ids) for s in full]
    spos = {c: i for i, c in enumerate(site_ids)}
    positions = [[spos[c] for c in s.sites.index[s.sites["position"].astype(bool)]]
                 for s in full]

    def stack(parts: list[np.ndarray], n: int) -> np.ndarray:
        return np.stack(parts, axis=1) if parts else np.zeros((n, 0), dtype=np.int64)

    return (stack([d[0] for d in dd], len(dcodes)), stack([d[1] for d in dd], len(dcodes)),
            stack([x[0] for x in ss], len(site_ids)), stack([x[1] for x in ss], len(site_ids)),
            positions)
