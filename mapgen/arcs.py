"""Arcs: each shared border once, for pages.

The web geometry is a clean coverage on a grid (:data:`mapgen.geography.GRID`), so two
districts that share a border share its vertices exactly. :func:`build_topology` cuts every
district ring at its junctions (vertices where the set of neighbours changes: where three
districts meet, or where a border leaves the country edge) into *arcs*, keeps each arc once,
and writes every district, province and the country as rings of signed arc references
(``~i``: arc ``i`` reversed), as TopoJSON does. Arcs are integer grid coordinates,
delta-encoded; an arc's first point is a difference from the previous arc's last point, which
is usually the same junction, so most arcs start with ``0, 0``. The steps are written as text,
one character for most (:func:`encode_steps`), about half the size of JSON numbers.

Province and country outlines are not stored as geometry at all: they are the arcs of their
districts that only one of their districts uses, chained into rings. So every outline lies on
district edges, by construction, and costs a few arc references.

The browser decodes the arcs once (``arcs.js``) and shares the decoded points between
every polygon that uses them. Figures and statistics never read arcs: they keep the exact
boundaries and areas.

Written by hand rather than with the ``topojson`` package: the input is already a noded,
grid-rounded coverage, so the junction test is exact integer arithmetic over numpy arrays,
the output format is the small one ``mapgen.js`` reads (no GeoJSON properties, no
transform object), and it is one dependency fewer; measured on the shipped districts it is
about as small as ``topojson``'s quantised output and far faster to build.
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely


@dataclass(frozen=True)
class Topology:
    """Arcs and the objects made of them.

    ``arcs`` is a list of int64 arrays of shape ``(n, 2)`` (grid units, x = longitude);
    ``districts`` holds, per district, its rings as lists of signed arc references;
    ``provinces`` the same per province key; ``country`` the outline rings of all districts.
    """

    arcs: list[np.ndarray]
    districts: list[list[list[int]]]
    provinces: dict[str, list[list[int]]]
    country: list[list[int]]
    scale: int

    def to_json(self) -> str:
        """The topology as JSON text, for the on-disk cache."""
        return json.dumps({"scale": self.scale, "arcs": [a.ravel().tolist() for a in self.arcs],
                           "districts": self.districts, "provinces": self.provinces,
                           "country": self.country}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Topology:
        d = json.loads(text)
        arcs = [np.asarray(a, dtype=np.int64).reshape(-1, 2) for a in d["arcs"]]
        return cls(arcs, d["districts"], d["provinces"], d["country"], int(d["scale"]))

    def encoded_arcs(self, used: set[int] | None = None) -> tuple[list[str], dict[int, int]]:
        """The arcs (all, or those in ``used``) as text (:func:`encode_steps` of the flat
        ``dx0, dy0, dx1, dy1, ...``), each first point relative to the previous arc's last
        point (the first to 0, 0), and the map from old to new arc index."""
        keep = range(len(self.arcs)) if used is None else sorted(used)
        renum = {old: new for new, old in enumerate(keep)}
        if not keep:
            return [], renum
        arcs = [self.arcs[old] for old in keep]
        sizes = np.array([len(a) for a in arcs])
        xy = np.concatenate(arcs)
        delta = np.diff(xy, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
        text = encode_steps(delta.ravel())
        # cut the text back into arcs: each value's characters end where its last chunk is
        ends = np.flatnonzero(_LAST[np.frombuffer(text.encode("ascii"), np.uint8)]) + 1
        cuts = np.concatenate([[0], ends[np.cumsum(sizes) * 2 - 1]])
        return [text[a:b] for a, b in itertools.pairwise(cuts)], renum


#: 64 characters that JSON and HTML leave as they are (base64url's).
ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_CODES = np.frombuffer(ALPHABET, np.uint8)
_LAST = np.zeros(256, dtype=bool)  # characters that end a value (no continuation bit)
_LAST[_CODES[:32]] = True


def encode_steps(values: np.ndarray) -> str:
    """Integers as text, one to a few characters each, as the Encoded Polyline Algorithm
    does: zig-zag (0, -1, 1, -2 ... to 0, 1, 2, 3 ...), then 5 bits a character, low bits
    first, the sixth bit set on every character but a value's last; characters from
    :data:`ALPHABET`. A step of under 16 grid units (1.6 km) is one character, where JSON
    needs two to four; decoded by ``arcs.js``."""
    v = np.asarray(values, dtype=np.int64)
    if len(v) == 0:
        return ""
    zz = np.where(v < 0, ((-v) << 1) - 1, v << 1)
    n = np.ones(len(zz), dtype=np.int64)
    rest = zz >> 5
    while (rest > 0).any():
        n += rest > 0
        rest >>= 5
    j = np.arange(int(n.max()))
    chunks = ((zz[:, None] >> (5 * j)) & 31) | ((j[None, :] < n[:, None] - 1) << 5)
    return _CODES[chunks[j[None, :] < n[:, None]]].tobytes().decode("ascii")


def decode_steps(text: str) -> list[int]:
    """The integers of :func:`encode_steps` (for tests; the page decodes in ``arcs.js``)."""
    index = {c: i for i, c in enumerate(ALPHABET.decode("ascii"))}
    out, value, shift = [], 0, 0
    for ch in text:
        c = index[ch]
        value |= (c & 31) << shift
        shift += 5
        if not c & 32:
            out.append(-((value + 1) >> 1) if value & 1 else value >> 1)
            value, shift = 0, 0
    return out


def _rings(geom: shapely.Geometry) -> list[np.ndarray]:
    polys = list(geom.geoms) if hasattr(geom, "geoms") else [geom]
    rings = []
    for poly in polys:
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        for ring in (poly.exterior, *poly.interiors):
            rings.append(shapely.get_coordinates(ring))
    return rings


def build_topology(geoms: Any, groups: Any, scale: int) -> Topology:
    """The topology of a coverage.

    Parameters
    ----------
    geoms
        Polygons and multipolygons forming a coverage on a grid of ``1/scale`` degrees.
    groups
        For each geometry, the key of the area it belongs to (its province).
    scale
        Grid units per degree.
    """
    groups = list(groups)
    # every ring as integer points, closing point dropped, consecutive duplicates removed
    rings: list[np.ndarray] = []
    owner: list[int] = []
    for i, geom in enumerate(geoms):
        for xy in _rings(geom):
            q = np.rint(xy[:-1, :2] * scale).astype(np.int64)
            if len(q) > 1:
                keep = np.any(q != np.roll(q, 1, axis=0), axis=1)
                q = q[keep]
            if len(q) < 3:
                continue
            rings.append(q)
            owner.append(i)
    if not rings:
        return Topology([], [[] for _ in groups], {}, [], scale)

    # one id per distinct point
    allpts = np.concatenate(rings)
    _, pid = np.unique(allpts[:, 0] * (1 << 32) + (allpts[:, 1] + (1 << 31)),
                       return_inverse=True)
    pid = pid.ravel()
    lengths = np.array([len(r) for r in rings])
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    ring_of = np.repeat(np.arange(len(rings)), lengths)
    pos = np.arange(len(pid)) - starts[ring_of]
    prev = pid[starts[ring_of] + (pos - 1) % lengths[ring_of]]
    nxt = pid[starts[ring_of] + (pos + 1) % lengths[ring_of]]
    lo, hi = np.minimum(prev, nxt), np.maximum(prev, nxt)
    # a junction: a point whose neighbour pairs differ between its occurrences
    order = np.lexsort((hi, lo, pid))
    p_s, lo_s, hi_s = pid[order], lo[order], hi[order]
    new_pair = np.ones(len(order), dtype=bool)
    new_pair[1:] = (p_s[1:] != p_s[:-1]) | (lo_s[1:] != lo_s[:-1]) | (hi_s[1:] != hi_s[:-1])
    pairs_per_point = np.bincount(p_s[new_pair], minlength=int(pid.max()) + 1)
    junction = pairs_per_point > 1

    arcs: list[np.ndarray] = []
    index: dict[bytes, int] = {}
    ring_refs: list[list[int]] = []
    is_cut = junction[pid]
    for r in range(len(rings)):
        lo_i, n = int(starts[r]), int(lengths[r])
        ids = pid[lo_i:lo_i + n]
        cuts = np.flatnonzero(is_cut[lo_i:lo_i + n])
        closed = len(cuts) == 0
        # a ring touching nothing else at a junction (an island, a hole) is one closed arc,
        # started at its smallest point so both sides find the same arc
        k = int(np.argmin(ids)) if closed else int(cuts[0])
        order = np.arange(k, k + n + 1) % n  # the ring from its first cut, closed
        ids = ids[order]
        q = allpts[lo_i + order]
        bounds = [0, n] if closed else [*(cuts - k).tolist(), n]
        refs = []
        for a, b in itertools.pairwise(bounds):
            key = ids[a:b + 1]
            fwd = key.tobytes()
            got = index.get(fwd)
            if got is not None:
                refs.append(got)
                continue
            got = index.get(key[::-1].tobytes())
            if got is not None:
                refs.append(~got)
                continue
            index[fwd] = len(arcs)
            refs.append(len(arcs))
            arcs.append(q[a:b + 1])
        ring_refs.append(refs)

    districts: list[list[list[int]]] = [[] for _ in groups]
    for r, i in enumerate(owner):
        districts[i].append(ring_refs[r])
    by_group: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        by_group[g].append(i)
    provinces = {g: _outline(arcs, [districts[i] for i in members])
                 for g, members in sorted(by_group.items())}
    country = _outline(arcs, districts)
    return Topology(arcs, districts, provinces, country, scale)


def _outline(arcs: list[np.ndarray], members: list[list[list[int]]]) -> list[list[int]]:
    """The outline of a set of districts: arcs used by exactly one of them, in the direction
    that district uses them, chained into rings."""
    uses: dict[int, list[int]] = defaultdict(list)
    for rings in members:
        for ring in rings:
            for ref in ring:
                uses[ref if ref >= 0 else ~ref].append(ref)
    edge = [refs[0] for refs in uses.values() if len(refs) == 1]

    def start(ref: int) -> tuple[int, int]:
        a = arcs[ref if ref >= 0 else ~ref]
        p = a[0] if ref >= 0 else a[-1]
        return int(p[0]), int(p[1])

    def end(ref: int) -> tuple[int, int]:
        a = arcs[ref if ref >= 0 else ~ref]
        p = a[-1] if ref >= 0 else a[0]
        return int(p[0]), int(p[1])

    from_point: dict[tuple[int, int], list[int]] = defaultdict(list)
    for ref in sorted(edge, key=lambda r: r if r >= 0 else ~r):
        from_point[start(ref)].append(ref)
    rings = []
    for ref in sorted(edge, key=lambda r: r if r >= 0 else ~r):
        if ref not in from_point[start(ref)]:
            continue  # already chained
        from_point[start(ref)].remove(ref)
        ring = [ref]
        origin, here = start(ref), end(ref)
        while here != origin and from_point[here]:
            nxt = from_point[here].pop()
            ring.append(nxt)
            here = end(nxt)
        rings.append(ring)
    return rings


def decode_ring(topo: Topology, refs: list[int]) -> np.ndarray:
    """A ring's points (grid units) from its arc references; for tests and checks."""
    parts = []
    for ref in refs:
        a = topo.arcs[ref if ref >= 0 else ~ref]
        a = a if ref >= 0 else a[::-1]
        parts.append(a[:-1])
    pts = np.concatenate(parts)
    return np.vstack([pts, pts[:1]])
