"""The command line as a user runs it: exit codes, messages, no tracebacks; in this process, with
a few smoke tests (``process=True``) starting ``python -m mapgen`` as a separate process."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

import mapgen

from .conftest import run_cli


def test_render_writes_the_named_file(tmp_path: Path) -> None:
    out = tmp_path / "m.html"
    r = run_cli("render", "--date", "2021-08-08", "--out", str(out), process=True)
    assert r.code == 0, r.err
    assert f"wrote {out}" in r.err
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert '"8 August 2021"' in html


def test_render_default_output_name(tmp_path: Path) -> None:
    r = run_cli("render", "--date", "2021-08-07", "--region", "Jowzjan", "-q", cwd=tmp_path,
                process=True)
    assert r.code == 0, r.err
    assert (tmp_path / "outputs" / "control-2021-08-07-jowzjan.html").is_file()


def test_status_csv_matches_api(ds: mapgen.Dataset) -> None:
    r = run_cli("status", "--date", "2021-08-08")
    assert r.code == 0, r.err
    rows = list(csv.DictReader(io.StringIO(r.out)))
    for col in ("place", "name", "level", "kind", "province", "district", "status", "since",
                "sources"):
        assert col in rows[0]
    api = mapgen.status_table(ds, "2021-08-08")
    assert [row["place"] for row in rows] == api["place"].tolist()
    by = {row["place"]: row for row in rows}
    assert by["AF1901"]["status"] == "taliban"
    assert by["AF1901"]["since"] == "2021-08-08"
    assert by["sar-e-pul-army-base"]["level"] == "site"
    assert by["sar-e-pul-army-base"]["kind"] == "army_base"
    assert by["sar-e-pul-army-base"]["status"] == "government"
    assert {row["level"] for row in rows} == {"province", "district", "site"}
    n_districts = sum(1 for row in rows if row["level"] == "district")
    codes, _ = ds.region("north")
    assert n_districts == int(ds.geo.districts["province_pcode"].isin(codes).sum())


def test_status_json() -> None:
    r = run_cli("status", "--date", "2021-08-07", "--region", "AF28", "--format", "json")
    assert r.code == 0, r.err
    rows = json.loads(r.out)
    by = {row["place"]: row for row in rows}
    assert by["AF2801"]["status"] == "taliban"
    assert by["AF2801"]["level"] == "district"
    assert {row["province"] for row in rows} == {"AF28"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["render", "--date", "2021-8-8"], "bad date '2021-8-8': write dates as YYYY-MM-DD"),
        (["render", "--date", "2021-02-30"], "bad date '2021-02-30'"),
        (["status", "--date", "2021-08-08", "--region", "Kundus"],
         "unknown place 'Kundus' (province): did you mean Kunduz (AF19, province)"),
        (["render", "--date", "2021-08-08", "--data", "no/such/dir"],
         "no/such/dir: records folder not found"),
        (["render", "--date", "2021-08-08", "--boundaries", "missing.gpkg"],
         "missing.gpkg: boundary file not found"),
        (["render", "--date", "2021-08-08", "--tiles", "NoSuch.Tiles"],
         "unknown tile provider 'NoSuch.Tiles'"),
        (["render"], "the following arguments are required: --date"),
    ],
)
def test_bad_input_exits_2_without_traceback(tmp_path: Path, args: list[str], message: str) -> None:
    smoke = args[:3] == ["render", "--date", "2021-8-8"]  # one of them from a separate process
    r = run_cli(*args, "--out", str(tmp_path / "x.html"), process=smoke) \
        if args[0] == "render" and "--date" in args else run_cli(*args)
    assert r.code == 2, (r.code, r.err)
    assert message in r.err
    assert "Traceback" not in r.err
    assert len(r.err.strip().splitlines()) == 1
    assert not (tmp_path / "x.html").exists()


def test_python_dash_m_and_version() -> None:
    r = run_cli("--version", process=True)
    assert (r.code, r.out.strip()) == (0, f"mapgen {mapgen.__version__}")


def test_places_lists_aliases() -> None:
    r = run_cli("places", "sheberghan")
    assert r.code == 0, r.err
    lines = [line.split("\t") for line in r.out.splitlines()]
    assert {len(line) for line in lines} == {5}  # code, level, province, name, aliases
    codes = {line[0] for line in lines}
    assert "AF2801" in codes and "city-sheberghan" in codes
    aliases = {line[0]: line[4] for line in lines}
    assert "Sheberghan" in aliases["AF2801"].split("; ")
    r = run_cli("places", "Kondoz")
    assert r.out.split("\t")[0] == "AF19"


def test_export_cli_png_and_pdf(tmp_path: Path) -> None:
    from matplotlib.image import imread

    png = tmp_path / "f.png"
    r = run_cli("export", "--date", "2021-08-08", "--out", str(png), "-q")
    assert r.code == 0, r.err
    h, w = imread(str(png)).shape[:2]
    assert (w, h) == (2666, 1500)
    pdf = tmp_path / "f.pdf"
    r = run_cli("export", "--before", "2021-08-06", "--after", "2021-08-09", "--out", str(pdf),
                "--size", "a4", "-q")
    assert r.code == 0, r.err
    assert pdf.read_bytes()[:5] == b"%PDF-"
    r = run_cli("export", "--date", "2021-08-08", "--before", "2021-08-01", "--after", "2021-08-02")
    assert r.code == 2 and "give either --date or --before and --after, not both" in r.err


def test_render_date_range_writes_one_file_per_day(tmp_path: Path) -> None:
    r = run_cli("render", "--date", "2021-08-06..2021-08-09", "--region", "Kunduz", "--out",
                str(tmp_path / "batch"), "-q")
    assert r.code == 0, r.err
    names = sorted(p.name for p in (tmp_path / "batch").iterdir())
    assert names == [f"control-2021-08-0{d}-kunduz.html" for d in (6, 7, 8, 9)]
    single = tmp_path / "one.html"
    assert run_cli("render", "--date", "2021-08-08", "--region", "Kunduz", "--out", str(single),
                   "-q").code == 0
    assert (tmp_path / "batch" / "control-2021-08-08-kunduz.html").read_bytes() == \
        single.read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["render", "--date", "2021-08-08", "--region", " , "], "empty region"),
        (["export", "--date", "2021-08-08", "--out", "OUT/fig.jpg"],
         "figures are .png, .svg or .pdf"),
        (["render", "--date", "2021-08-01..2021-08-03", "--out", "OUT/one.html"],
         "with a date range --out is a folder"),
        (["render", "--date", "2021-08-09..2021-08-01", "--out", "OUT"],
         "the end date 2021-08-01 is before the start date 2021-08-09"),
        (["timeline", "--start", "2000-01-01", "--end", "2030-12-31", "--out", "OUT/t.html"],
         "is more than 3660 dates: give a larger step"),
    ],
)
def test_more_bad_input(tmp_path: Path, args: list[str], message: str) -> None:
    r = run_cli(*[a.replace("OUT", str(tmp_path / "o")) for a in args])
    assert r.code == 2, r.err
    assert message in r.err and "Traceback" not in r.err
    assert not (tmp_path / "o").exists()


def test_compare_table_to_file(tmp_path: Path) -> None:
    out = tmp_path / "changes.csv"
    r = run_cli("compare", "--before", "2021-08-06", "--after", "2021-08-09", "--format", "csv",
                "--out", str(out))
    assert r.code == 0, r.err
    assert r.out == ""
    assert out.read_text(encoding="utf-8").startswith("place,name,level,province,before,after")


def test_embed_snippet_is_ascii(tmp_path: Path) -> None:
    out = tmp_path / "e.html"
    assert run_cli("render", "--date", "2021-08-08", "--embed", "--out", str(out), "-q").code == 0
    data = out.read_bytes()
    assert data.isascii()
    assert "&#1705;&#1606;&#1583;&#1586;" in data.decode("ascii")  # Kunduz in Dari
