"""Synthetic theatres for the scaling series: a clean coverage of N districts grouped into
provinces, and M sourced control records, written as a boundary GeoPackage and a records
folder that mapgen loads like the shipped ones.

    python benchmarks/synthetic.py DISTRICTS RECORDS OUT_DIR [--seed S]

Districts are Voronoi cells of random points over Afghanistan's box (so more districts
means smaller ones, as admin-3 units are), their borders bent by a smooth function of
position: the same on both sides, so neighbours still share every vertex. About twelve
districts make a province.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

BOX = (60.5, 29.5, 74.5, 38.0)
STATUSES = ("government", "taliban", "contested")


def coverage(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` polygons forming a coverage of BOX, and each one's seed point."""
    minx, miny, maxx, maxy = BOX
    pts = np.column_stack([rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)])
    box = shapely.box(*BOX)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=box,
                                                       ordered=True))
    cells = shapely.intersection(cells, box)
    # bend the straight Voronoi edges: more vertices, like real borders; a function of
    # position, so both sides of a border move alike
    size = math.sqrt((maxx - minx) * (maxy - miny) / n)
    cells = shapely.segmentize(cells, size / 6)
    cells = shapely.set_precision(cells, 1e-6)

    def bend(xy: np.ndarray) -> np.ndarray:
        x, y = xy[:, 0], xy[:, 1]
        k = 2 * math.pi / (size * 1.3)
        # no bending at the edge of the box, growing smoothly inwards
        taper = np.clip(np.minimum.reduce([x - minx, maxx - x, y - miny, maxy - y]) / size, 0, 1)
        dx = taper * 0.06 * size * np.sin(k * y + 1.7 * np.cos(k * x))
        dy = taper * 0.06 * size * np.sin(k * x + 1.3 * np.cos(k * y))
        return np.column_stack([x + dx, y + dy])

    cells = shapely.transform(cells, bend)
    assert shapely.coverage_is_valid(cells) and shapely.is_valid(cells).all()
    return cells, pts


def write(n_districts: int, n_records: int, out: Path, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    cells, pts = coverage(n_districts, rng)
    side = max(2, round(math.sqrt(n_districts / 12)))
    minx, miny, maxx, maxy = BOX
    gx = np.minimum(((pts[:, 0] - minx) / (maxx - minx) * side).astype(int), side - 1)
    gy = np.minimum(((pts[:, 1] - miny) / (maxy - miny) * side).astype(int), side - 1)
    prov_of = [f"SX{gy[i] * side + gx[i]:04d}" for i in range(n_districts)]
    order = sorted(range(n_districts), key=lambda i: (prov_of[i], i))
    counts: dict[str, int] = {}
    codes = [""] * n_districts
    for i in order:
        counts[prov_of[i]] = counts.get(prov_of[i], 0) + 1
        codes[i] = f"{prov_of[i]}{counts[prov_of[i]]:03d}"
    districts = gpd.GeoDataFrame({
        "pcode": codes, "name": [f"District {c}" for c in codes], "province_pcode": prov_of,
        "population": rng.integers(5_000, 300_000, n_districts),
    }, geometry=cells, crs="EPSG:4326")
    provinces = districts.dissolve(by="province_pcode", as_index=False)[
        ["province_pcode", "geometry"]].rename(columns={"province_pcode": "pcode"})
    provinces["name"] = [f"Province {c}" for c in provinces["pcode"]]
    country = gpd.GeoDataFrame({"pcode": ["SX"], "name": ["Synthetica"]},
                               geometry=[shapely.box(*BOX)], crs="EPSG:4326")
    gpkg = out / "boundaries.gpkg"
    gpkg.unlink(missing_ok=True)
    for layer, frame in (("country", country), ("provinces", provinces),
                         ("districts", districts)):
        frame.to_file(gpkg, layer=layer, driver="GPKG")

    events = out / "events"
    events.mkdir(exist_ok=True)
    n_sources = max(10, n_records // 10)
    start = dt.date(2021, 5, 1)
    with open(events / "sources.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["source_id", "publisher", "title", "published", "url"])
        for s in range(n_sources):
            w.writerow([f"src-{s}", "Synthetic Wire", f"Report number {s} on the fighting",
                        "2021-12-31", f"https://example.org/report/{s}"])
    with open(events / "sites.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["site_id", "name", "kind", "lat", "lon", "district", "precision"])
        for k, i in enumerate(rng.choice(n_districts, size=min(50, n_districts), replace=False)):
            p = districts.geometry.iloc[i].representative_point()
            w.writerow([f"site-{k}", f"Site {k}", "city", round(p.y, 5), round(p.x, 5),
                        codes[i], "approximate"])
    provs = sorted(set(prov_of))
    seen: set[tuple[str, int]] = set()
    rows = []
    while len(rows) < n_records:
        place = codes[rng.integers(n_districts)] if rng.random() < 0.95 else \
            provs[rng.integers(len(provs))]
        day = int(rng.integers(0, 124))
        if (place, day) in seen:
            continue
        seen.add((place, day))
        rows.append(((start + dt.timedelta(days=day)).isoformat(), place,
                     STATUSES[rng.integers(3)], f"Synthetic report {len(rows)}",
                     f"src-{rng.integers(n_sources)}", "medium"))
    rows.sort()
    with open(events / "control.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["date", "place", "status", "note", "sources", "confidence"])
        w.writerows(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("districts", type=int)
    ap.add_argument("records", type=int)
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    write(a.districts, a.records, a.out, a.seed)


if __name__ == "__main__":
    main()
