"""Districts as a clean polygon coverage: snapped, noded, small overlaps and gaps given to a
neighbour, the unfixable refused. Every later step (coverage simplification, unions into
provinces and country) needs shared borders that match exactly."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

#: Snapping grid for the repair, in degrees (about 0.1 m): far below the page grid
#: (``geography.GRID``, 1e-4°), enough to merge borders that differ only by vertex jitter.
SNAP = 1e-6
#: An overlap or gap is fixed (given to a neighbour) when it is at most this share of the
#: smaller district involved; a larger one is an error (overlap) or left as a gap.
MAX_SHARE = 0.05
_KM2_PER_DEG2 = 111.32**2


@dataclass(frozen=True)
class Fix:
    """One repair: ``kind`` is ``overlap`` or ``gap``; ``codes`` the districts involved,
    the first the one that got the area; ``km2`` its size."""

    kind: str
    codes: tuple[str, ...]
    km2: float


@dataclass(frozen=True)
class Refusal:
    codes: tuple[str, ...]
    message: str


def km2(geom: shapely.Geometry | np.ndarray) -> np.ndarray:
    """Approximate area in km² of lon/lat geometry (cosine of the centroid's latitude):
    enough to report sizes and compare them, not for statistics."""
    lat = shapely.get_y(shapely.centroid(geom))
    return np.asarray(shapely.area(geom)) * _KM2_PER_DEG2 * np.cos(np.radians(lat))


def is_clean(geoms: np.ndarray) -> bool:
    return bool(shapely.coverage_is_valid(geoms))


def repair(geoms: np.ndarray, codes: list[str]) -> tuple[np.ndarray, list[Fix], list[Refusal]]:
    """A clean coverage from ``geoms`` (valid polygons in EPSG:4326, one per code).

    All borders are simplified and snapped to :data:`SNAP` and noded together; the faces they enclose are
    given to the district that covers them. A face covered by two districts (an overlap) or
    by none but bordered by them (a gap) goes to the largest of them (whose area it changes
    least), when it is at most :data:`MAX_SHARE` of the smaller one; a larger overlap is
    refused, a larger gap is left open (a hole is a valid coverage).
    """
    if is_clean(geoms):
        return geoms, [], []
    # dropping vertices that lie within SNAP of a straight line first keeps the noding
    # fast: densified borders and vertex jitter are what make a coverage invalid
    snapped = shapely.set_precision(shapely.simplify(geoms, SNAP, preserve_topology=True), SNAP)
    lines = shapely.union_all(shapely.boundary(snapped), grid_size=SNAP)
    faces = np.asarray(shapely.get_parts(shapely.polygonize(shapely.get_parts(lines))))
    if len(faces) == 0:
        return geoms, [], [Refusal(tuple(codes), "borders enclose no area")]
    points = shapely.point_on_surface(faces)
    tree = shapely.STRtree(snapped)
    face_idx, geom_idx = tree.query(points, predicate="within")
    covering: list[list[int]] = [[] for _ in faces]
    for f, g in zip(face_idx, geom_idx, strict=True):
        covering[f].append(int(g))
    areas = km2(snapped)
    owner = np.full(len(faces), -1)
    fixes: dict[tuple[str, tuple[str, ...]], float] = {}
    refusals: list[Refusal] = []
    face_km2 = km2(faces)
    for f, cover in enumerate(covering):
        if len(cover) == 1:
            owner[f] = cover[0]
            continue
        if len(cover) > 1:  # an overlap
            best = _largest(areas, sorted(cover))
            if face_km2[f] > MAX_SHARE * min(areas[c] for c in cover):
                names = tuple(codes[c] for c in sorted(cover))
                refusals.append(Refusal(names, f"overlap of {face_km2[f]:.3g} km², more than "
                                               f"{MAX_SHARE:.0%} of a district"))
            owner[f] = best
            key = ("overlap", (codes[best], *sorted(codes[c] for c in cover if c != best)))
            fixes[key] = fixes.get(key, 0.0) + float(face_km2[f])
    gap_faces = [f for f, cover in enumerate(covering) if not cover]
    if gap_faces:
        taken = shapely.STRtree(snapped)
        for f in gap_faces:
            near = sorted(int(i) for i in taken.query(faces[f], predicate="touches"))
            if not near:
                near = sorted(int(i) for i in taken.query(faces[f].buffer(SNAP * 2),
                                                          predicate="intersects"))
            if not near:
                continue  # an enclosed area touching no district: not a gap between them
            best = _largest(areas, near)
            if face_km2[f] > MAX_SHARE * min(areas[c] for c in near):
                continue  # a real hole (a lake, an area outside every district): left open
            owner[f] = best
            key = ("gap", (codes[best], *sorted(codes[c] for c in near if c != best)))
            fixes[key] = fixes.get(key, 0.0) + float(face_km2[f])
    out = np.empty(len(geoms), dtype=object)
    for g in range(len(geoms)):
        mine = faces[owner == g]
        if len(mine) == 0:
            refusals.append(Refusal((codes[g],), "nothing of the district is left once its "
                                                 "overlaps with others are resolved"))
            out[g] = geoms[g]
            continue
        out[g] = shapely.coverage_union_all(mine)
    if not refusals and not is_clean(out):
        refusals.append(Refusal(tuple(codes), "the districts cannot be made a clean coverage"))
    found = [Fix(kind, names, round(area, 6)) for (kind, names), area in sorted(fixes.items())]
    return out, found, refusals


def _largest(areas: np.ndarray, candidates: list[int]) -> int:
    """The largest candidate district (the one the area changes least), first by index on a tie."""
    return max(candidates, key=lambda c: (areas[c], -c))
