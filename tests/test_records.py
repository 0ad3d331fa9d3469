"""The shipped records: structural facts checked independently of the loader, and the loader's
report on broken copies of them."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import geopandas as gpd
import pytest

import mapgen
from mapgen.records import load_records

from .conftest import DATA, run_cli


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_capital_has_a_fall_record(ds: mapgen.Dataset) -> None:
    control = _rows("control.csv")
    capitals = sorted(c for c in ds.geo.districts.index if c.endswith("01"))
    assert len(capitals) == 34
    fallen = {r["place"] for r in control if r["status"] == "taliban"}
    missing = [c for c in capitals if c not in fallen]
    assert missing == []
    # and each has a city site in that district with the same record, marked as a capital
    cities = {r["district"]: r["site_id"] for r in _rows("sites.csv") if r["kind"] == "city"}
    assert sorted(cities) == capitals
    marked = {r["district"] for r in _rows("sites.csv") if r["capital"]}
    assert sorted(marked) == capitals
    for code in capitals:
        d = [r["date"] for r in control if r["place"] == code and r["status"] == "taliban"]
        s = [r["date"] for r in control if r["place"] == cities[code] and r["status"] == "taliban"]
        assert min(d) == min(s), code


def test_every_record_cites_existing_sources() -> None:
    ids = {r["source_id"] for r in _rows("sources.csv")}
    for i, r in enumerate(_rows("control.csv"), start=2):
        cited = [s for s in r["sources"].split(";") if s]
        assert cited, f"control.csv:{i} cites nothing"
        assert set(cited) <= ids, f"control.csv:{i}"
    for r in _rows("sources.csv"):
        assert r["url"].startswith(("https://", "http://")), r["source_id"]
        assert r["publisher"], r["source_id"]


def test_no_two_records_for_a_place_and_day_disagree() -> None:
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in _rows("control.csv"):
        seen[(r["place"], r["date"])].add(r["status"])
    assert {k: v for k, v in seen.items() if len(v) > 1} == {}


def test_every_site_lies_in_its_district(ds: mapgen.Dataset) -> None:
    sites = _rows("sites.csv")
    pts = gpd.GeoDataFrame(
        {"site": [s["site_id"] for s in sites], "district": [s["district"] for s in sites]},
        geometry=gpd.points_from_xy([float(s["lon"]) for s in sites],
                                    [float(s["lat"]) for s in sites]),
        crs="EPSG:4326",
    )
    districts = ds.geo.districts[["geometry"]].reset_index(names="pcode")
    joined = gpd.sjoin(pts, districts, predicate="within")
    assert dict(zip(joined["site"], joined["pcode"], strict=True)) == dict(
        zip(pts["site"], pts["district"], strict=True))
    assert {s["precision"] for s in sites} <= {"exact", "approximate", "centroid"}


def test_seed_report_is_a_source() -> None:
    seed = [r for r in _rows("sources.csv") if r["source_id"] == "seed-tolonews-2021-08-08"]
    assert seed and seed[0]["publisher"] == "TOLOnews" and seed[0]["published"] == "2021-08-08"


def _write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


def _append(folder: Path, name: str, line: str) -> int:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text += "\n"
    path.write_text(text + line + "\n", encoding="utf-8")
    return text.count("\n") + 1


def test_report_names_file_line_field_and_value(data_copy: Path, ds: mapgen.Dataset) -> None:
    n1 = _append(data_copy, "control.csv",
                 "2021-08-32,AF1901,taliban,bad day,seed-tolonews-2021-08-08,high")
    n2 = _append(data_copy, "control.csv",
                 "2021-08-08,AF1901,taleban,typo,seed-tolonews-2021-08-08,high")
    n3 = _append(data_copy, "control.csv", "2021-08-08,Kondoz,taliban,name not code,"
                 "seed-tolonews-2021-08-08,high")
    n4 = _append(data_copy, "control.csv", "2021-08-08,AF1902,taliban,x,no-such-source,high")
    with pytest.raises(mapgen.DataError) as err:
        load_records(data_copy, ds.geo, ds.theatre)
    text = str(err.value)
    f = data_copy / "control.csv"
    assert f"{f}:{n1}: date: '2021-08-32': not a date (write dates as YYYY-MM-DD)" in text
    assert f"{f}:{n2}: status: 'taleban': not an allowed value (did you mean 'taliban'?)" in text
    assert f"{f}:{n3}: place: 'Kondoz': unknown place" in text and "Kunduz (AF19" in text
    assert f"{f}:{n4}: sources: 'no-such-source': no such source_id in sources.csv" in text
    errors = [p for p in err.value.problems if p.severity == "error"]
    assert len(errors) == 4  # all at once, not the first only


def test_cli_reports_and_writes_nothing(data_copy: Path, tmp_path: Path) -> None:
    line = _append(data_copy, "sites.csv",
                   "bad-site,Somewhere,army_base,36.7,65.75,AF1901,approximate,")
    out = tmp_path / "m.html"
    r = run_cli("render", "--date", "2021-08-08", "--data", str(data_copy), "--out", str(out))
    assert r.code == 2
    assert "Traceback" not in r.err
    assert f"{data_copy / 'sites.csv'}:{line}: lat/lon: '36.7, 65.75': point lies" in r.err
    assert "km outside district AF1901" in r.err
    assert not out.exists()


def test_coverage_counts_known_districts(ds: mapgen.Dataset) -> None:
    known, gaps = mapgen.coverage(ds, "2021-06-01", "2021-08-15", step="7d", region="north")
    dates = [c for c in known.columns if c.startswith("2021-")]
    assert dates[0] == "2021-06-01" and dates[-1] == "2021-08-15"
    for day in ("2021-06-01", "2021-08-15"):
        state = mapgen.status_on(ds, day)
        by_prov = (state.districts["status"] != "unknown").groupby(
            state.districts["province"]).sum()
        assert known.set_index("province")[day].to_dict() == by_prov.astype(int).to_dict()
    # every gap row agrees with the state on each date: how many dates it is unknown, and
    # the first date it is known ('' if never)
    states = {d: mapgen.status_on(ds, d).districts["status"] for d in dates}
    assert len(gaps) > 0
    for r in gaps.itertuples():
        flags = [states[d][r.place] != "unknown" for d in dates]
        assert r.unknown_dates == flags.count(False), r.place
        assert r.first_known == next((d for d, f in zip(dates, flags, strict=True) if f), "")
    # and every district left out of the gap list is known on every date
    for code in set(states[dates[0]].index) - set(gaps["place"]):
        assert all(states[d][code] != "unknown" for d in dates), code


def test_coverage_cli(ds: mapgen.Dataset) -> None:
    r = run_cli("coverage", "--region", "Kunduz", "--start", "2021-06-01", "--end",
                "2021-07-01", "--format", "csv")
    assert r.code == 0, r.err
    lines = r.out.strip().splitlines()
    assert lines[0].startswith("province,name,districts,2021-06-01,2021-06-08")
    known, _ = mapgen.coverage(ds, "2021-06-01", "2021-07-01", step="7d", region="Kunduz")
    assert lines[1] == ",".join(str(v) for v in known.iloc[0].tolist())


def test_validation_rejects_javascript_urls(ds: mapgen.Dataset, data_copy: Path) -> None:
    with open(data_copy / "sources.csv", "a", encoding="utf-8") as fh:
        fh.write("js,Someone,Title,2021-08-10,javascript:alert(1)\n")
    with pytest.raises(mapgen.DataError, match=r"url: 'javascript:alert\(1\)': not an http\(s\) URL"):
        load_records(data_copy, ds.geo, ds.theatre)
