"""A theatre is data: a synthetic one with six statuses works end to end, in its own words;
theatre files are checked; shipped theatres are found by name; no Afghan word is in the code."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from pyproj import Transformer

import mapgen
from mapgen.cli import main
from mapgen.geography import equal_area_crs, load_boundaries
from mapgen.schema import datapackage_json
from mapgen.theatre import read_theatre, shipped

from . import synthetic
from .conftest import DATA, ROOT

DAY, LATER = "2024-01-10", "2024-02-20"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthetic.build(tmp_path_factory.mktemp("testland") / "testland")


@pytest.fixture(scope="module")
def tds(folder: Path) -> mapgen.Dataset:
    return mapgen.load(folder)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The CLI in this process (the smoke tests elsewhere start it as a process)."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _payload(html: str) -> dict:
    m = re.search(r"var mapgen_data_\w+ = (\{.*?\});\n", html)
    assert m is not None
    return json.loads(m.group(1))


def _no_afghan_word(text: str) -> None:
    found = synthetic.AFGHAN_WORDS.search(text)
    assert found is None, f"{found.group(0)!r} in {text[max(0, found.start() - 80):found.end() + 80]!r}"


# --- the synthetic theatre, end to end ---------------------------------------------------


def test_loads_with_its_own_vocabulary(tds: mapgen.Dataset) -> None:
    th = tds.theatre
    assert th.status_ids == (*(s[0] for s in synthetic.STATUSES), "unknown")
    assert [s.label for s in th.statuses][-1] == "No report yet"
    assert th.sides == {"north", "south", "river", "hills"}
    # province names, second names with their language and the country code come from the file
    assert tds.geo.provinces["name"].to_dict() == {"QQ1": "Lowland", "QQ2": "Midland", "QQ3": "Upland"}
    assert tds.geo.provinces.loc["QQ3", "name_local"] == "الجبل"
    assert tds.geo.local_lang == "ar"
    assert list(tds.geo.country.index) == ["QQ"]
    assert tds.geo.country["name"].tolist() == ["Testland"]
    # the default region: Lowland and the province it touches
    assert tds.region() == (["QQ1", "QQ2"], "Western Testland")
    assert tds.region("all") == (["QQ1", "QQ2", "QQ3"], "Testland")


def test_positions_are_sites_held_apart_from_their_district(tds: mapgen.Dataset) -> None:
    sites = mapgen.status_on(tds, LATER, region="all").sites
    # ferry: north's in a district of active fighting; hill-fort: the clans' in the militia's
    assert sites["position"].to_dict() == {"ferry": True, "hill-fort": True, "lowtown": False,
                                           "midtown": False}
    early = mapgen.status_on(tds, "2024-01-04", region="all").sites
    assert early.loc["ferry", "position"]  # north's landing in a district of fighting
    assert not early.loc["hill-fort", "position"]  # no record of its own yet: unknown


def test_validate_status_and_stats(capsys, folder: Path) -> None:
    code, out, err = run(capsys, "validate", "--data", str(folder))
    assert code == 0, err
    assert out.startswith("ok: 2 sources, 4 sites, 11 control records")
    code, out, err = run(capsys, "status", "--data", str(folder), "--date", LATER, "--region", "all")
    assert code == 0, err
    rows = {line.split(",")[0]: line for line in out.splitlines()[1:]}
    assert ",district,district,QQ3,QQ302,truce," in rows["QQ302"]
    assert ",province,province,QQ3,,hills," in rows["QQ3"]
    _no_afghan_word(out + err)
    code, out, err = run(capsys, "stats", "--data", str(folder), "--date", LATER, "--by", "all",
                         "--format", "csv")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "scope,name,status,districts,stale,area_km2,population"
    # default region (Western Testland: 6 districts); no population in the file: n/a, never 0
    assert [line.split(",")[2] for line in lines[1:]] == [*(s[0] for s in synthetic.STATUSES),
                                                          "unknown", "total"]
    assert lines[-1].startswith("all,Western Testland,total,6,") and lines[-1].endswith(",n/a")
    assert all(line.endswith(",n/a") for line in lines[1:])
    _no_afghan_word(out + err)


def test_page_compare_and_timeline_in_its_own_words(capsys, folder: Path, tmp_path: Path) -> None:
    outputs = {}
    for name, args in (("page", ["render", "--date", LATER]),
                       ("compare", ["compare", "--before", DAY, "--after", LATER]),
                       ("timeline", ["timeline", "--start", DAY, "--end", LATER, "--step", "7d"])):
        out = tmp_path / f"{name}.html"
        code, _, err = run(capsys, *args, "--data", str(folder), "--out", str(out), "-q")
        assert code == 0, err
        outputs[name] = out.read_text(encoding="utf-8")
    for html in outputs.values():
        _no_afghan_word(html)
        data = _payload(html)
        assert data["title"] == "Who holds Testland"
        assert data["region"] == "Western Testland"
        assert data["legend"]["statuses"] == [
            {"id": i, "label": label, "colour": colour, "pattern": pattern, "side": side}
            for i, label, colour, pattern, side in synthetic.STATUSES] + [
            {"id": "unknown", "label": "No report yet", "colour": "#BBBBBB", "pattern": "",
             "side": False}]
        assert data["legend"]["credits"] == ["Boundaries: Testland Survey Office (synthetic)",
                                             "Records: mapgen test suite"]
        assert data["legend"]["position"] == {"colour": "#000066", "tooltip": "Outpost",
                                              "label": "Outpost held apart from its district"}
        assert (data["legend"]["local_lang"], data["legend"]["local_dir"]) == ("ar", "rtl")
        assert data["legend"]["population"] is False
        assert '"Outposts"' in html or ">Outposts<" in html or "Outposts" in html
        assert ".mapgen-s4{background:repeating-linear-gradient(45deg, #66A61E" in html
    frames = _payload(outputs["timeline"])["frames"]
    assert [f["date"] for f in frames] == ["2024-01-10", "2024-01-17", "2024-01-24", "2024-01-31",
                                           "2024-02-07", "2024-02-14", "2024-02-20"]
    changes = _payload(outputs["compare"])["changes"]
    assert {c["place"] for c in changes} >= {"QQ101", "lowtown"}
    low = next(c for c in changes if c["place"] == "QQ101")
    statuses = [s[0] for s in synthetic.STATUSES]
    assert (low["before"], low["after"], low["changed_on"]) == (
        statuses.index("north"), statuses.index("south"), "2024-02-01")


def test_figure_in_its_own_words(tds: mapgen.Dataset) -> None:
    svg = mapgen.export_figure(tds, before=DAY, after=LATER, fmt="svg")
    assert isinstance(svg, bytes)
    text = svg.decode("utf-8")
    _no_afghan_word(text)
    for label in ("Who holds Testland", "Western Testland", "Northern Front", "Active fighting",
                  "Testland Survey Office (synthetic)", "Outpost held apart from its"):
        assert label in text, label


def test_stats_plot_needs_a_measure_the_file_has(tds: mapgen.Dataset) -> None:
    with pytest.raises(mapgen.InputError, match="no population"):
        mapgen.stats_plot(tds, DAY, LATER, measure="population")
    png = mapgen.stats_plot(tds, DAY, LATER, measure="districts", step="7d")
    assert png.startswith(b"\x89PNG")


def test_capital_falls_come_from_the_capital_column(tds: mapgen.Dataset) -> None:
    from mapgen import api, stats

    provinces, _ = tds.region("all")
    states = api.states_on(tds, api.date_range("2024-01-02", LATER), provinces)
    # Lowtown (capital column) passes from north to south; Hill Fort is no capital
    assert stats.capital_falls(states, tds.theatre) == [(
        __import__("datetime").date(2024, 2, 1), "Lowland A")]


def test_unknown_region_exits_2_listing_the_regions(capsys, folder: Path) -> None:
    code, _, err = run(capsys, "status", "--data", str(folder), "--date", LATER, "--region", "north")
    assert code == 2
    assert "regions of this theatre: west, uplands, all" in err
    code, _, err = run(capsys, "status", "--date", "2021-08-08", "--region", "Narnia")
    assert code == 2 and "regions of this theatre: north, all" in err


def test_datapackage_of_the_synthetic_theatre_validates(folder: Path) -> None:
    frictionless = pytest.importorskip("frictionless")
    (folder / "datapackage.json").write_text(datapackage_json(read_theatre(folder)), encoding="utf-8")
    report = frictionless.validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    control = next(r for r in package["resources"] if r["name"] == "control")
    status = next(f for f in control["schema"]["fields"] if f["name"] == "status")
    assert status["constraints"]["enum"] == list(read_theatre(folder).status_ids)


# --- theatre files, shipped theatres -----------------------------------------------------


def test_shipped_datapackage_is_generated_from_the_theatre_and_validates() -> None:
    assert (DATA / "datapackage.json").read_text(encoding="utf-8") == datapackage_json(read_theatre(DATA)), \
        "run: python scripts/datapackage.py data/events"
    frictionless = pytest.importorskip("frictionless")
    for theatre in shipped().values():
        report = frictionless.validate(str(theatre.folder / "datapackage.json"))
        assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


@pytest.mark.parametrize(("edit", "field", "message"), [
    (('colour = "#1B9E77"', 'colour = "green"'), "statuses[1].colour", "not a colour"),
    (('default_region = "west"', 'default_region = "east"'), "default_region",
     "not a region of this theatre"),
    (('title = ', 'titel = '), "titel", "unknown key"),
    (('id = "truce"', 'id = "unknown"'), "statuses[6].id", "'unknown' is built in"),
    (('pattern = "hatch"', 'pattern = "dots"'), "statuses[5].pattern", "unknown pattern"),
    (('period = ["2024-01-01", "2024-03-31"]', 'period = ["2024-03-01", "2024-01-31"]'), "period",
     "ends before it starts"),
])
def test_theatre_file_problems_are_named(folder: Path, tmp_path: Path, edit: tuple[str, str],
                                         field: str, message: str) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(folder, bad)
    toml = bad / "theatre.toml"
    text = toml.read_text(encoding="utf-8")
    assert edit[0] in text
    toml.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    with pytest.raises(mapgen.DataError) as err:
        read_theatre(bad)
    assert [(p.field, p.message) for p in err.value.problems] == [(field, message)]
    assert err.value.problems[0].file == str(toml)


def test_unknown_key_suggests_the_known_one(folder: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(folder, bad)
    toml = bad / "theatre.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("with_neighbours", "with_neighbors"),
                    encoding="utf-8")
    with pytest.raises(mapgen.DataError, match="did you mean 'with_neighbours'"):
        read_theatre(bad)


def test_shipped_theatres_are_listed_and_picked_by_name(capsys) -> None:
    assert list(shipped()) == ["afghanistan-2021"]
    code, out, _ = run(capsys, "theatres")
    assert code == 0
    assert out.startswith("afghanistan-2021\tAfghanistan 2021\t2021-05-01..2021-09-07\t")
    ds = mapgen.load(theatre="afghanistan-2021")
    assert ds.theatre.folder.resolve() == DATA.resolve()
    code, _, err = run(capsys, "validate", "--theatre", "nowhere-1999")
    assert code == 2 and "shipped theatres are afghanistan-2021" in err


def test_coverage_defaults_to_the_theatre_period(capsys, folder: Path) -> None:
    code, out, err = run(capsys, "coverage", "--data", str(folder), "--format", "csv")
    assert code == 0, err
    header = out.splitlines()[0].split(",")
    assert header[3] == "2024-01-01" and header[-1] == "2024-03-31"


# --- boundaries, projection ------------------------------------------------------------


def test_upper_case_cod_ab_gives_names_codes_and_language(tmp_path: Path) -> None:
    rows = [{"ADM2_PCODE": f"ZZ0{p}0{d}", "ADM2_EN": f"D{p}{d}", "ADM2_AR": f"م{p}{d}",
             "ADM1_PCODE": f"ZZ0{p}", "ADM1_EN": f"Province {p}", "ADM1_AR": f"ولاية {p}",
             "ADM0_PCODE": "ZZ", "ADM0_EN": "Zedland",
             "geometry": shapely.box(30 + p, 15 + d, 31 + p, 16 + d)} for p in (1, 2) for d in (1, 2)]
    path = tmp_path / "zz.shp"
    gpd.GeoDataFrame(rows, crs="EPSG:4326").to_file(path)
    geo = load_boundaries(path)
    assert geo.provinces["name"].to_dict() == {"ZZ01": "Province 1", "ZZ02": "Province 2"}
    assert geo.provinces.loc["ZZ02", "name_local"] == "ولاية 2"
    assert geo.districts.loc["ZZ0201", "name_local"] == "م21"
    assert (geo.local_lang, list(geo.country.index), geo.country["name"].iloc[0]) == ("ar", ["ZZ"], "Zedland")


@pytest.mark.parametrize("bounds", [(60.5, 29.4, 75.0, 38.5), (21.8, 8.7, 38.6, 22.2),
                                    (-73.4, -55.1, -53.6, -21.8)])
def test_equal_area_crs_is_centred_on_the_extent(bounds: tuple[float, float, float, float]) -> None:
    crs = equal_area_crs(bounds)
    to_map = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    centre_lon = (bounds[0] + bounds[2]) / 2
    # the central meridian is vertical on the map: north points straight up in the middle
    x0, _ = to_map.transform(centre_lon, bounds[1])
    x1, _ = to_map.transform(centre_lon, bounds[3])
    assert abs(x1 - x0) < 0.05 * 1e5  # within 5 km over the whole height (rounding to 0.1°)
    # and areas are true: a 1°x1° cell at the centre matches its geodesic area
    lat = (bounds[1] + bounds[3]) / 2
    cell = shapely.box(centre_lon, lat, centre_lon + 1, lat + 1)
    projected = shapely.transform(cell, lambda xy: __import__("numpy").column_stack(
        to_map.transform(xy[:, 0], xy[:, 1])))
    from pyproj import Geod

    geodesic = abs(Geod(ellps="WGS84").geometry_area_perimeter(cell)[0])
    assert projected.area == pytest.approx(geodesic, rel=1e-3)


# --- no word of one war in the code ----------------------------------------------------

#: Words of the shipped theatre no file of it lists as such: its country's adjective, the
#: language of its second names, its intelligence service and the UN mission there. The rest
#: are read from the theatre itself (:func:`_theatre_words`).
CODE_WORDS = re.compile(r"(?i)\b(afghan\w*|dari|nds|unama)\b")
#: Words of the shipped theatre's credits that name a standard mapgen reads for any country:
#: OCHA's common operational datasets (COD-AB) of administrative boundaries.
GENERIC = frozenset({"ocha", "cod"})
#: Text a module may hold though it has a theatre word in it: ACLED's own names of its
#: sub-event types, the same for every country ACLED covers, and ordinary words in their own
#: sense.
ALLOWED = {"mapgen/acled.py": ("Government regains territory",),
           "mapgen/geography.py": ("foreign cache",)}


def _theatre_words(ds: mapgen.Dataset) -> re.Pattern[str]:
    """The shipped theatre's own words: the ids and label words of its sides, the words of
    its credits, the names of its country, provinces and capitals, and its P-codes."""
    th = ds.theatre
    words = set()
    for style in th.statuses:
        if style.side:
            words |= {style.status, *re.findall(r"[^\W\d_]{5,}", style.label)}
    for _, line in th.credits:
        words |= {w for w in re.findall(r"\b[A-Z]{3,}\b", line) if w.lower() not in GENERIC}
    for frame in (ds.geo.country, ds.geo.provinces):
        words |= set(frame["name"]) | set(frame["name_local"].dropna()) - {""}
    for site in ds.records.sites.values():
        if site.capital:  # "Feroz Koh (Chaghcharan)": both names
            words |= {n.strip() for n in re.split(r"[()]", site.name) if n.strip()}
    codes = "|".join(re.escape(c) for c in ds.geo.country.index)
    names = "|".join(re.escape(w.replace("_", " ")) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?i)(?<!\w)({names})(?!\w)|(?<![#\w])({codes})\d+\b")


def _war_words(text: str, theatre_words: re.Pattern[str], allowed: tuple[str, ...] = ()
               ) -> list[tuple[int, str]]:
    """(line, word) of each word of the shipped theatre anywhere in ``text``: code, names,
    strings, docstrings and comments; ``name_dari`` is read as ``name dari``."""
    found = []
    for n, line in enumerate(text.splitlines(), 1):
        for phrase in allowed:
            line = line.replace(phrase, "")
        line = line.replace("_", " ")
        hits = {(m.start(), m.group(0)) for pattern in (CODE_WORDS, theatre_words)
                for m in pattern.finditer(line)}
        found += [(n, word) for _, word in sorted(hits)]
    return found


def test_no_word_of_one_war_in_the_code(ds: mapgen.Dataset) -> None:
    """Python, its docstrings and comments, and the page's scripts and styles name no status,
    side, place, agency or code of the shipped theatre."""
    words = _theatre_words(ds)
    files = [p for p in sorted((ROOT / "mapgen").rglob("*"))
             if p.is_file() and "__pycache__" not in p.parts]
    assert {p.suffix for p in files} >= {".py", ".js", ".css"}
    problems = []
    for path in files:
        name = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        problems += [f"{name}:{line}: {word!r}"
                     for line, word in _war_words(text, words, ALLOWED.get(name, ()))]
    assert problems == []


def test_the_word_check_can_fail(ds: mapgen.Dataset) -> None:
    words = _theatre_words(ds)
    module = ('"""Docstrings may not say Kunduz."""\nname_dari = 1\nX = "Taliban"  # resistance\n'
              'def f(af1901):\n    """AF1901 in an example; the government of Sar-e-Pul."""\n'
              'Y = "Government regains territory"\n')
    assert [w for _, w in _war_words(module, words)] == [
        "Kunduz", "dari", "Taliban", "resistance", "af1901", "AF1901", "government", "Sar-e-Pul",
        "Government"]
    assert _war_words(module, words, ALLOWED["mapgen/acled.py"])[-1] == (5, "Sar-e-Pul")
    style = "/* Sheberghan */ .mapgen-site { color: #AF1234; } // Jawzjan\n"
    assert [w for _, w in _war_words(style, words)] == ["Sheberghan", "Jawzjan"]


def test_a_theatre_copied_without_its_boundaries_says_so(folder: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("*.geojson"))
    with pytest.raises(mapgen.MissingFileError, match=r"boundary file named by .*theatre\.toml not found"):
        mapgen.load(copy)
    ds = mapgen.load(copy, folder / "testland.geojson")  # --boundaries still works
    assert ds.theatre.id == "testland-2024"


@pytest.mark.browser
def test_synthetic_page_in_chromium(browser, tds: mapgen.Dataset, tmp_path: Path) -> None:
    from .pagecheck import open_page

    out = mapgen.save_map(mapgen.build_timeline(tds, DAY, LATER, step="7d", region="all"),
                          tmp_path / "t.html")
    page, log = open_page(browser, out)
    assert (log.external, log.page_errors, log.console_errors) == ([], [], [])
    page.evaluate(f"mapgen.views[0].show({len(mapgen.date_range(DAY, LATER, '7d')) - 1})")
    drawn = dict(page.eval_on_selector_all(
        "path.mapgen-district",
        "els => els.map(e => [e.getAttribute('data-pcode'), e.getAttribute('data-status')])"))
    assert drawn == mapgen.status_on(tds, LATER, region="all").districts["status"].to_dict()
    legend = page.locator(".mapgen-legend")
    for _, label, *_ in synthetic.STATUSES:
        assert legend.get_by_text(label, exact=True).is_visible()
    # no population in the file: the legend says n/a, and only the districts chart is drawn
    assert "n/a" in legend.inner_text()
    assert page.locator(".mapgen-chart").count() == 1
    # a remaining position's ring sits under its own disc: the disc tells what it is
    held = page.locator(".mapgen-position").first.get_attribute("data-site")
    page.locator(f".mapgen-site[data-site='{held}'] .mapgen-disc").hover()
    assert page.get_by_text("Outpost: ", exact=False).first.is_visible()
    _no_afghan_word(page.locator("body").inner_text())
