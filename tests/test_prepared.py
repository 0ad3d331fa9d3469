"""The prepared page (mapgen.prepared): a later ``mapgen render`` of the same inputs writes
the page the full path writes, byte for byte, for any date, region and theatre; it loads no
data-frame, geometry or template library; any change to an input is seen."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import mapgen
from mapgen import files, prepared
from mapgen.api import build_map, embed_snippet, map_html

from . import synthetic
from .conftest import DATA, ROOT, run_cli

HEAVY = ("pandas", "geopandas", "shapely", "pyproj", "pyogrio", "folium", "branca", "jinja2",
         "pyarrow", "matplotlib")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache of this test's own, so which path runs is known."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("MAPGEN_CACHE", str(folder))
    return folder / "mapgen"


def _kept(cache: Path) -> list[Path]:
    return sorted(cache.glob("prepared-*.json"))


def _render(out: Path, day: str, *extra: str) -> str:
    r = run_cli("render", "--date", day, "--out", str(out), "-q", *extra)
    assert r.code == 0, r.err
    return out.read_text(encoding="utf-8")


@pytest.mark.parametrize("region", [None, "all", "Kunduz", "north"])
def test_later_dates_come_from_the_kept_page_byte_for_byte(ds, cache, tmp_path, region) -> None:
    extra = ("--region", region) if region else ()
    _render(tmp_path / "first.html", "2021-08-08", *extra)
    assert len(_kept(cache)) == 1
    stamp = _kept(cache)[0].stat().st_ino  # a kept page is written anew (another inode)
    # before any record, on change days, between them, the fall of Kabul, long after
    for day in ("2019-01-01", "2021-05-01", "2021-06-22", "2021-08-14", "2021-08-15",
                "2021-08-31", "2022-06-01"):
        fast = _render(tmp_path / f"{day}.html", day, *extra)
        full = map_html(build_map(ds, day, region=region))
        assert fast == full, day
    assert _kept(cache)[0].stat().st_ino == stamp  # read, not written again


def test_a_later_render_loads_no_heavy_library(cache, tmp_path) -> None:
    code = (
        "import json, sys\n"
        "import mapgen.cli\n"
        "for day in ('2021-08-08', '2021-07-01'):\n"
        f"    assert mapgen.cli.main(['render', '--date', day, '--out', {str(tmp_path)!r} + "
        "'/' + day + '.html', '-q']) == 0\n"
        "    print(json.dumps(sorted(m for m in %r if m in sys.modules and "
        "type(sys.modules[m]).__name__ != '_LazyModule')))\n" % (HEAVY,)
    )
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           cwd=ROOT, timeout=300, check=True).stdout.splitlines()
    assert {"folium", "pandas", "geopandas"} <= set(json.loads(first[0]))  # the full path
    again = subprocess.run([sys.executable, "-c", code.replace("2021-08-08", "2021-06-01")],
                           capture_output=True, text=True, cwd=ROOT, timeout=300,
                           check=True).stdout.splitlines()
    assert json.loads(again[0]) == [] and json.loads(again[1]) == []


def test_options_and_inputs_each_have_their_own_page(ds, cache, tmp_path) -> None:
    """Title, detail, tiles and online assets change the page: each has its own kept page,
    and each later page is what the full path writes."""
    variants = [(), ("--title", "Briefing </script><b>x</b> {{ 7*7 }}"), ("--detail", "low"),
                ("--online-assets",), ("--tiles", "OpenStreetMap.Mapnik")]
    for extra in variants:
        _render(tmp_path / "a.html", "2021-08-01", *extra)
    assert len(_kept(cache)) == len(variants)
    for extra in variants:
        fast = _render(tmp_path / "b.html", "2021-08-20", *extra)
        opts = dict(zip(extra[::2], extra[1::2], strict=True)) if len(extra) % 2 == 0 else {}
        full = map_html(build_map(
            ds, "2021-08-20", title=opts.get("--title"), detail=opts.get("--detail", "medium"),
            tiles=opts.get("--tiles"), online_assets=extra == ("--online-assets",)))
        assert fast == full, extra


def test_embed_from_the_kept_page(ds, cache, tmp_path) -> None:
    _render(tmp_path / "a.html", "2021-08-01")
    out = tmp_path / "e.html"
    r = run_cli("render", "--date", "2021-08-10", "--embed", "--width", "640", "--height",
                "480", "--out", str(out), "-q")
    assert r.code == 0, r.err
    assert out.read_text(encoding="utf-8") == embed_snippet(
        build_map(ds, "2021-08-10"), width=640, height=480,
        title="Territorial control, 2021-08-10")


def _copy_theatre(tmp_path: Path) -> Path:
    folder = tmp_path / "theatre"
    shutil.copytree(DATA, folder, ignore=shutil.ignore_patterns("research", "*.md"))
    return folder


def test_a_changed_record_is_seen(cache, tmp_path) -> None:
    folder = _copy_theatre(tmp_path)
    boundaries = str(ROOT / "data" / "boundaries" / "afghanistan.gpkg")
    args = ("--data", str(folder), "--boundaries", boundaries, "--region", "Kunduz")
    _render(tmp_path / "a.html", "2021-08-08", *args)
    before = _render(tmp_path / "b.html", "2021-08-25", *args)
    control = folder / "control.csv"
    with control.open("a", encoding="utf-8", newline="") as f:
        f.write('2021-08-22,AF19,contested,"A new report, added after the page was kept",'
                "col-hansindia-2021-08-24-andarab,low\n")
    after = _render(tmp_path / "c.html", "2021-08-25", *args)
    assert after != before
    assert "A new report, added after the page was kept" in after
    assert len(_kept(cache)) == 2  # the changed file made a new key, checked the full way
    full = map_html(build_map(mapgen.load(folder, boundaries), "2021-08-25", region="Kunduz"))
    assert after == full
    # an error added later is reported, not hidden behind the kept page
    with control.open("a", encoding="utf-8", newline="") as f:
        f.write("2021-08-21,Nowhere-at-all,taliban,x,ne-aan-ecoi-2021-07-14-menace,low\n")
    r = run_cli("render", "--date", "2021-08-25", "--out", str(tmp_path / "d.html"), *args)
    assert r.code == 2 and "Nowhere-at-all" in r.err and not (tmp_path / "d.html").exists()


def _resealed(text: str, change) -> str:
    """A kept file whose body was changed by ``change`` and sealed again with its checksum,
    as a bug in mapgen (not damage) would leave it."""
    head, _, body = text.partition("\n")
    kept = json.loads(body)
    change(kept)
    body = json.dumps(kept)
    return json.dumps({**json.loads(head),
                       "sha256": hashlib.sha256(body.encode()).hexdigest()}) + "\n" + body


def test_a_damaged_or_foreign_kept_page_is_ignored(ds, cache, tmp_path) -> None:
    _render(tmp_path / "a.html", "2021-08-08")
    kept = _kept(cache)[0]
    text = kept.read_text(encoding="utf-8")
    full = map_html(build_map(ds, "2021-08-09"))
    head, _, body = text.partition("\n")
    damaged = [
        text[: len(text) // 2],  # cut short
        "[]",
        text.replace('"key": "', '"key": "0', 1),  # another key's
        head + "\n" + body.replace("Kunduz", "Kundux", 1),  # changed after it was sealed
        _resealed(text, lambda k: k.update(d_chain=[])),  # does not fit its region
        _resealed(text, lambda k: k.update(site_district=[999] * len(k["site_district"]))),
        _resealed(text, lambda k: k.update(records=[["x"] * 7])),
    ]
    for bad in damaged:
        kept.write_text(bad, encoding="utf-8")
        r = run_cli("render", "--date", "2021-08-09", "--out", str(tmp_path / "b.html"), "-q")
        assert r.code == 0 and r.err == "", r.err
        assert (tmp_path / "b.html").read_text(encoding="utf-8") == full
        assert kept.read_text(encoding="utf-8") == text  # the full path kept it again


def test_a_fifo_in_place_of_the_kept_page_is_not_read(ds, cache, tmp_path) -> None:
    _render(tmp_path / "a.html", "2021-08-08")
    kept = _kept(cache)[0]
    kept.unlink()
    os.mkfifo(kept)
    r = run_cli("render", "--date", "2021-08-09", "--out", str(tmp_path / "b.html"), "-q",
                process=True)  # a hang would be this test's timeout
    assert r.code == 0, r.err
    assert (tmp_path / "b.html").read_text(encoding="utf-8") == map_html(
        build_map(ds, "2021-08-09"))


def test_a_format_that_reads_other_files_is_never_kept(cache, tmp_path) -> None:
    """A MapInfo table keeps its attributes in a .dat beside the .tab: mapgen cannot name
    every file such a format reads, so no page of it is kept and a change is always seen."""
    import geopandas as gpd
    import pyogrio

    folder = synthetic.build(tmp_path / "testland")
    frame = gpd.read_file(folder / "testland.geojson")
    tab = tmp_path / "tab" / "testland.tab"
    tab.parent.mkdir()
    pyogrio.write_dataframe(frame, tab, driver="MapInfo File")
    args = ("--data", str(folder), "--boundaries", str(tab), "--region", "all")
    first = _render(tmp_path / "a.html", "2024-02-01", *args)
    assert _kept(cache) == []
    name = str(frame.iloc[0]["adm2_name"])
    assert name in first
    renamed = frame.copy()
    renamed.loc[renamed.index[0], "adm2_name"] = "Renamedvale"
    for old in tab.parent.iterdir():
        old.unlink()
    pyogrio.write_dataframe(renamed, tab, driver="MapInfo File")
    again = _render(tmp_path / "b.html", "2024-02-01", *args)
    assert "Renamedvale" in again and again != first
    assert _kept(cache) == []


def test_warnings_from_building_the_page_are_said_again(cache, tmp_path) -> None:
    """A bad line of the neighbours file beside the boundaries is a warning on every render,
    prepared or not, and under --quiet on none."""
    bdir = tmp_path / "boundaries"
    shutil.copytree(ROOT / "data" / "boundaries", bdir)
    with (bdir / "neighbours.csv").open("a", encoding="utf-8") as f:
        f.write("Nowhere,abc,1\n")
    args = ("render", "--boundaries", str(bdir / "afghanistan.gpkg"), "--out",
            str(tmp_path / "a.html"))
    quiet = run_cli(*args, "--date", "2021-08-07", "-q")  # full path, kept
    assert quiet.code == 0 and quiet.err == ""
    assert len(_kept(cache)) == 1
    for day in ("2021-08-08", "2021-08-09"):  # prepared
        r = run_cli(*args, "--date", day)
        assert r.code == 0
        assert "neighbours.csv:" in r.err and "left out" in r.err, r.err
    assert run_cli(*args, "--date", "2021-08-10", "-q").err == ""


def test_warnings_are_still_counted(cache, tmp_path) -> None:
    folder = _copy_theatre(tmp_path)
    boundaries = str(ROOT / "data" / "boundaries" / "afghanistan.gpkg")
    with (folder / "sources.csv").open("a", encoding="utf-8", newline="") as f:
        f.write("never-cited,Nobody,A report with no address,2021-08-01,\n")
    args = ("render", "--data", str(folder), "--boundaries", boundaries, "--out",
            str(tmp_path / "a.html"))
    first = run_cli(*args, "--date", "2021-08-08")
    again = run_cli(*args, "--date", "2021-08-09")
    assert first.code == again.code == 0
    assert "warning(s)" in first.err
    assert first.err.splitlines()[-1] == again.err.splitlines()[-1]


def test_every_day_of_a_synthetic_theatre(cache, tmp_path) -> None:
    """The engine on another theatre: every day of its period, each region, from one kept
    page each, equals the full path (positions, sites, area-wide records included)."""
    folder = synthetic.build(tmp_path / "testland")
    tds = mapgen.load(folder)
    start, end = tds.period()
    days = [start + dt.timedelta(days=k) for k in range(-2, (end - start).days + 3, 3)]
    for region in (None, "all", "uplands"):
        extra = ("--data", str(folder), *(("--region", region) if region else ()))
        for day in days:
            fast = _render(tmp_path / "p.html", day.isoformat(), *extra)
            assert fast == map_html(build_map(tds, day, region=region)), (region, day)
    assert len(_kept(cache)) == 3


def test_the_key_follows_every_input(tmp_path) -> None:
    folder = _copy_theatre(tmp_path)
    boundaries = tmp_path / "b" / "afghanistan.gpkg"
    boundaries.parent.mkdir()
    shutil.copy(ROOT / "data" / "boundaries" / "afghanistan.gpkg", boundaries)
    opts = {"region": None, "detail": "medium", "tiles": None, "online_assets": False,
            "title": None}

    def key(**change: object) -> str | None:
        return prepared.page_key(folder, None, boundaries, int(change.get("limit", 2**26)),
                                 {**opts, **{k: v for k, v in change.items() if k != "limit"}})

    base = key()
    assert base is not None and key() == base
    seen = {base, key(region="all"), key(detail="low"), key(title="T"), key(limit=2**25)}
    for name in ("control.csv", "sources.csv", "sites.csv", "aliases.csv", "theatre.toml"):
        path = folder / name
        old = path.read_bytes()
        path.write_bytes(old + b"\n")
        seen.add(key())
        path.write_bytes(old)
        assert key() == base
    (boundaries.parent / "neighbours.csv").write_text("name,lat,lon\n", encoding="utf-8")
    seen.add(key())
    assert len(seen) == 11
    # an oversized input: no key, the full path says what is wrong; a missing file is a
    # key no successful run can have kept a page under
    assert key(limit=1000) is None
    os.unlink(folder / "control.csv")
    assert key() not in seen


def test_only_the_most_recently_used_pages_are_kept(cache, tmp_path) -> None:
    """Each change to an input makes a new page: the cache keeps the most recently used
    :data:`~mapgen.prepared.KEEP`, and a page just read counts as just used."""
    cache.mkdir(parents=True)
    old = [cache / f"prepared-{k:032x}.json" for k in range(prepared.KEEP + 8)]
    for k, path in enumerate(old):
        path.write_text("{}", encoding="utf-8")
        os.utime(path, ns=(10**18 + k * 10**9, 10**18 + k * 10**9))
    _render(tmp_path / "a.html", "2021-08-08", "--region", "Kunduz")
    (kept,) = set(_kept(cache)) - set(old)
    left = _kept(cache)
    assert len(left) == prepared.KEEP and kept in left
    # the newest of the old ones stayed, the oldest went
    assert old[-1] in left and old[0] not in left
    # reading a page marks it used: it outlives pages kept after it
    before = kept.stat().st_mtime_ns
    _render(tmp_path / "b.html", "2021-08-09", "--region", "Kunduz")
    assert kept.stat().st_mtime_ns > before


def test_a_reinstalled_library_changes_the_key(tmp_path, monkeypatch) -> None:
    """What pip installed of a library (its RECORD, rewritten by every install, upgrade or
    downgrade) is part of the key, whatever file of it changed."""
    site = tmp_path / "site-packages"
    (site / "fakelib").mkdir(parents=True)
    (site / "fakelib" / "__init__.py").write_text("", encoding="utf-8")
    record = site / "fakelib-1.0.dist-info" / "RECORD"
    record.parent.mkdir()
    record.write_text("fakelib/__init__.py,,0\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    first = files.installed("fakelib", "fakelib")
    assert "fakelib-1.0.dist-info" in first
    record.write_text("fakelib/__init__.py,,0\nfakelib/data.json,,10\n", encoding="utf-8")
    assert files.installed("fakelib", "fakelib") != first
    record.parent.rename(site / "fakelib-1.1.dist-info")
    assert "fakelib-1.1.dist-info" in files.installed("fakelib", "fakelib")
    assert files.installed("no_such_module_here", "none") == "-"
