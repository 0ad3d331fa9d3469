"""User-supplied boundaries: reprojected, repaired, derived or clearly refused."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

import mapgen
from mapgen.geography import load_boundaries

from .conftest import run_cli


@pytest.fixture(scope="module")
def kunduz(ds: mapgen.Dataset) -> gpd.GeoDataFrame:
    d = ds.geo.districts
    return d[d["province_pcode"] == "AF19"].reset_index(drop=True)


def test_projected_file_is_reprojected(kunduz: gpd.GeoDataFrame, tmp_path: Path) -> None:
    path = tmp_path / "utm.gpkg"
    kunduz.to_crs("EPSG:32642").to_file(path, layer="districts")
    geo = load_boundaries(path)
    assert [(w.field, w.message) for w in geo.warnings] == [
        ("districts crs", "not EPSG:4326"), ("layer", "no provinces layer")]
    assert geo.districts.crs.to_epsg() == 4326
    assert list(geo.provinces.index) == ["AF19"]
    assert geo.districts.loc["AF1901"].geometry.centroid.x == pytest.approx(68.8, abs=0.1)


def test_single_layer_shapefile_renders(kunduz: gpd.GeoDataFrame, tmp_path: Path) -> None:
    shp = tmp_path / "kunduz.shp"
    # OCHA's own column names, as in the raw COD-AB shapefiles
    kunduz.rename(columns={"pcode": "ADM2_PCODE", "name": "ADM2_EN",
                           "province_pcode": "ADM1_PCODE"})[
        ["ADM2_PCODE", "ADM2_EN", "ADM1_PCODE", "geometry"]].to_file(shp)
    records = Path(__file__).parent / "data" / "good-bom-dari"
    out = tmp_path / "k.html"
    r = run_cli("render", "--date", "2021-08-08", "--boundaries", str(shp), "--data",
                str(records), "--region", "AF19", "--out", str(out), "-q")
    assert r.code == 0, r.err
    html = out.read_text(encoding="utf-8")
    assert '"code":["AF1901","AF1902","AF1903","AF1904","AF1905","AF1906","AF1907"]' in html
    # the shipped records cite places outside this file: refused with a report, no page
    r = run_cli("render", "--date", "2021-08-08", "--boundaries", str(shp),
                "--out", str(tmp_path / "no.html"))
    assert r.code == 2 and "unknown district P-code" in r.err
    assert not (tmp_path / "no.html").exists()


def test_invalid_geometry_is_repaired(kunduz: gpd.GeoDataFrame, tmp_path: Path) -> None:
    broken = kunduz.copy()
    bowtie = shapely.Polygon([(68.0, 36.0), (68.2, 36.2), (68.2, 36.0), (68.0, 36.2)])
    broken.loc[0, "geometry"] = bowtie
    path = tmp_path / "bowtie.gpkg"
    broken.to_file(path, layer="districts")
    geo = load_boundaries(path)
    repaired = [w for w in geo.warnings if w.field == "districts geometry"]
    assert [(w.value, w.message, w.hint) for w in repaired] == [
        (broken.loc[0, "pcode"], "invalid geometry", "repaired with make_valid")]
    assert geo.districts.geometry.is_valid.all()


def test_missing_columns_are_named(kunduz: gpd.GeoDataFrame, tmp_path: Path) -> None:
    path = tmp_path / "nocols.gpkg"
    kunduz[["name", "geometry"]].to_file(path, layer="districts")
    with pytest.raises(mapgen.DataError,
                       match=r"districts columns: 'pcode, province_pcode': columns are missing"):
        load_boundaries(path)
    r = run_cli("validate", "--boundaries", str(path))
    assert r.code == 2 and "Traceback" not in r.err
    assert "needs columns pcode, name, province_pcode (it has name)" in r.err


def test_no_crs_and_not_degrees_is_refused(kunduz: gpd.GeoDataFrame, tmp_path: Path) -> None:
    shp = tmp_path / "nocrs.shp"
    kunduz.to_crs("EPSG:32642").rename(columns={"province_pcode": "province_p"})[
        ["pcode", "name", "province_p", "geometry"]].to_file(shp)
    shp.with_suffix(".prj").unlink()
    with pytest.raises(mapgen.DataError, match="coordinates are not longitude/latitude"):
        load_boundaries(shp)


def test_not_a_geodata_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.gpkg"
    path.write_text("not a geopackage", encoding="utf-8")
    r = run_cli("validate", "--boundaries", str(path))
    assert r.code == 2 and "Traceback" not in r.err
    assert f"{path}: file: 'notes.gpkg': GDAL cannot read it" in r.err
