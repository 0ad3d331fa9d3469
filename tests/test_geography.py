"""Boundaries: the shipped GeoPackage, its build, regions and the web geometry."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import shapely

import mapgen
from mapgen.geography import DETAIL_TOLERANCE, load_boundaries, max_displacement_m

from .conftest import ROOT

RAW = ROOT.parent / "shared" / "data"


def test_shipped_layers(ds: mapgen.Dataset) -> None:
    geo = ds.geo
    assert (len(geo.country), len(geo.provinces), len(geo.districts)) == (1, 34, 399)
    assert set(geo.districts["province_pcode"]) == set(geo.provinces.index)
    assert int(geo.districts["population"].notna().sum()) == 394
    assert geo.provinces.loc["AF19", "population"] == \
        geo.districts.loc[geo.districts["province_pcode"] == "AF19", "population"].sum()
    direct = geo.districts.to_crs(geo.equal_area).area / 1e6
    assert (geo.districts["area_km2"] - direct).abs().max() < 0.06


@pytest.mark.skipif(not RAW.exists(), reason="raw data (../shared/data) not present")
def test_build_script_reproduces_the_shipped_file(tmp_path: Path, ds: mapgen.Dataset) -> None:
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_boundaries.py"), "--raw",
                        str(RAW), "--out", str(tmp_path)], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    built = load_boundaries(tmp_path / "afghanistan.gpkg").districts
    shipped = ds.geo.districts
    assert load_boundaries(tmp_path / "afghanistan.gpkg").local_lang == ds.geo.local_lang == "prs"
    cols = ["name", "name_local", "province_pcode", "population", "area_km2"]
    assert built[cols].astype(str).equals(shipped[cols].astype(str))
    assert (tmp_path / "SOURCE.md").read_text() == (ROOT / "data" / "boundaries" / "SOURCE.md").read_text()


@pytest.mark.parametrize("detail", ["low", "medium", "high"])
def test_web_geometry_keeps_a_clean_coverage(ds: mapgen.Dataset, detail: str) -> None:
    web = ds.web(detail)
    geoms = web.districts.values
    assert list(web.districts.index) == list(ds.geo.districts.index)  # every district present
    assert not shapely.is_empty(geoms).any()
    assert shapely.is_valid(geoms).all()
    assert shapely.coverage_is_valid(geoms)  # no overlaps, shared edges identical
    if detail != "high":  # the source itself has hairline gaps under 0.001°; high keeps them
        assert shapely.coverage_is_valid(geoms, gap_width=0.001)
    # provinces are unions of their simplified districts
    for code in ("AF19", "AF22"):
        members = web.districts[ds.geo.districts["province_pcode"] == code]
        assert shapely.equals(shapely.coverage_union_all(members.values), web.provinces[code])
    fewer = shapely.get_num_coordinates(geoms).sum()
    assert fewer < shapely.get_num_coordinates(ds.geo.districts.geometry.values).sum()


def test_displacement_bounded_by_tolerance(ds: mapgen.Dataset) -> None:
    moved = max_displacement_m(ds.geo, ds.web("medium"))
    # a tolerance of 0.004° is about 440 m of longitude here; Hausdorff stays within 2x of it
    assert moved.max() < 2 * DETAIL_TOLERANCE["medium"] * 111_000
    assert moved.median() < DETAIL_TOLERANCE["medium"] * 111_000


def test_geometry_cache_is_reused(ds: mapgen.Dataset, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAPGEN_CACHE", str(tmp_path))
    first = mapgen.geography.web_geometry(ds.geo, detail="low")
    files = list((tmp_path / "mapgen").glob("web-*.gpkg"))
    assert len(files) == 1
    calls = []
    monkeypatch.setattr(mapgen.geography, "_simplify", lambda *a: calls.append(a))
    second = mapgen.geography.web_geometry(ds.geo, detail="low")
    assert calls == []
    assert second.districts.geom_equals(first.districts).all()
