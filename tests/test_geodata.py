"""Geodata out (GeoJSON, GeoPackage with QGIS styles, GeoParquet, spans) and ACLED in."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest

import mapgen
from mapgen.cli import main
from mapgen.geodata import qml_style

from .conftest import ROOT

ACLED = ROOT / "tests" / "data" / "acled"


def cli(*args: str) -> tuple[int, str, str]:
    """Run the CLI in this process (faster than a subprocess; the smoke tests cover that)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_geojson_has_one_polygon_per_district_and_one_point_per_site(ds: mapgen.Dataset) -> None:
    code, out, err = cli("status", "--date", "2021-08-08", "--format", "geojson")
    assert code == 0, err
    frame = gpd.read_file(io.StringIO(out))
    state = mapgen.status_on(ds, "2021-08-08")
    assert frame.crs is not None and frame.crs.to_epsg() == 4326
    districts = frame[frame["level"] == "district"].set_index("place")
    sites = frame[frame["level"] == "site"].set_index("place")
    assert sorted(districts.index) == sorted(state.districts.index)
    assert sorted(sites.index) == sorted(state.sites.index)
    assert set(districts.geom_type) <= {"Polygon", "MultiPolygon"}
    assert set(sites.geom_type) == {"Point"}
    assert districts["status"].to_dict() == state.districts["status"].to_dict()
    # sources are ;-joined ids, and their URLs follow in the same order
    kunduz = districts.loc["AF1901"]
    ids = kunduz["sources"].split(";")
    assert ids == list(state.districts.loc["AF1901", "sources"])
    assert kunduz["source_urls"].split(";") == [ds.records.sources[i].url for i in ids]
    assert kunduz["since"] == state.districts.loc["AF1901", "since"].isoformat()
    # the site keeps its own coordinates
    airport = sites.loc["kunduz-airport"]
    site = ds.records.sites["kunduz-airport"]
    assert (airport.geometry.x, airport.geometry.y) == pytest.approx((site.lon, site.lat))


def test_gpkg_has_layers_and_qgis_styles(ds: mapgen.Dataset, tmp_path: Path) -> None:
    out = tmp_path / "state.gpkg"
    code, _, err = cli("status", "--date", "2021-08-09", "--region", "all", "--format", "gpkg",
                       "--out", str(out))
    assert code == 0, err
    layers = dict(pyogrio.list_layers(out))
    assert {"provinces", "districts", "sites", "layer_styles"} <= set(layers)
    districts = pyogrio.read_dataframe(out, layer="districts")
    assert len(districts) == len(ds.geo.districts)
    state = mapgen.status_on(ds, "2021-08-09", region="all")
    assert districts.set_index("place")["status"].to_dict() == state.districts["status"].to_dict()
    with sqlite3.connect(out) as con:
        rows = con.execute("SELECT f_table_name, styleQML, useAsDefault FROM layer_styles").fetchall()
        registered = con.execute(
            "SELECT data_type FROM gpkg_contents WHERE table_name='layer_styles'").fetchone()
    assert registered == ("attributes",)
    assert sorted(r[0] for r in rows) == ["districts", "provinces", "sites"]
    used = set(districts["status"])
    for name, qml, default in rows:
        assert default == 1
        root = ET.fromstring(qml.split("\n", 1)[1])  # noqa: S314 (our own output)
        cats = {c.get("value"): c.get("label") for c in root.iter("category")}
        assert used <= set(cats), name
        colours = [o.get("value") for o in root.iter("Option") if o.get("name") == "color"]
        expected = {s: c for s, (_, c) in mapgen.api._status_styles(ds).items()}
        rgb = {",".join(str(int(c[k:k + 2], 16)) for k in (1, 3, 5)) + ",255"
               for c in expected.values()}
        assert set(colours) == rgb


