"""The numbers behind the map: checked against direct computations from the boundaries and
the CSO figures."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

import mapgen

from .conftest import ROOT, STATUSES, run_cli

RAW_CSO = ROOT.parent / "shared" / "data" / "cso-population" / "district_data_analysis_14_18_19.csv"


def test_status_split_adds_up_to_total(ds: mapgen.Dataset) -> None:
    table = mapgen.stats_table(ds, "2021-08-12", region="all", by="province")
    assert set(table["scope"]) == set(ds.geo.provinces.index)
    for scope, part in table.groupby("scope"):
        parts = part[part["status"] != "total"]
        total = part[part["status"] == "total"].iloc[0]
        assert list(parts["status"]) == list(STATUSES)
        assert parts["districts"].sum() == total["districts"], scope
        assert parts["population"].sum() == total["population"], scope
        assert parts["area_km2"].sum() == pytest.approx(total["area_km2"], abs=0.5), scope


def test_areas_match_a_direct_equal_area_computation(ds: mapgen.Dataset) -> None:
    table = mapgen.stats_table(ds, "2021-08-12", by="province").set_index(["scope", "status"])
    state = mapgen.status_on(ds, "2021-08-12")
    districts = ds.geo.districts.to_crs(ds.geo.equal_area)
    for code in ("AF19", "AF22", "AF28"):
        taliban = state.districts.index[(state.districts["province"] == code)
                                        & (state.districts["status"] == "taliban")]
        direct = districts.loc[taliban].area.sum() / 1e6
        assert table.loc[(code, "taliban"), "area_km2"] == pytest.approx(direct, rel=1e-3)
        whole = ds.geo.provinces.to_crs(ds.geo.equal_area).loc[code].geometry.area / 1e6
        assert table.loc[(code, "total"), "area_km2"] == pytest.approx(whole, rel=2e-3)


@pytest.mark.skipif(not RAW_CSO.exists(), reason="raw CSO file (../shared/data) not present")
def test_population_sums_match_cso(ds: mapgen.Dataset) -> None:
    with open(RAW_CSO, encoding="utf-8") as fh:
        raw = list(csv.DictReader(fh))
    table = mapgen.stats_table(ds, "2021-08-12", region="all", by="province")
    totals = table[table["status"] == "total"].set_index("scope")["population"]
    for code in ("AF19", "AF22", "AF28", "AF21"):
        cso = sum(int(r["total_pop_19"]) for r in raw if r["province_code"] == code[2:])
        assert totals[code] == cso, code
    national = table[table["status"] == "total"]["population"].sum()
    assert national == sum(int(r["total_pop_19"]) for r in raw)


def test_region_and_all_scopes(ds: mapgen.Dataset) -> None:
    by_all = mapgen.stats_table(ds, "2021-08-12", by="all")
    assert list(by_all["scope"].unique()) == ["all"]
    codes, _ = ds.region("north")
    total = by_all[by_all["status"] == "total"].iloc[0]
    assert total["districts"] == int(ds.geo.districts["province_pcode"].isin(codes).sum())
    by_region = mapgen.stats_table(ds, "2021-08-12", by="region")
    assert set(by_region["scope"]) == set(ds.geo.provinces.loc[codes, "region"])


def test_stats_cli_csv_and_series(tmp_path: Path, ds: mapgen.Dataset) -> None:
    r = run_cli("stats", "--date", "2021-08-12", "--region", "Kunduz", "--format", "csv")
    assert r.code == 0, r.err
    rows = list(csv.DictReader(io.StringIO(r.out)))
    assert list(rows[0])[:7] == ["scope", "name", "status", "districts", "stale", "area_km2",
                                 "population"]
    total = next(row for row in rows if row["status"] == "total")
    assert (total["scope"], int(total["districts"])) == ("AF19", 7)
    assert int(total["population"]) == int(ds.geo.provinces.loc["AF19", "population"])
    png = tmp_path / "series.png"
    r = run_cli("stats", "--start", "2021-08-01", "--end", "2021-08-15", "--by", "all",
                "--format", "json", "--plot", str(png))
    assert r.code == 0, r.err
    series = json.loads(r.out)
    assert sorted({row["date"] for row in series}) == [f"2021-08-{d:02d}" for d in range(1, 16)]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from matplotlib.image import imread

    assert imread(str(png)).shape[1] == 1600


def test_stats_cli_bad_combination() -> None:
    r = run_cli("stats", "--date", "2021-08-12", "--start", "2021-08-01", "--end", "2021-08-02")
    assert r.code == 2 and "give either --date or --start and --end, not both" in r.err
    r = run_cli("stats", "--date", "2021-08-12", "--plot", "x.png")
    assert r.code == 2 and "--plot draws a time series" in r.err
