"""Issue 12: boundary files that validate must work in every command; the others are refused
with the layer, feature and field."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

import mapgen
from mapgen import export_figure

from .conftest import run_cli

RECORDS = Path(__file__).parent / "data" / "good-bom-dari"
COLS = ["pcode", "name", "name_local", "province_pcode", "population", "area_km2", "geometry"]


@pytest.fixture(scope="module")
def kunduz(ds: mapgen.Dataset) -> gpd.GeoDataFrame:
    d = ds.geo.districts
    return d[d["province_pcode"] == "AF19"].reset_index(drop=True)[COLS]


def _jitter(f: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    # about 1 cm, different in each district, so shared borders no longer match exactly
    f["geometry"] = [shapely.transform(g, lambda xy, i=i: xy + 1e-7 * np.sin(xy * 1e5 + i * 7))
                     for i, g in enumerate(f.geometry)]
    return f


def _grow(f: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    grown = gpd.GeoSeries([f.loc[0, "geometry"]], crs=4326).to_crs(32642).buffer(200)
    f.loc[0, "geometry"] = grown.to_crs(4326)[0]
    return f


def _dense(f: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    g = f.loc[2, "geometry"]
    f.loc[2, "geometry"] = shapely.segmentize(g, shapely.length(g.exterior) / 50_000)
    return f


def _bowtie_tail(f: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Two districts that each cross themselves in a small loop (make_valid repairs them)."""
    for i in (0, 1):
        ring = list(f.loc[i, "geometry"].exterior.coords)
        a, b = ring[0], ring[1]
        twist = [(a[0] + 1e-3, a[1] + 1e-3), (a[0] - 1e-3, a[1] + 1e-3)]
        f.loc[i, "geometry"] = shapely.Polygon([a, *twist, b, *ring[2:]])
    return f


