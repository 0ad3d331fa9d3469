"""Issue 12: a records folder or boundary file from someone else never runs code, crashes a
command, clobbers a file or reaches a spreadsheet or terminal as anything but text."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import folium
import pytest

import mapgen
from mapgen import files as files_mod
from mapgen.errors import DataError, FileError
from mapgen.render.page import ViewElement, mark_built, render_html

from .conftest import ROOT, run_cli
from .pagecheck import open_page

MKDIR = "{{ cycler.__init__.__globals__.os.mkdir(dict(PWNED=1)|first) }}"
TEMPLATE_TEXTS = [
    f"Fell {MKDIR} at dawn",
    "Per Wikipedia {{cite news|title=Kunduz falls}}",
    "Fell {# unconfirmed",
    "Braces {{}}",
    "Set {{ undefined_name }} here",
    "{% for x in range(3) %}loop{% endfor %}",
]


def _csv(v: str) -> str:
    return '"' + v.replace('"', '""') + '"'


def _append(folder: Path, name: str, *rows: str) -> None:
    """Rows at the end of a records file, padded with empty cells to its header's width."""
    import csv

    with open(folder / name, encoding="utf-8-sig") as fh:
        width = len(next(csv.reader(fh)))
    with open(folder / name, "a", encoding="utf-8") as fh:
        for row in rows:
            fields = len(next(csv.reader([row])))
            fh.write(row + "," * max(0, width - fields) + "\n")


def _poison_templates(folder: Path) -> list[str]:
    """Template syntax in a note per record, a site name, a publisher, a title and a URL."""
    _append(folder, "sources.csv",
            f"tpl,{_csv(TEMPLATE_TEXTS[1])},{_csv(TEMPLATE_TEXTS[4])},2021-08-10,"
            f"{_csv('https://example.com/a{{6*7}}')}")
    _append(folder, "sites.csv",
            f"tpl-site,{_csv(TEMPLATE_TEXTS[3])},army_base,36.70,68.85,AF1901,approximate")
    districts = ["AF1902", "AF1903", "AF1904", "AF1905", "AF1906", "AF1907"]
    _append(folder, "control.csv",
            *[f"2021-08-09,{d},contested,{_csv(t)},tpl,low"
              for d, t in zip(districts, TEMPLATE_TEXTS, strict=True)],
            f"2021-08-09,tpl-site,government,{_csv(TEMPLATE_TEXTS[2])},tpl,low")
    return [*TEMPLATE_TEXTS, "https://example.com/a{{6*7}}"]


def _payload_var(html: str) -> str:
    m = re.search(r"var (mapgen_data_\d+) = ", html)
    assert m, "page data not found"
    return m.group(1)


@pytest.mark.browser
@pytest.mark.parametrize("command", ["render", "embed", "compare", "timeline"])
def test_template_syntax_in_records_runs_nothing_and_shows_literally(
        browser, data_copy: Path, tmp_path: Path, command: str) -> None:
    texts = _poison_templates(data_copy)
    work = tmp_path / "work"
    work.mkdir()
    out = work / "page.html"
    args = {"render": ["render", "--date", "2021-08-09"],
            "embed": ["render", "--date", "2021-08-09", "--embed"],
            "compare": ["compare", "--before", "2021-08-01", "--after", "2021-08-09"],
            "timeline": ["timeline", "--start", "2021-08-07", "--end", "2021-08-09"]}[command]
    r = run_cli(*args, "--region", "AF19", "--data", str(data_copy), "--out", str(out), "-q",
                cwd=work)
    assert r.code == 0, r.err
    assert sorted(p.name for p in work.iterdir()) == ["page.html"]  # no PWNED folder
    assert not (ROOT / "PWNED").exists()
    html = out.read_text(encoding="utf-8")
    if command == "embed":  # open the page the snippet holds
        import html as html_mod

        inner = html_mod.unescape(re.search(r'srcdoc="([^"]*)"', html, re.S).group(1))
        out = work / "inner.html"
        out.write_text(inner, encoding="utf-8")
        html = inner
    page, log = open_page(browser, out)
    data = page.evaluate(f"{_payload_var(html)}")
    notes = set(data["records"]["note"])
    assert set(TEMPLATE_TEXTS) <= notes | {s["publisher"] for s in data["sources"].values()} | \
        {s["title"] for s in data["sources"].values()} | set(data["sites"]["name"])
    assert data["sources"]["tpl"]["url"] == texts[-1]
    page.locator("details.mapgen-sources-panel summary").first.click()
    panel = page.locator("details.mapgen-sources-panel").first.inner_text()
    assert TEMPLATE_TEXTS[1] in panel and TEMPLATE_TEXTS[4] in panel
    assert log.page_errors == [] and log.dialogs == []
    page.context.close()


