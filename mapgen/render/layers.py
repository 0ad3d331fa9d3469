"""The data a page draws: web geometry, resolved statuses per date, sites and sources.

Geometry is written once, as arcs (each shared border once, see :mod:`mapgen.arcs`); each date adds only the statuses that differ from the previous
date, so a timeline costs little more than a single map.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import shapely

from ..control import ControlState
from ..geography import GRID, Geography, WebGeometry
from ..arcs import Topology, build_topology
from ..records import Records
from .style import STATUS_INDEX, legend_payload

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


@lru_cache(maxsize=4)
def _topology(web: WebGeometry, groups: tuple[str, ...]) -> Topology:
    """The arcs of the whole web geometry, built once per geometry (a batch reuses them)."""
    return build_topology(web.districts.values, groups, _SCALE)


@lru_cache(maxsize=8)
def _encoded(web: WebGeometry, groups: tuple[str, ...], districts: tuple[str, ...],
             provinces: tuple[str, ...], avoid: tuple[tuple[float, float], ...] = ()
             ) -> dict[str, Any]:
    """The page's geometry as a topology: the arcs the region and its context use (each
    border once), and districts, provinces, context provinces and the country outline as
    rings of arc references; and province label points. Computed once per geometry and
    region (a batch of dates reuses them)."""
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

    return {
        "arcs": arcs,
        "districts": [ren(g) for g in dgeom],
        "provinces": [ren(g) for g in pgeom],
        "context": [ren(g) for g in cgeom],
        "country": ren(outline),
        "labels": [_label_point(web.provinces[c], avoid) for c in provinces],
    }


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
    states: list[ControlState],
    *,
    provinces: list[str],
    title: str,
    region_label: str,
    date_labels: list[str],
) -> dict[str, Any]:
    """Everything ``mapgen.js`` needs, as plain JSON-able data (text stays data, never markup)."""
    dist = geo.districts[geo.districts["province_pcode"].isin(provinces)]
    dcodes = list(dist.index)
    dpos = {c: i for i, c in enumerate(dcodes)}
    pcodes = list(provinces)
    ppos = {c: i for i, c in enumerate(pcodes)}
    site_ids = sorted(states[0].sites.index) if states else []
    spos = {s: i for i, s in enumerate(site_ids)}

    rec_index: dict[tuple[str, str, str], int] = {}
    rec_rows: list[list[Any]] = []
    cited: set[str] = set()

    def ref(row: Any) -> int:
        if row["since"] is None:
            return -1
        key = (row["via"], row["since"].isoformat(), row["held_since"].isoformat())
        if key not in rec_index:
            rec_index[key] = len(rec_rows)
            rec_rows.append([row["since"].isoformat(), STATUS_INDEX[row["status"]], row["via"],
                             row["note"], list(row["sources"]), row["confidence"],
                             row["held_since"].isoformat()])
            cited.update(row["sources"])
        return rec_index[key]

    frames = []
    prev_d = [-1] * len(dcodes)
    prev_s = [-1] * len(site_ids)
    for state, label in zip(states, date_labels, strict=True):
        cur_d = [-1] * len(dcodes)
        for code, row in state.districts.iterrows():
            cur_d[dpos[code]] = ref(row)
        cur_s = [-1] * len(site_ids)
        for code, row in state.sites.iterrows():
            cur_s[spos[code]] = ref(row)
        frames.append({
            "date": state.date.isoformat(),
            "label": label,
            "d": [[i, v] for i, (v, p) in enumerate(zip(cur_d, prev_d, strict=True)) if v != p],
            "s": [[i, v] for i, (v, p) in enumerate(zip(cur_s, prev_s, strict=True)) if v != p],
            # remaining government positions, decided once in Python (control.resolve)
            "p": [spos[c] for c in state.sites.index[state.sites["position"].astype(bool)]],
        })
        prev_d, prev_s = cur_d, cur_s

    sites = records.sites
    avoid = tuple(sorted((sites[s].lon, sites[s].lat) for s in site_ids))
    groups = tuple(geo.districts["province_pcode"].reindex(web.districts.index).astype(str))
    enc = _encoded(web, groups, tuple(dcodes), tuple(pcodes), avoid)
    names = {**geo.country["name"].to_dict(), **geo.provinces["name"].to_dict(),
             **geo.districts["name"].to_dict()}
    return {
        "title": title,
        "scale": _SCALE,
        "arcs": enc["arcs"],
        "country": enc["country"],
        "region": region_label,
        "legend": legend_payload(),
        "districts": {
            "code": dcodes,
            "name": dist["name"].tolist(),
            "dari": dist["name_dari"].tolist(),
            "prov": [ppos[p] for p in dist["province_pcode"]],
            "pop": [None if pd.isna(v) else int(v) for v in dist["population"].tolist()],
            "area": dist["area_km2"].tolist(),
            "geom": enc["districts"],
        },
        "provinces": {
            "code": pcodes,
            "name": geo.provinces.loc[pcodes, "name"].tolist(),
            "dari": geo.provinces.loc[pcodes, "name_dari"].tolist(),
            "geom": enc["provinces"],
            "label": enc["labels"],
        },
        "context": enc["context"],
        "sites": {
            "id": site_ids,
            "name": [sites[s].name for s in site_ids],
            "kind": [sites[s].kind for s in site_ids],
            "lat": [sites[s].lat for s in site_ids],
            "lon": [sites[s].lon for s in site_ids],
            "precision": [sites[s].precision for s in site_ids],
            "district": [sites[s].district for s in site_ids],
        },
        "names": {c: names[c] for c in sorted({r[2] for r in rec_rows} & set(names))},
        "records": rec_rows,
        "sources": {
            sid: [s.publisher, s.title, s.published.isoformat(), s.url]
            for sid, s in sorted(records.sources.items()) if sid in cited
        },
        "frames": frames,
    }


def date_label(day: dt.date) -> str:
    """``8 August 2021``: spelt out so no reader mistakes day and month."""
    return f"{day.day} {day:%B %Y}"