def test_qml_keeps_hostile_labels_as_text() -> None:
    label = '<b onload="x">&amp; {{7*7}}</b>'
    qml = qml_style({"s1": (label, "#112233")}, "polygon")
    root = ET.fromstring(qml.split("\n", 1)[1])  # noqa: S314 (our own output)
    assert [c.get("label") for c in root.iter("category")] == [label]
    assert "<b " not in qml


def test_parquet_round_trip(ds: mapgen.Dataset, tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    frame = mapgen.status_geodata(ds, "2021-08-08")
    path = mapgen.save_geodata(ds, frame, tmp_path / "state.parquet")
    back = gpd.read_parquet(path)
    assert back.crs.to_epsg() == 4326
    pd.testing.assert_frame_equal(pd.DataFrame(back.drop(columns="geometry")),
                                  pd.DataFrame(frame.drop(columns="geometry")))
    assert back.geometry.equals(frame.geometry)


def test_unknown_geodata_suffix_is_refused(ds: mapgen.Dataset, tmp_path: Path) -> None:
    frame = mapgen.status_geodata(ds, "2021-08-08")
    with pytest.raises(mapgen.InputError, match="format"):
        mapgen.save_geodata(ds, frame, tmp_path / "state.shp")
    assert not (tmp_path / "state.shp").exists()


def test_spans_agree_with_status_on(ds: mapgen.Dataset) -> None:
    start, end = dt.date(2021, 6, 1), dt.date(2021, 8, 31)
    spans = mapgen.status_spans(ds, start, end)
    for place, runs in spans.groupby("place"):
        runs = runs.sort_values("date_from")
        assert runs["date_from"].iloc[0] == start.isoformat(), place
        assert runs["date_to"].iloc[-1] == end.isoformat(), place
        # contiguous: each run starts the day after the previous one ends, with a new status
        for (_, a), (_, b) in zip(runs.iloc[:-1].iterrows(), runs.iloc[1:].iterrows(), strict=True):
            assert dt.date.fromisoformat(b["date_from"]) - dt.date.fromisoformat(a["date_to"]) \
                == dt.timedelta(days=1)
            assert a["status"] != b["status"]
    for day in (start, dt.date(2021, 7, 3), dt.date(2021, 8, 8), dt.date(2021, 8, 15), end):
        state = mapgen.status_on(ds, day)
        iso = day.isoformat()
        live = spans[(spans["date_from"] <= iso) & (spans["date_to"] >= iso)].set_index("place")
        for table in (state.districts, state.sites):
            assert live.loc[table.index, "status"].to_dict() == table["status"].to_dict()
    # grows with changes, not days
    assert len(spans) < len(spans["place"].unique()) * 10


@pytest.mark.parametrize("value", [
    "2021-08-08", dt.date(2021, 8, 8), dt.datetime(2021, 8, 8, 23, 59),
    pd.Timestamp("2021-08-08"), np.datetime64("2021-08-08"), np.datetime64("2021-08-08T10:00"),
])
def test_dates_in_every_notebook_type(value: object) -> None:
    assert mapgen.as_date(value) == dt.date(2021, 8, 8)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [20210808, None, np.datetime64("NaT"), pd.NaT, "8/8/2021"])
def test_bad_dates_raise_mapgens_error(value: object) -> None:
    with pytest.raises(mapgen.InputError) as info:
        mapgen.as_date(value)  # type: ignore[arg-type]
    assert isinstance(info.value, ValueError)


# --- ACLED -------------------------------------------------------------------------------