def test_folium_elements_render_names_as_text(ds: mapgen.Dataset) -> None:
    """Layer names (LayerControl's tojson) and any options are data too, in folium's own
    elements as in ours."""
    m = mapgen.build_map(ds, "2021-08-08", region="AF19")
    name = "Layer {{ 6*7 }} {% if 1 %}x{% endif %} {# c"
    folium.FeatureGroup(name=name).add_to(m)
    data = next(c for c in m._children.values() if type(c).__name__ == "DataElement")
    groups = {"provinces": folium.FeatureGroup(name="p").add_to(m)}
    ViewElement(m, groups, data, [[0, 0], [1, 1]], options={"x": "{{ 7*7 }}"}).add_to(m)
    folium.LayerControl().add_to(m)
    mark_built(m.get_root())  # the page as built now includes them
    html = render_html(m)
    assert json.dumps(name) in html
    assert '"x":"{{ 7*7 }}"' in html
    assert "42" not in re.findall(r'"Layer [^"]*"', html)[0]


def test_macro_output_is_never_compiled(monkeypatch: pytest.MonkeyPatch, ds: mapgen.Dataset
                                        ) -> None:
    """The mechanism: no jinja2 Template is built from text made while rendering a page."""
    import jinja2

    m = mapgen.build_map(ds, "2021-08-08", region="AF19")
    made: list[str] = []
    real = jinja2.Environment.from_string

    def spy(self, source, *args, **kwargs):  # type: ignore[no-untyped-def]
        made.append(str(source))
        return real(self, source, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "from_string", spy)
    render_html(m)
    # only branca's own constant (the figure's meta tag, rebuilt when the page is copied)
    assert set(made) <= {'<meta http-equiv="content-type" content="text/html; charset=UTF-8" />'}


# --- outputs -------------------------------------------------------------------------------