def _set(i: int, col: str, value: object) -> Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame]:
    def change(f: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        if col == "geometry":
            f["geometry"] = f.geometry.astype(object)
        f.loc[i, col] = value  # type: ignore[call-overload]
        return f
    return change


def _all_text_population(f: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    f["population"] = [f"{int(p):,}" if p == p else "" for p in f["population"]]
    return f


def _points(f: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    f["geometry"] = shapely.point_on_surface(f.geometry.values)
    return f


def _collection(f: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    f.loc[3, "geometry"] = shapely.GeometryCollection(
        [f.loc[3, "geometry"], shapely.LineString([(68.0, 36.0), (68.1, 36.1)])])
    return f


# case -> (change, None if validate passes else the message it gives)
CASES: dict[str, tuple[Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame], str | None]] = {
    "jitter-1cm": (_jitter, None),
    "overlap-200m": (_grow, None),
    "densified-border": (_dense, None),
    "self-crossing": (_bowtie_tail, None),
    "geometry-collection": (_collection, None),
    "null-geometry": (_set(3, "geometry", None),
                      "districts feature 4 (AF1904): geometry: 'empty': no geometry"),
    "points": (_points, "districts feature 1 (AF1901): geometry: 'Point': not a polygon"),
    "population-text": (_all_text_population,
                        "districts feature 1 (AF1901): population: '"),
    "population-negative": (_set(0, "population", -5),
                            "population: '-5"),
    "empty-name": (_set(1, "name", ""), "districts feature 2 (AF1902): name: '': empty"),
    "no-pcode": (_set(1, "pcode", None), "districts feature 2: pcode: '': empty"),
    "duplicate-shape": (_set(1, "geometry", None), "no geometry"),
    "misspelt-column": (lambda f: f.rename(columns={"population": "populaton"}),
                        "districts columns: 'populaton': unknown column (did you mean "
                        "'population'?"),
    "control-in-name": (_set(0, "name", "Kunduz\x1b[2J"), "holds control characters (\\x1b)"),
    "latitude-out-of-range": (lambda f: f.set_geometry(
        f.geometry.translate(0, 60)), "coordinates out of range for longitude/latitude"),
}


def _write(kunduz: gpd.GeoDataFrame, tmp_path: Path, case: str) -> Path:
    change, _ = CASES[case]
    frame = change(kunduz.copy())
    if case == "duplicate-shape":
        frame["geometry"] = frame.geometry.astype(object)
        frame.loc[1, "geometry"] = frame.loc[0, "geometry"]
    path = tmp_path / f"{case}.gpkg"
    frame.to_file(path, layer="districts")
    return path


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_boundaries_validate_means_every_command_works(
        kunduz: gpd.GeoDataFrame, tmp_path: Path, case: str) -> None:
    path = _write(kunduz, tmp_path, case)
    expected = CASES[case][1] if case != "duplicate-shape" else "overlap of"
    if expected is not None:
        with pytest.raises(mapgen.DataError, match=re.escape(expected)):
            mapgen.load(RECORDS, path)
        return
    ds = mapgen.load(RECORDS, path)
    assert shapely.coverage_is_valid(ds.geo.districts.geometry.values)
    html = mapgen.map_html(mapgen.build_map(ds, "2021-08-08", region="AF19"))
    assert '"code":["AF1901","AF1902","AF1903","AF1904","AF1905","AF1906","AF1907"]' in html
    mapgen.map_html(mapgen.build_comparison(ds, "2021-08-01", "2021-08-08", region="AF19"))
    mapgen.map_html(mapgen.build_timeline(ds, "2021-08-06", "2021-08-08", region="AF19"))
    assert export_figure(ds, "2021-08-08", region="AF19", fmt="png", dpi=50)[:4] == b"\x89PNG"
    table = mapgen.stats_table(ds, "2021-08-08", region="AF19")
    assert table[table["status"] == "total"]["districts"].sum() == 7
    assert len(mapgen.change_table(ds, "2021-08-01", "2021-08-08", region="AF19")) >= 0


def test_overlap_fix_is_reported_with_its_size(kunduz: gpd.GeoDataFrame, tmp_path: Path) -> None:
    geo = mapgen.load(RECORDS, _write(kunduz, tmp_path, "overlap-200m")).geo
    fixes = [w for w in geo.warnings if w.field == "districts coverage"]
    fixes = [w for w in fixes if w.value != "borders"]
    assert fixes and all(w.value.startswith("AF190") for w in fixes)
    sizes = [float(re.match(r"overlap of ([\d,]+) m² fixed", w.message)[1].replace(",", ""))
             for w in fixes]
    assert all(s > 0 for s in sizes)


def test_refusal_is_one_report_without_traceback(kunduz: gpd.GeoDataFrame,
                                                 tmp_path: Path) -> None:
    path = _write(kunduz, tmp_path, "points")
    r = run_cli("render", "--date", "2021-08-08", "--boundaries", str(path), "--data",
                str(RECORDS), "--region", "AF19", "--out", str(tmp_path / "x.html"))
    assert r.code == 2 and "Traceback" not in r.err
    assert not (tmp_path / "x.html").exists()


def test_projected_geojson_without_crs_is_refused(kunduz: gpd.GeoDataFrame,
                                                  tmp_path: Path) -> None:
    path = tmp_path / "utm.geojson"
    kunduz.to_crs("EPSG:32642").to_file(path, driver="GeoJSON")
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc.pop("crs", None)
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(mapgen.DataError, match="coordinates out of range for longitude/latitude"):
        mapgen.load(RECORDS, path)


def test_table_without_geometry_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "districts.csv"
    path.write_text("pcode,name,province_pcode\nAF1901,Kunduz,AF19\n", encoding="utf-8")
    r = run_cli("validate", "--boundaries", str(path), "--data", str(RECORDS))
    assert r.code == 2 and "Traceback" not in r.err
    assert "has no geometry" in r.err