def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_acled_proposals_and_report(tmp_path: Path) -> None:
    out = tmp_path / "proposals"
    code, stdout, err = cli("import-acled", str(ACLED / "events.csv"), "--actors",
                            str(ACLED / "actors.csv"), "--out", str(out),
                            "--start", "2021-05-01", "--end", "2021-09-07")
    assert code == 0, err
    control = _read(out / "control.csv")
    assert [(r["date"], r["place"], r["status"], r["sources"]) for r in control] == [
        ("2021-06-22", "AF1905", "taliban", "acled-test2"),      # Imam Sahib, found by point
        ("2021-08-12", "AF1904", "government", "acled-test6"),   # Khan Abad, the side that takes it
    ]
    assert all(r["confidence"] == "low" for r in control)  # geo_precision 2
    skipped = {r["event_id_cnty"]: r["reason"] for r in _read(out / "skipped.csv")}
    assert skipped == {
        "TEST1": "already recorded",  # geo-coded to the town: the city site, recorded already
        "TEST3": "not a territory change",
        "TEST4": "unmapped actor",
        "TEST5": "point outside every district",
        "TEST7": "date outside the theatre's period",
    }
    assert "7 events read, 2 proposed record(s), 5 skipped" in stdout
    sources = _read(out / "sources.csv")
    assert [s["source_id"] for s in sources] == ["acled-test2", "acled-test6"]
    assert all("ACLED" in s["publisher"] and s["url"].startswith("https://") for s in sources)
    assert "Tolo News" in sources[0]["title"]


def test_acled_proposals_validate_once_appended(tmp_path: Path, data_copy: Path) -> None:
    out = tmp_path / "p"
    assert cli("import-acled", str(ACLED / "events.csv"), "--actors", str(ACLED / "actors.csv"),
               "--out", str(out))[0] == 0
    theatre = data_copy
    for name in ("control.csv", "sources.csv"):
        new = (out / name).read_text(encoding="utf-8").split("\n", 1)[1]
        with (theatre / name).open("a", encoding="utf-8") as fh:
            fh.write(new)
    ds = mapgen.load(theatre)
    assert mapgen.status_on(ds, "2021-08-12").districts.loc["AF1904", "status"] == "government"
    assert ds.records.sources["acled-test6"].published == dt.date(2021, 8, 12)
    # a second import of the same events proposes nothing new
    again = mapgen.propose_from_acled(ds, ACLED / "events.csv", ACLED / "actors.csv")
    assert again.control == []
    assert {s.reason for s in again.skipped} >= {"already imported"}


def test_acled_missing_columns_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("event_id_cnty,event_date,latitude\nX,2021-08-08,36\n", encoding="utf-8")
    code, _, err = cli("import-acled", str(bad), "--actors", str(ACLED / "actors.csv"),
                       "--out", str(tmp_path / "o"))
    assert code == 2
    for col in ("sub_event_type", "actor1", "longitude", "geo_precision"):
        assert col in err
    assert "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_acled_actor_with_unknown_status_exit_2(tmp_path: Path) -> None:
    actors = tmp_path / "actors.csv"
    actors.write_text("actor,status\nTaliban,victorious\n", encoding="utf-8")
    code, _, err = cli("import-acled", str(ACLED / "events.csv"), "--actors", str(actors),
                       "--out", str(tmp_path / "o"))
    assert code == 2
    assert "actors.csv:2: status: 'victorious'" in err


def test_acled_refuses_to_overwrite_a_review(tmp_path: Path) -> None:
    out = tmp_path / "p"
    args = ["import-acled", str(ACLED / "events.csv"), "--actors", str(ACLED / "actors.csv"),
            "--out", str(out)]
    assert cli(*args)[0] == 0
    (out / "control.csv").write_text("edited by a reviewer\n", encoding="utf-8")
    code, _, err = cli(*args)
    assert code == 2 and "already has" in err
    assert (out / "control.csv").read_text(encoding="utf-8") == "edited by a reviewer\n"
    assert cli(*args, "--overwrite")[0] == 0
    assert (out / "control.csv").read_text(encoding="utf-8").startswith("date,place")


def test_acled_dates_both_forms() -> None:
    from mapgen.acled import parse_event_date

    assert parse_event_date("08 August 2021") == dt.date(2021, 8, 8)
    assert parse_event_date("8 august 2021") == dt.date(2021, 8, 8)
    assert parse_event_date("2021-08-08") == dt.date(2021, 8, 8)
    for bad in ("2021-8-8", "08 Agosto 2021", "yesterday"):
        with pytest.raises(ValueError):
            parse_event_date(bad)