def test_out_that_is_a_fifo_is_refused_and_kept(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    r = run_cli("export", "--date", "2021-08-08", "--format", "png", "--out", str(fifo))
    assert r.code == 2 and "Traceback" not in r.err
    assert "is a named pipe (FIFO); mapgen writes only regular files" in r.err
    assert fifo.is_fifo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_out_symlink_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    target = tmp_path / "precious.txt"
    target.write_text("keep me", encoding="utf-8")
    link = tmp_path / "map.html"
    link.symlink_to(target)
    with pytest.raises(FileError, match="is a symbolic link"):
        files_mod.write_atomic(link, "new")
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "keep me"


@pytest.mark.parametrize("case", ["folder", "under-a-file", "disk-full"])
def test_write_errors_are_one_line(tmp_path: Path, case: str,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "x.csv"
    if case == "folder":
        out.mkdir()
        message = "is a folder; mapgen writes only regular files"
    elif case == "under-a-file":
        (tmp_path / "file").write_text("", encoding="utf-8")
        out = tmp_path / "file" / "x.csv"
        message = "x.csv: cannot write here: Not a directory"
    else:
        def full(fd: int, mode: str) -> None:
            os.close(fd)
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(files_mod.os, "fdopen", full)
        message = "x.csv: cannot write: No space left on device"
    with pytest.raises(FileError, match=re.escape(message)):
        files_mod.write_atomic(out, "a,b\n")
    leftovers = [p.name for p in tmp_path.rglob(".*.tmp")]
    assert leftovers == []


def test_cli_write_error_exit_2(tmp_path: Path) -> None:
    (tmp_path / "x.csv").mkdir()
    r = run_cli("compare", "--before", "2021-08-01", "--after", "2021-08-15", "--format", "csv",
                "--out", str(tmp_path / "x.csv"))
    assert r.code == 2 and "Traceback" not in r.err
    assert r.err.strip().splitlines() == [
        f"mapgen compare: error: {tmp_path / 'x.csv'}: is a folder; mapgen writes only "
        "regular files (give a file name)"]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_while_writing_leaves_no_temp_file(tmp_path: Path, sig: int) -> None:
    """The signal arrives while the temporary file is half written."""
    out = tmp_path / "map.csv"
    code = f"""
import os, signal, sys
from mapgen import files, cli
real = files.os.fdopen
class Slow:
    def __init__(self, fd, mode): self.fh = real(fd, mode)
    def __enter__(self): return self
    def __exit__(self, *a): self.fh.close()
    def write(self, data):
        self.fh.write(data[:100]); self.fh.flush()
        os.kill(os.getpid(), {int(sig)})
        self.fh.write(data[100:])
files.os.fdopen = Slow
sys.exit(cli.main(["status", "--date", "2021-08-08", "--region", "AF19"]
                  if False else ["compare", "--before", "2021-08-01", "--after", "2021-08-15",
                  "--format", "csv", "--out", {str(out)!r}]))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)
    assert proc.returncode == (143 if sig == signal.SIGTERM else 130), proc.stderr
    assert "Traceback" not in proc.stderr
    assert "interrupted; no partial file was left" in proc.stderr
    assert list(tmp_path.iterdir()) == []


# --- reading -------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["dev-zero", "fifo", "folder", "too-large"])
def test_record_files_must_be_small_regular_files(data_copy: Path, case: str) -> None:
    control = data_copy / "control.csv"
    extra: list[str] = []
    if case == "dev-zero":
        control.unlink()
        control.symlink_to("/dev/zero")
        message = "a symbolic link to /dev/zero, outside the folder"
    elif case == "fifo":
        control.unlink()
        os.mkfifo(control)
        message = "a named pipe (FIFO), not a regular file"
    elif case == "folder":
        control.unlink()
        control.mkdir()
        message = "a folder, not a regular file"
    else:
        extra = ["--max-input-mb", "0.02"]
        size = control.stat().st_size
        message = f"{size / 1024:,.0f} KB, over the limit of 20 KB (raise it with --max-input-mb)"
    r = run_cli("validate", "--data", str(data_copy), *extra)
    assert r.code == 2 and "Traceback" not in r.err
    assert f"control.csv: file: 'control.csv': {message}" in r.err


def test_symlink_inside_the_folder_is_read(data_copy: Path, ds: mapgen.Dataset) -> None:
    (data_copy / "real-control.csv").write_bytes((data_copy / "control.csv").read_bytes())
    (data_copy / "control.csv").unlink()
    (data_copy / "control.csv").symlink_to("real-control.csv")
    linked = mapgen.load(data_copy)
    assert linked.records.control == ds.records.control


def test_boundaries_folder_is_refused(tmp_path: Path) -> None:
    r = run_cli("validate", "--boundaries", str(tmp_path))
    assert r.code == 2 and "Traceback" not in r.err
    assert "a folder, not a regular file" in r.err


# --- every problem once ---------------------------------------------------------------------


def test_record_errors_reported_when_boundaries_fail(data_copy: Path, tmp_path: Path) -> None:
    bad = tmp_path / "b.gpkg"
    bad.write_text("not a geopackage", encoding="utf-8")
    line = len((data_copy / "control.csv").read_text(encoding="utf-8-sig").splitlines()) + 1
    _append(data_copy, "control.csv", "2021-13-01,AF1901,taliban,,seed-tolonews-2021-08-08,high")
    with pytest.raises(DataError) as exc:
        mapgen.load(data_copy, bad)
    text = str(exc.value)
    assert "GDAL cannot read it" in text
    assert f"control.csv:{line}: date: '2021-13-01': not a date" in text


def test_bad_source_and_site_reported_once(data_copy: Path) -> None:
    _append(data_copy, "sources.csv", "bad-src,Pub,Title,2021-08-10,ftp://x.org/a")
    _append(data_copy, "sites.csv", "bad-site,Base,army_base,3_6.70,68.85,AF1901,approximate")
    _append(data_copy, "control.csv",
            *[f"2021-08-0{i},AF190{i},taliban,,bad-src,high" for i in range(2, 6)],
            "2021-08-09,bad-site,government,,seed-tolonews-2021-08-08,high")
    with pytest.raises(DataError) as exc:
        mapgen.load(data_copy)
    errors = [p for p in exc.value.problems if p.severity == "error"]
    assert [(Path(p.file).name, p.field, p.value) for p in errors] == [
        ("sources.csv", "url", "ftp://x.org/a"), ("sites.csv", "lat", "3_6.70")]


@pytest.mark.parametrize("value", ["3_6.70", "\u0969\u096c.\u096d\u0966",  # Devanagari
                                   "\u0663\u0666.\u0667\u0660",  # Arabic-Indic
                                   "nan", "inf", "1e1", "36.7.1"])
def test_coordinates_are_ascii_decimals(data_copy: Path, value: str) -> None:
    _append(data_copy, "sites.csv", f"odd,Base,army_base,{_csv(value)},68.85,AF1901,exact")
    with pytest.raises(DataError, match=re.escape(f"lat: {value!r}: not a coordinate")):
        mapgen.load(data_copy)


def test_misspelt_optional_column_is_an_error(data_copy: Path) -> None:
    path = data_copy / "sites.csv"
    text = path.read_text(encoding="utf-8-sig").splitlines()
    header = text[0].replace(",capital", ",captial")
    path.write_text("\n".join([header, *text[1:]]) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"header: 'captial': unknown column \(did you mean "
                                        r"'capital'\?"):
        mapgen.load(data_copy)


@pytest.mark.parametrize(("alias", "place", "message"), [
    ("north", "AF1901", "is a --region word"),
    ("All", "AF19", "is a --region word"),
    ("Kunduz", "AF1901", "already names province Kunduz (AF19)"),
    ("AF22", "AF1901", "already names province Sar-e-Pul (AF22)"),
])
def test_aliases_may_not_shadow(data_copy: Path, alias: str, place: str, message: str) -> None:
    _append(data_copy, "aliases.csv", f"{alias},{place}")
    with pytest.raises(DataError, match=re.escape(f"alias: {alias!r}: {message}")):
        mapgen.load(data_copy)


def test_date_today_does_not_depend_on_time_zone(data_copy: Path) -> None:
    today = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=14)).date().isoformat()
    _append(data_copy, "sources.csv", f"today,Pub,Title,{today},https://x.org/a")
    r = subprocess.run([sys.executable, "-m", "mapgen", "validate", "--data", str(data_copy)],
                       capture_output=True, text=True, cwd=ROOT, timeout=300,
                       env={**os.environ, "TZ": "Etc/GMT+12"})
    assert r.returncode == 0, r.stderr


# --- spreadsheets, terminals, figures ------------------------------------------------------


FORMULA = "=HYPERLINK(\"http://x.org\",\"click\")"


@pytest.mark.parametrize("raw", [False, True])
def test_csv_cells_are_spreadsheet_safe(data_copy: Path, raw: bool) -> None:
    _append(data_copy, "control.csv",
            f"2021-08-08,AF1902,taliban,{_csv(FORMULA)},seed-tolonews-2021-08-08,high",
            f"2021-08-08,AF1903,taliban,{_csv('@SUM(1)')},seed-tolonews-2021-08-08,high")
    r = run_cli("status", "--date", "2021-08-08", "--region", "AF19", "--data", str(data_copy),
                *(["--raw-csv"] if raw else []), "-q")
    assert r.code == 0, r.err
    import csv
    import io

    notes = {row["place"]: row["note"] for row in csv.DictReader(io.StringIO(r.out))}
    prefix = "" if raw else "'"
    assert notes["AF1902"] == prefix + FORMULA and notes["AF1903"] == prefix + "@SUM(1)"


def test_control_characters_are_refused_on_input(data_copy: Path) -> None:
    _append(data_copy, "control.csv",
            f"2021-08-08,AF1902,taliban,{_csv(chr(27) + '[2J gone')},seed-tolonews-2021-08-08,high")
    r = run_cli("validate", "--data", str(data_copy))
    assert r.code == 2
    assert "\x1b" not in r.err
    assert "note: '\\x1b[2J gone': holds control characters (\\x1b)" in r.err


def test_bidi_overrides_never_reach_the_terminal(data_copy: Path) -> None:
    _append(data_copy, "sites.csv",
            "rtl-site,Base \u202etxt.exe,army_base,36.70,68.85,AF1901,approximate")
    r = run_cli("places", "Base", "--data", str(data_copy))
    assert r.code == 0, r.err
    assert "\u202e" not in r.out and "Base \\u202etxt.exe" in r.out


def test_dollar_signs_are_text_in_figures(data_copy: Path, tmp_path: Path) -> None:
    folder = tmp_path / "rec$ords_$x^"
    data_copy.rename(folder)
    (folder / "theatre.toml").unlink(missing_ok=True)  # a bare records folder: credited by name
    _append(folder, "sites.csv", "cash,$x^2$ \\frac{1}{2} $,army_base,36.70,68.85,AF1901,exact")
    out = tmp_path / "f.svg"
    r = run_cli("export", "--date", "2021-08-08", "--data", str(folder), "--out", str(out), "-q")
    assert r.code == 0, r.err
    assert "rec$ords_$x^" in out.read_text(encoding="utf-8")
    plot = tmp_path / "p.png"
    r = run_cli("stats", "--start", "2021-08-01", "--end", "2021-08-15", "--data", str(folder),
                "--plot", str(plot), "-q")
    assert r.code == 0, r.err


@pytest.mark.parametrize(("name", "magic"), [("s.svg", b"<?xml"), ("s.pdf", b"%PDF"),
                                             ("s.png", b"\x89PNG")])
def test_plot_writes_the_format_its_name_says(tmp_path: Path, name: str, magic: bytes) -> None:
    r = run_cli("stats", "--start", "2021-08-01", "--end", "2021-08-09", "--step", "4d",
                "--region", "AF19", "--plot", str(tmp_path / name), "-q")
    assert r.code == 0, r.err
    assert (tmp_path / name).read_bytes().startswith(magic)


def test_plot_with_unknown_suffix_is_refused(tmp_path: Path) -> None:
    r = run_cli("stats", "--start", "2021-08-01", "--end", "2021-08-09",
                "--plot", str(tmp_path / "s.txt"))
    assert r.code == 2 and "charts are .png, .svg or .pdf" in r.err
    assert list(tmp_path.iterdir()) == []


# --- the geometry cache ---------------------------------------------------------------------


def test_wrong_cache_is_not_trusted(ds: mapgen.Dataset, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import geopandas as gpd
    import pyogrio
    import shapely

    from mapgen import geography

    monkeypatch.setenv("MAPGEN_CACHE", str(tmp_path))
    fresh = geography.web_geometry(ds.geo, detail="low")
    cache = next((tmp_path / "mapgen").glob("web-*.gpkg"))
    # same layers and codes, wrong shapes: readable, but not what it should hold
    shifted = [shapely.affinity.translate(g, 1, 0) for g in fresh.districts.values]
    moved = gpd.GeoDataFrame({"pcode": list(fresh.districts.index)}, geometry=shifted,
                             crs="EPSG:4326")
    pyogrio.write_dataframe(moved, cache, layer="districts", driver="GPKG")
    again = geography.web_geometry(ds.geo, detail="low")
    assert again.districts.geom_equals_exact(fresh.districts, 0).all()


def test_cache_path_that_is_a_folder_leaks_nothing(ds: mapgen.Dataset, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from mapgen import geography

    monkeypatch.setenv("MAPGEN_CACHE", str(tmp_path))
    geography.web_geometry(ds.geo, detail="low")
    cache = next((tmp_path / "mapgen").glob("web-*.gpkg"))
    cache.unlink()
    cache.mkdir()
    for _ in range(2):
        geography.web_geometry(ds.geo, detail="low")
    assert sorted(p.name for p in (tmp_path / "mapgen").iterdir()) == [cache.name]


def test_unreadable_file_does_not_cascade(data_copy: Path) -> None:
    (data_copy / "sources.csv").write_bytes(b"source_id,publisher\x00\n")
    with pytest.raises(DataError) as exc:
        mapgen.load(data_copy)
    errors = [p for p in exc.value.problems if p.severity == "error"]
    assert [(Path(p.file).name, p.field, p.value) for p in errors] == [
        ("sources.csv", "encoding", "NUL")]
