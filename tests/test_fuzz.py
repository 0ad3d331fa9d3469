"""Issue 12: a seeded corpus of hostile text in every text field of every records file and in
the boundary names. Every command exits 0 or 2, raises nothing else, writes nothing but its
output, and shows the text literally: in the page (read back by Chromium), CSV and JSON.

A few hundred strings run by default; a longer run on demand::

    MAPGEN_FUZZ_DATASETS=400 MAPGEN_FUZZ_SEED=7 .venv/bin/python -m pytest tests/test_fuzz.py

(each dataset carries 14 hostile strings, one per field).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import os
import random
import re
import shutil
from pathlib import Path

import geopandas as gpd
import pytest

import mapgen
from mapgen import cli
from mapgen.sanitize import spreadsheet_cell

from .pagecheck import open_page

pytestmark = pytest.mark.browser

SEED = int(os.environ.get("MAPGEN_FUZZ_SEED", "12"))
DATASETS = int(os.environ.get("MAPGEN_FUZZ_DATASETS", "24"))
RECORDS = Path(__file__).parent / "data" / "good-bom-dari"

FRAGMENTS = [
    # Jinja2 and other template engines
    "{{ 7*7 }}", "{{", "}}", "{%", "%}", "{#", "#}", "{{}}", "{% raw %}", "{%- endraw -%}",
    "{{ cycler.__init__.__globals__.os.mkdir(dict(FUZZED=1)|first) }}",
    "{{ self.__init__.__globals__.__builtins__ }}", "{{ lipsum.__globals__ }}",
    "{% for x in range(9) %}{{x}}{% endfor %}", "{{cite news|title=x}}", "${7*7}", "#{7*7}",
    "<%= 7*7 %>", "[[${7*7}]]", "{{constructor.constructor('alert(1)')()}}", "@(1+2)",
    # HTML and JavaScript
    "<script>alert(1)</script>", "</script><script>alert(2)</script>", "<!--", "-->",
    "<![CDATA[", "]]>", "<img src=x onerror=alert(3)>", "\"><svg onload=alert(4)>",
    "javascript:alert(5)", "'; alert(6); '", "`${alert(7)}`", "&amp;", "&lt;b&gt;", "\\u003c",
    # spreadsheet formulas
    "=1+1", "+1", "-1", "@SUM(1)", "=HYPERLINK(\"http://x\",\"y\")", "=cmd|' /C calc'!A0",
    # matplotlib mathtext and TeX
    "$x^2$", "$", "$$", "\\frac{1}{2}", "$\\alpha$", "\\", "%", "_", "^",
    # quotes, separators, Unicode
    "\"", "'", ",", ";", "a,b;c", "\u2028", "\u2029", "\u202e", "\u2066", "\u200f",
    "\u0634\u0647\u0631 \u06a9\u0646\u062f\u0632", "\U0001f4a3", "\ufeff", "\u00a0",
    "Kunduz", "north", "AF1901",
]
CONTROL = ["\x1b[31m", "\x07", "\x00", "\x08", "\x7f", "\x9b"]
PUNCT_ONLY = re.compile(r"[\W_]*")


def hostile(rng: random.Random) -> str:
    parts = rng.sample(FRAGMENTS, rng.randint(1, 3))
    if rng.random() < 0.015:
        parts.insert(rng.randrange(len(parts) + 1), rng.choice(CONTROL))
    if rng.random() < 0.05:
        parts.append("x" * rng.choice([2000, 20000]))
    return "word " + " ".join(parts) + " end"  # the reader strips the ends of each cell


def _q(v: str) -> str:
    return '"' + v.replace('"', '""') + '"'


def _dataset(root: Path, rng: random.Random, kunduz: gpd.GeoDataFrame) -> dict[str, str]:
    """A records folder and a boundary file with a hostile string in every text field."""
    t = {f: hostile(rng) for f in ("publisher", "title", "url", "site_name", "site_dari",
                                   "alias", "district_name", "district_dari", "province_name",
                                   *[
                                       f"note{i}" for i in range(2, 7)])}
    t["url"] = "https://example.org/p?q=" + re.sub(r"\s", "+", t["url"])
    data = root / "records"
    data.mkdir()
    shutil.copy(RECORDS / "sources.csv", data)
    with open(data / "sources.csv", "a", encoding="utf-8") as fh:
        fh.write(f"fz,{_q(t['publisher'])},{_q(t['title'])},2021-08-10,{_q(t['url'])}\n")
    (data / "sites.csv").write_text(
        "site_id,name,kind,lat,lon,district,precision,name_dari\n"
        "kunduz-airport,Kunduz Airport,airport,36.665,68.91083,AF1901,exact,\n"
        f"fz-site,{_q(t['site_name'])},army_base,36.70,68.85,AF1901,approximate,"
        f"{_q(t['site_dari'])}\n", encoding="utf-8")
    rows = ["date,place,status,note,sources,confidence",
            "2021-08-08,AF1901,taliban,,seed-tolonews-2021-08-08,high",
            "2021-08-08,kunduz-airport,government,,seed-tolonews-2021-08-08,high",
            "2021-08-09,fz-site,government,,fz,low"]
    rows += [f"2021-08-09,AF190{i},contested,{_q(t[f'note{i}'])},fz,low" for i in range(2, 7)]
    (data / "control.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (data / "aliases.csv").write_text(f"alias,place\n{_q(t['alias'])},AF1903\n",
                                      encoding="utf-8")
    frame = kunduz.copy()
    frame.loc[frame["pcode"] == "AF1907", "name"] = t["district_name"]
    frame.loc[frame["pcode"] == "AF1907", "name_local"] = t["district_dari"]
    frame.to_file(root / "b.gpkg", layer="districts")
    province = frame.dissolve(by="province_pcode").reset_index()
    province = province.assign(pcode=province["province_pcode"], name=t["province_name"],
                               name_local="")[["pcode", "name", "name_local", "geometry"]]
    province.to_file(root / "b.gpkg", layer="provinces")
    return t


def _main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    logging.getLogger().handlers.clear()  # a fresh handler on this test's stderr
    try:
        code = cli.main(list(args))
    except SystemExit as exc:  # argparse refuses an argument: exit 2, as from the shell
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if "cache" not in p.parts}


@pytest.fixture(scope="module")
def kunduz(ds: mapgen.Dataset) -> gpd.GeoDataFrame:
    d = ds.geo.districts
    cols = ["pcode", "name", "name_local", "province_pcode", "population", "area_km2",
            "geometry"]
    return d[d["province_pcode"] == "AF19"].reset_index(drop=True)[cols]


@pytest.mark.parametrize("n", range(DATASETS))
def test_hostile_text_everywhere(n: int, browser, kunduz: gpd.GeoDataFrame, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(SEED * 100_003 + n)  # noqa: S311  (a seeded corpus, not a secret)
    t = _dataset(tmp_path, rng, kunduz)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MAPGEN_CACHE", str(tmp_path / "cache"))
    common = ["--data", str(tmp_path / "records"), "--boundaries", str(tmp_path / "b.gpkg"),
              "-q"]
    before = _files(tmp_path)
    code, _, err = _main(capsys, "validate", *common)
    assert "error: unrecognized arguments" not in err
    assert code in (0, 2), err
    valid = code == 0
    out = tmp_path / "out"
    common += ["--region", "AF19"]
    runs = [
        ["status", "--date", "2021-08-09", "--format", "csv"],
        ["status", "--date", "2021-08-09", "--format", "json"],
        ["render", "--date", "2021-08-09", "--out", str(out / "p.html")],
        ["compare", "--before", "2021-08-08", "--after", "2021-08-09", "--format", "csv"],
        ["places", t["alias"][:40]],  # --region is not an option of places: see below
    ]
    if n % 6 == 0:  # the slower figure paths, on every sixth dataset
        runs += [["export", "--date", "2021-08-09", "--out", str(out / "f.svg")],
                 ["stats", "--start", "2021-08-08", "--end", "2021-08-09",
                  "--plot", str(out / "s.png")]]
    results = {}
    for args in runs:
        code, stdout, err = _main(capsys, *args, *(common[:-2] if args[0] == "places"
                                                   else common))
        if args[0] == "places":  # the alias may fold to nothing a place is called
            assert code in (0, 2), err
        else:
            assert code == (0 if valid else 2), (args, err)
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", stdout + err), args
        if args[0] == "places":  # for people: no bidi overrides either
            assert not re.search(r"[\u202a-\u202e\u2066-\u2069]", stdout + err), stdout
        results[args[0] + args[-1]] = stdout
    expected_files = {out / "p.html"} | ({out / "f.svg", out / "s.png"} if n % 6 == 0 else set())
    assert _files(tmp_path) - before - {out} == (expected_files if valid else set())
    assert not list(tmp_path.rglob("FUZZED"))
    if not valid:
        return
    notes = {f"AF190{i}": t[f"note{i}"] for i in range(2, 7)}
    # CSV: every cell literal, spreadsheet-safe
    table = {r["place"]: r for r in csv.DictReader(io.StringIO(results["statuscsv"]))}
    for place, note in notes.items():
        assert table[place]["note"] == spreadsheet_cell(note)
    assert table["AF1907"]["name"] == spreadsheet_cell(t["district_name"])
    assert table["fz-site"]["name"] == spreadsheet_cell(t["site_name"])
    rows = {r["place"]: r for r in json.loads(results["statusjson"])}
    assert {p: rows[p]["note"] for p in notes} == notes
    assert rows["AF1907"]["name"] == t["district_name"]
    if n % 6 == 0:  # the figure's SVG keeps text as text: the title holds the region name
        import xml.etree.ElementTree as ET

        svg = ET.parse(out / "f.svg").getroot()  # noqa: S314  (our own output)
        texts = ["".join(e.itertext()) for e in svg.iter("{http://www.w3.org/2000/svg}text")]
        assert f"Territorial control \u2014 {t['province_name']}" in texts
    # the page, as Chromium reads it
    page, log = open_page(browser, out / "p.html", settle_ms=100)
    html = (out / "p.html").read_text(encoding="utf-8")
    var = re.search(r"var (mapgen_data_\d+) = ", html).group(1)  # type: ignore[union-attr]
    data = page.evaluate(var)
    assert set(notes.values()) <= set(data["records"]["note"])
    fz = data["sources"]["fz"]
    assert [fz["publisher"], fz["title"], fz["url"]] == [t["publisher"], t["title"], t["url"]]
    assert t["site_name"] in data["sites"]["name"]
    assert data["region"] == t["province_name"]
    i = data["districts"]["code"].index("AF1907")
    assert [data["districts"]["name"][i], data["districts"]["local"][i]] == [
        t["district_name"], t["district_dari"]]
    with contextlib.suppress(Exception):
        page.locator("details.mapgen-sources-panel summary").click(timeout=2000)
    panel = page.evaluate(
        "document.querySelector('details.mapgen-sources-panel').textContent")
    assert t["publisher"] in panel and t["title"] in panel
    assert log.dialogs == [] and log.page_errors == [] and log.external == []
    page.context.close()
