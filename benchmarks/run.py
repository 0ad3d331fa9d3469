"""mapgen benchmarks: file size, whole-process time and peak memory, side by side.

Run from the repository root with ``make bench`` (or ``.venv/bin/python benchmarks/run.py``).
Every measurement is a separate child process: wall-clock time around it, peak RSS from
``os.wait4``. Writes ``benchmarks/RESULTS.md`` and prints the headline. See
``benchmarks/README.md`` for what is measured and why.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
PYTHON = sys.executable
AGCHO = ROOT.parent / "shared" / "data" / "agcho-2018"
DISTRICTS_SHP = "afg_admbnda_adm2_agcho_20180522"
PROVINCES_SHP = "afg_admbnda_adm1_agcho_20180522"
REPEATS = 3
DATE = "2021-08-15"
#: The date of the earlier render that prepares each page's inputs (mapgen.prepared): every
#: measured render is of another date, so nothing measured reuses a page of its own date.
PREPARED_DATE = "2021-08-01"
TIMELINE = ("2021-07-15", "2021-08-23")  # 40 days
BATCH = ("2021-08-01", "2021-08-30")  # 30 dates
SCALING_DAYS = {10: "2021-05-10", 40: "2021-06-09", 160: "2021-10-07"}  # from 2021-05-01
#: Timelines on the shipped data: the busiest two months, and two years of days around them.
LONG_TIMELINES = {"62 days": ("2021-07-01", "2021-08-31"),
                  "2 years": ("2020-09-01", "2022-08-31")}
#: Synthetic theatres (districts, records): districts and records growing together, then
#: records alone on 4,000 districts.
SYNTHETIC = ((400, 1_000), (4_000, 10_000), (40_000, 100_000), (4_000, 1_000),
             (4_000, 100_000))
CHROMIUM = os.environ.get("MAPGEN_CHROMIUM", "/usr/bin/chromium")
TARGETS = {"explore_size": 1 / 30, "explore_time": 0.15, "tsc_size": 1 / 20, "long": 1.2,
           "exponent": 1.1}
REGIONS = ("Kunduz", "north", "all")
DETAILS = ("low", "medium", "high")
HEADLINE = ("what", "mapgen", "compared with", "measured", "target", "met")
PACKAGES = ("mapgen", "geopandas", "shapely", "pyogrio", "pyproj", "pandas", "numpy", "folium",
            "branca", "xstatic-leaflet", "matplotlib")

EXPLORE_SCRIPT = '''\
"""What a user would write: geopandas explore() over the raw AGCHO shapefiles."""
import sys

import geopandas as gpd

districts_uri, provinces_uri, out = sys.argv[1:4]
districts = gpd.read_file(districts_uri)
provinces = gpd.read_file(provinces_uri)
m = districts.explore(column="ADM1_EN", legend=False, tooltip=["ADM2_EN"])
provinces.explore(m=m, style_kwds={"fill": False})
m.save(out)
'''

TSC_SCRIPT = '''\
"""folium TimeSliderChoropleth over the same statuses and colours as mapgen's timeline."""
import datetime as dt
import sys

import folium
import geopandas as gpd
from folium.plugins import TimeSliderChoropleth

import mapgen

out, geometry, districts_uri, start, days = sys.argv[1:6]
ds = mapgen.load()
if geometry == "raw":
    districts = gpd.read_file(districts_uri)[["ADM2_PCODE", "ADM2_EN", "geometry"]]
else:  # mapgen's simplified geometry, for fairness
    web = ds.web("medium").districts
    districts = gpd.GeoDataFrame({"ADM2_PCODE": web.index}, geometry=web.values, crs=web.crs)
colour = {s.status: s.colour for s in mapgen.load().theatre.statuses}
feature = {code: str(i) for i, code in zip(districts.index, districts["ADM2_PCODE"])}
styledict = {str(i): {} for i in districts.index}
first = dt.date.fromisoformat(start)
for k in range(int(days)):
    day = first + dt.timedelta(days=k)
    status = mapgen.status_on(ds, day, region="all").districts["status"]
    stamp = str(int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()))
    for code, value in status.items():
        styledict[feature[code]][stamp] = {"color": colour[value], "opacity": 0.8}
m = folium.Map(location=[34.5, 66.0], zoom_start=6)
TimeSliderChoropleth(districts.to_json(), styledict=styledict).add_to(m)
m.save(out)
'''

FACTS_SCRIPT = '''\
"""Districts per region and displacement per detail level, as JSON."""
import json
import sys

import mapgen
from mapgen.geography import max_displacement_m

date, regions, details = sys.argv[1], sys.argv[2].split(";"), sys.argv[3].split(";")
ds = mapgen.load()
facts = {"districts": {r: len(mapgen.status_on(ds, date, region=r).districts) for r in regions},
         "displacement": {}}
for level in details:
    web = ds.web(level)
    d = max_displacement_m(ds.geo, web)
    facts["displacement"][level] = {"max": float(d.max()), "median": float(d.median()),
                                    "tolerance": web.tolerance}
json.dump(facts, sys.stdout)
'''

ACLED_MAKE_SCRIPT = '''\
"""A synthetic ACLED-shaped export: N events, 1 in 100 a territory change, points spread over
the country's bounding box (some fall outside it, as real exports' neighbours would)."""
import csv
import random
import sys

n, out = int(sys.argv[1]), sys.argv[2]
cols = ["event_id_cnty", "event_date", "year", "time_precision", "event_type", "sub_event_type",
        "actor1", "actor2", "admin1", "admin2", "location", "latitude", "longitude",
        "geo_precision", "source", "notes", "fatalities"]
rng = random.Random(7)
kinds = ["Armed clash", "Air/drone strike", "Remote explosive/landmine/IED", "Attack"]
gains = ["Non-state actor overtakes territory", "Government regains territory"]
with open(out, "w", newline="", encoding="utf-8") as fh:
    w = csv.writer(fh)
    w.writerow(cols)
    for i in range(n):
        change = i % 100 == 0
        sub = rng.choice(gains) if change else rng.choice(kinds)
        actor = "Taliban" if sub != gains[1] else "Military Forces of Afghanistan (2014-2021)"
        day = f"{rng.randint(1, 28):02d} {rng.choice(['May', 'June', 'July', 'August'])} 2021"
        w.writerow([f"SYN{i}", day, 2021, rng.choice([1, 1, 2]), "Battles", sub, actor, "Other",
                    "P", "D", f"Place {i}", f"{rng.uniform(29.4, 38.5):.4f}",
                    f"{rng.uniform(60.5, 74.9):.4f}", rng.choice([1, 2, 2, 3]), "Synthetic",
                    "Synthetic event for the benchmark.", 0])
'''

ACLED_PANDAS_SCRIPT = '''\
"""What a user would write instead: read the whole export with pandas, keep the territory
changes, and join them to the districts with geopandas."""
import sys

import geopandas as gpd
import pandas as pd

import mapgen

path = sys.argv[1]
ds = mapgen.load()
events = pd.read_csv(path)
events = events[events["sub_event_type"].isin(
    ["Non-state actor overtakes territory", "Government regains territory",
     "Non-violent transfer of territory"])]
points = gpd.GeoDataFrame(events, geometry=gpd.points_from_xy(events["longitude"],
                                                              events["latitude"]), crs=4326)
joined = gpd.sjoin(points, ds.geo.districts[["geometry"]], predicate="within")
joined.to_csv(sys.argv[2])
'''
ACLED_ROWS = (20_000, 200_000)

MAPCLASSIFY_STUB = '''\
"""Stand-in: explore() imports mapclassify but never calls it for a categorical column."""


def classify(*args, **kwargs):
    raise RuntimeError("mapclassify is not installed")
'''


@dataclass
class Run:
    seconds: float
    rss_kib: int
    size: int


@dataclass
class Measure:
    """The median of several runs of one command."""

    runs: list[Run]

    @property
    def seconds(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def rss_kib(self) -> float:
        return statistics.median(r.rss_kib for r in self.runs)

    @property
    def size(self) -> float:
        return statistics.median(r.size for r in self.runs)


@dataclass
class Bench:
    """Where outputs go, the environment of every child, and measurements already taken."""

    tmp: Path
    env: dict[str, str]
    memo: dict[tuple[str, ...], Measure] = field(default_factory=dict)
    counter: int = 0
    pages: dict[str, Path] = field(default_factory=dict)  # drawn in Chromium at the end

    def out(self, suffix: str = ".html") -> Path:
        self.counter += 1
        return self.tmp / "out" / f"{self.counter:03d}{suffix}"


def output_size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def run_once(cmd: Sequence[str], env: dict[str, str], out: Path) -> Run:
    """Run ``cmd`` as a child process; wall-clock time, its peak RSS and the output's size."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # Popen did not reap it itself
        if proc.returncode != 0:
            err.seek(0)
            tail = err.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"{' '.join(cmd)} exited with {proc.returncode}:\n{tail}")
    return Run(seconds, usage.ru_maxrss, output_size(out))


def measure(bench: Bench, cmd: Sequence[str], out: Path, repeats: int = REPEATS) -> Measure:
    return Measure([run_once(cmd, bench.env, out) for _ in range(repeats)])


def mapgen_cmd(*args: str) -> list[str]:
    return [PYTHON, "-m", "mapgen", *args, "-q"]


def measure_mapgen(bench: Bench, args: Sequence[str], repeats: int = REPEATS,
                   suffix: str = ".html") -> Measure:
    """Measure ``mapgen ARGS --out X``; the same arguments are measured only once per run."""
    key = (*args, str(repeats))
    if key not in bench.memo:
        out = bench.out(suffix)
        bench.memo[key] = measure(bench, mapgen_cmd(*args, "--out", str(out)), out, repeats)
    return bench.memo[key]


def measure_full(bench: Bench, args: Sequence[str], repeats: int = REPEATS) -> Measure:
    """Measure ``mapgen ARGS --out X`` as the first render of its inputs: the boundaries
    checked and the geometry simplified already (cached), but no prepared page, so the page
    is built the full way (records read and checked, folium)."""
    out = bench.out()
    runs = []
    with without_prepared(bench):
        for _ in range(repeats):
            clear_prepared(bench)
            runs.append(run_once(mapgen_cmd(*args, "--out", str(out)), bench.env, out))
    return Measure(runs)


def clear_prepared(bench: Bench) -> None:
    for kept in (Path(bench.env["MAPGEN_CACHE"]) / "mapgen").glob("prepared-*.json"):
        kept.unlink()


@contextlib.contextmanager
def without_prepared(bench: Bench) -> Iterator[None]:
    """Runs inside may clear the prepared pages; the ones there before are put back after."""
    folder = Path(bench.env["MAPGEN_CACHE"]) / "mapgen"
    kept = {p.name: p.read_bytes() for p in folder.glob("prepared-*.json")}
    try:
        yield
    finally:
        clear_prepared(bench)
        for name, data in kept.items():
            (folder / name).write_bytes(data)


def render_all(date: str = DATE, *extra: str) -> list[str]:
    return ["render", "--date", date, "--region", "all", *extra]


def script(bench: Bench, name: str, text: str) -> Path:
    path = bench.tmp / "scripts" / name
    path.write_text(text, encoding="utf-8")
    return path


def agcho_uri(name: str) -> str:
    return f"zip://{AGCHO / (name + '.zip')}!{name}.shp"


def have_agcho() -> bool:
    return all((AGCHO / f"{n}.zip").is_file() for n in (DISTRICTS_SHP, PROVINCES_SHP))


# --- the five benchmarks -----------------------------------------------------------------

def bench_single(bench: Bench) -> dict[str, Measure]:
    """1. One date, whole country: mapgen render against geopandas explore()."""
    found: dict[str, Measure] = {"mapgen": measure_mapgen(bench, render_all()),
                                 "full": measure_full(bench, render_all())}
    # the floor of any page written with folium: a process that only imports it
    floor = bench.out(".none")
    floor.write_text("")
    found["folium"] = measure(bench, [PYTHON, "-c", "import folium"], floor)
    if have_agcho():
        if importlib.util.find_spec("mapclassify") is None:
            script(bench, "mapclassify.py", MAPCLASSIFY_STUB)  # beside the script: on its path
        path = script(bench, "explore_map.py", EXPLORE_SCRIPT)
        out = bench.out()
        cmd = [PYTHON, str(path), agcho_uri(DISTRICTS_SHP), agcho_uri(PROVINCES_SHP), str(out)]
        found["explore"] = measure(bench, cmd, out)
    return found


def bench_timeline(bench: Bench) -> dict[str, Measure]:
    """2. 40 days, whole country: mapgen timeline against folium's TimeSliderChoropleth."""
    start, end = TIMELINE
    days = (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days + 1
    found = {"mapgen": measure_mapgen(
        bench, ["timeline", "--start", start, "--end", end, "--region", "all"])}
    path = script(bench, "time_slider.py", TSC_SCRIPT)
    for geometry in ("raw", "web") if have_agcho() else ("web",):
        out = bench.out()
        cmd = [PYTHON, str(path), str(out), geometry, agcho_uri(DISTRICTS_SHP), start, str(days)]
        found[f"tsc-{geometry}"] = measure(bench, cmd, out)
    return found


def bench_batch(bench: Bench) -> dict[str, Measure]:
    """3. 30 dates: one process writing 30 files against 30 processes (each pair run once)."""
    start, end = BATCH
    batch = measure_mapgen(bench, render_all(f"{start}..{end}"), repeats=1, suffix="")
    first = dt.date.fromisoformat(start)
    count = (dt.date.fromisoformat(end) - first).days + 1
    runs = []
    for k in range(count):
        day = (first + dt.timedelta(days=k)).isoformat()
        runs += measure_mapgen(bench, render_all(day), repeats=1).runs
    total = Run(sum(r.seconds for r in runs), max(r.rss_kib for r in runs),
                sum(r.size for r in runs))
    return {"batch": batch, "separate": Measure([total]), "each": Measure(runs)}


def bench_scaling(bench: Bench) -> dict[str, Measure]:
    """4. render by region (1 run each, `all` as in 1.); timeline over 10, 40, 160 days."""
    found = {r: measure_mapgen(bench, ["render", "--date", DATE, "--region", r],
                               repeats=REPEATS if r == "all" else 1)
             for r in REGIONS}
    for days, end in SCALING_DAYS.items():
        found[f"{days}d"] = measure_mapgen(
            bench, ["timeline", "--start", "2021-05-01", "--end", end, "--region", "all"],
            repeats=1)
    return found


def bench_geometry(bench: Bench) -> dict[str, Measure]:
    """5. Whole-country file size and time at each --detail level."""
    return {level: measure_mapgen(bench, render_all(DATE, "--detail", level), repeats=1)
            for level in DETAILS}


def bench_long(bench: Bench) -> dict[str, Measure]:
    """4b. Whole-country timelines of 62 days and of 2 years on the shipped data (1 run each)."""
    return {name: measure_mapgen(bench, ["timeline", "--start", a, "--end", b, "--region", "all"],
                                 repeats=1)
            for name, (a, b) in LONG_TIMELINES.items()}


STARTUP_IMPORTS = {
    # what each command imports before it reads a file: measured alone, as a process
    "status": "import mapgen.cli, mapgen.api, mapgen.control",
    "render": "import mapgen.cli, mapgen.prepared",
    "render-full": "import mapgen.cli, mapgen.prepared, mapgen.api, mapgen.control, "
                   "mapgen.render.build, mapgen.render.page",
}

WHAT_IS_IMPORTED = """\
import json, sys
import mapgen.cli
try:
    mapgen.cli.main(sys.argv[1:])
except SystemExit:
    pass
heavy = ("pandas", "geopandas", "shapely", "pyproj", "pyogrio", "folium", "branca", "jinja2",
         "matplotlib")
print(json.dumps([m for m in heavy if m in sys.modules
                  and type(sys.modules[m]).__name__ != "_LazyModule"]))  # bound, never loaded
"""


SPLIT_SCRIPT = """\
import json, sys, time
t0 = time.perf_counter()
exec(sys.argv[1])
t1 = time.perf_counter()
import mapgen.cli
code = mapgen.cli.main(sys.argv[2:])
t2 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "work": t2 - t1}))
"""


def bench_startup(bench: Bench) -> dict[str, Measure]:
    """6. Start-up: mapgen status and render, their imports timed apart from their work."""
    found: dict[str, Measure] = {}
    path = script(bench, "split.py", SPLIT_SCRIPT)
    for name, args in (("status", ["status", "--date", DATE, "--region", "all", "-q"]),
                       ("render", [*render_all(), "--out", str(bench.out()), "-q"]),
                       ("render-full", [*render_all(), "--out", str(bench.out()), "-q"])):
        runs, imports, work = [], [], []
        for _ in range(REPEATS):
            with without_prepared(bench):
                if name == "render-full":
                    clear_prepared(bench)
                start = time.perf_counter()
                done = subprocess.run([PYTHON, str(path), STARTUP_IMPORTS[name], *args],
                                      cwd=ROOT, env=bench.env, capture_output=True, text=True,
                                      check=True)
            whole = time.perf_counter() - start
            split = json.loads(done.stdout.strip().splitlines()[-1])
            runs.append(Run(whole, 0, 0))
            imports.append(Run(split["imports"], 0, 0))
            work.append(Run(split["work"], 0, 0))
        found[name], found[f"{name}-imports"] = Measure(runs), Measure(imports)
        found[f"{name}-work"] = Measure(work)
    found["version"] = measure_mapgen_stdout(bench, ["--version"])
    return found


def measure_mapgen_stdout(bench: Bench, args: Sequence[str]) -> Measure:
    out = bench.out(".none")
    out.write_text("")
    cmd = [PYTHON, "-m", "mapgen", *args, *(["-q"] if args[0] != "--version" else [])]
    return measure(bench, cmd, out)


def imported_by(bench: Bench) -> dict[str, list[str]]:
    """The heavy libraries each command had imported when it finished."""
    path = script(bench, "imported.py", WHAT_IS_IMPORTED)
    found = {}
    for name, args in (("status", ["status", "--date", DATE, "--region", "all", "-q"]),
                       ("render", [*render_all(), "--out", str(bench.out()), "-q"]),
                       ("render-full", [*render_all(), "--out", str(bench.out()), "-q"])):
        with without_prepared(bench):
            if name == "render-full":
                clear_prepared(bench)
            done = subprocess.run([PYTHON, str(path), *args], cwd=ROOT, env=bench.env,
                                  capture_output=True, text=True, check=True)
        found[name] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def bench_synthetic(bench: Bench) -> dict[str, Measure]:
    """7. Synthetic theatres of 400 to 40,000 districts and 1,000 to 100,000 records."""
    found: dict[str, Measure] = {}
    for districts, records in SYNTHETIC:
        where = bench.tmp / "synthetic" / f"{districts}-{records}"
        subprocess.run([PYTHON, str(ROOT / "benchmarks" / "synthetic.py"), str(districts),
                        str(records), str(where)], cwd=ROOT, env=bench.env, check=True)
        rest = ["--region", "all", "--data", str(where / "events"),
                "--boundaries", str(where / "boundaries.gpkg")]
        args = ["render", "--date", DATE, *rest]
        out = bench.out()
        # fills the cache: geometry, arcs, and the page prepared by another date
        cold = run_once(mapgen_cmd("render", "--date", PREPARED_DATE, *rest, "--out", str(out)),
                        bench.env, out)
        key = str(districts) if records == districts * 5 // 2 else f"{districts}/{records}"
        found[key] = measure_mapgen(bench, args, repeats=1)
        found[key + " full"] = measure_full(bench, args, repeats=1)
        found[key + " cold"] = Measure([cold])
        if "/" not in key:
            bench.pages[key] = out
    return found


DRAW_JS = """() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    done({draw: performance.now(), parsed: nav.domContentLoadedEventEnd,
          canvas: !!mapgen.views[0].canvas, shapes: mapgen.views[0].districtLayers.length});
})))"""

PAN_JS = """async () => {
    const map = mapgen.views[0].map, times = [];
    for (let i = 0; i < 7; i++) {
        const t = performance.now();
        map.panBy([i % 2 ? -240 : 240, i % 3 ? 120 : -120], {animate: false});
        await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
        times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return times[3];
}"""


def bench_browser(bench: Bench) -> dict[str, dict[str, float]]:
    """8. In Chromium: time to draw each page and to pan it (SVG, or canvas when large)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {}
    if not Path(CHROMIUM).exists():
        return {}
    found: dict[str, dict[str, float]] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"])
        runs: list[tuple[str, Path, str | None]] = [(n, p, None) for n, p in bench.pages.items()]
        big = bench.pages.get("40000")
        if big is not None:
            runs.append(("40000 as SVG", big, "window.MAPGEN_CANVAS_FROM = Infinity;"))
        for name, path, init in runs:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            if init:
                page.add_init_script(init)
            page.goto(path.resolve().as_uri(), wait_until="load", timeout=300_000)
            drawn = page.evaluate(DRAW_JS)
            pan = page.evaluate(PAN_JS)
            found[name] = {"draw": drawn["draw"] / 1000, "parsed": drawn["parsed"] / 1000,
                           "pan": pan / 1000, "canvas": float(drawn["canvas"]),
                           "shapes": float(drawn["shapes"])}
            context.close()
        browser.close()
    return found


def bench_acled(bench: Bench) -> dict[str, Measure]:
    """9. ACLED import: a streamed 20k- and 200k-event export against pandas read_csv + sjoin."""
    make = script(bench, "make_acled.py", ACLED_MAKE_SCRIPT)
    actors = bench.tmp / "scripts" / "actors.csv"
    actors.write_text("actor,status\nTaliban,taliban\n"
                      "Military Forces of Afghanistan (2014-2021),government\n", encoding="utf-8")
    found: dict[str, Measure] = {}
    for n in ACLED_ROWS:
        src = bench.tmp / "scripts" / f"acled-{n}.csv"
        subprocess.run([PYTHON, str(make), str(n), str(src)], check=True, cwd=ROOT)
        runs = []
        for _ in range(REPEATS):
            out = bench.tmp / "out" / f"acled-{n}-{len(runs)}"
            runs.append(run_once(mapgen_cmd("import-acled", str(src), "--actors", str(actors),
                                            "--out", str(out)), bench.env, out))
        found[f"mapgen-{n}"] = Measure(runs)
    big = bench.tmp / "scripts" / f"acled-{ACLED_ROWS[-1]}.csv"
    path = script(bench, "acled_pandas.py", ACLED_PANDAS_SCRIPT)
    out = bench.out(".csv")
    found["pandas"] = measure(bench, [PYTHON, str(path), str(big), str(out)], out)
    found["input"] = Measure([Run(0.0, 0, big.stat().st_size)])
    return found


def facts(bench: Bench) -> dict[str, dict[str, object]]:
    """Districts per region and displacement per detail level (not timed)."""
    path = script(bench, "facts.py", FACTS_SCRIPT)
    done = subprocess.run([PYTHON, str(path), DATE, ";".join(REGIONS), ";".join(DETAILS)],
                          cwd=ROOT, env=bench.env, capture_output=True, text=True, check=True)
    found: dict[str, dict[str, object]] = json.loads(done.stdout)
    return found


def warm_up(bench: Bench) -> Run:
    """One cold-cache run in an empty cache (reported), then fill the shared cache: every
    detail level's geometry, and a page of every region and level prepared by a render of
    another date than the one measured."""
    cold_env = {**bench.env, "MAPGEN_CACHE": str(bench.tmp / "cold-cache")}
    out = bench.out()
    cold = run_once(mapgen_cmd(*render_all(), "--out", str(out)), cold_env, out)
    for args in (*(["--detail", level] for level in DETAILS),
                 *(["--region", r] for r in REGIONS if r != "all")):
        out = bench.out()
        region = [] if "--region" in args else ["--region", "all"]
        run_once(mapgen_cmd("render", "--date", PREPARED_DATE, *region, *args, "--out",
                            str(out)), bench.env, out)
    return cold


# --- formatting --------------------------------------------------------------------------

def mb(size: float) -> str:
    return f"{size / 1e6:.2f} MB"


def sec(seconds: float) -> str:
    return f"{seconds:.2f} s"


def mib(kib: float) -> str:
    return f"{kib / 1024:.0f} MiB"


def fraction(ratio: float) -> str:
    """0.05 -> '1/20.0', 1.5 -> '1.5x'."""
    if ratio >= 1:
        return f"{ratio:.1f}x"
    return f"1/{1 / ratio:.1f}" if ratio > 0 else "0"


def row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def table(header: Sequence[str], rows: Sequence[Sequence[object]],
          numbers: bool = True) -> list[str]:
    """A Markdown table: first column left, the others right-aligned when ``numbers``."""
    align = ["---"] + ["--:" if numbers else "---"] * (len(header) - 1)
    return [row(*header), row(*align), *(row(*r) for r in rows), ""]


def headline(res: dict[str, dict[str, Measure]]) -> list[list[str]]:
    """One row per target: what, mapgen, the other, measured ratio, target, met."""
    single, tl, batch = res["single"], res["timeline"], res["batch"]
    rows: list[list[str]] = []
    if "explore" in single:
        m, e = single["mapgen"], single["explore"]
        rows.append(["1. one date, file size vs `explore()`", mb(m.size), mb(e.size),
                     fraction(m.size / e.size), "≤ 1/30",
                     yes(m.size / e.size <= TARGETS["explore_size"])])
        rows.append(["1. one date, time vs `explore()`", sec(m.seconds), sec(e.seconds),
                     f"{m.seconds / e.seconds:.2f}x", "≤ 0.15x",
                     yes(m.seconds / e.seconds <= TARGETS["explore_time"])])
        f = single["full"]
        rows.append(["1. the same, first render of its inputs (no prepared page)",
                     sec(f.seconds), sec(e.seconds), f"{f.seconds / e.seconds:.2f}x", "—", "—"])
    else:
        rows.append(["1. one date vs `explore()`", mb(single["mapgen"].size), "—",
                     "skipped: no ../shared/data/agcho-2018", "≤ 1/15, ≤ 1/2", "n/a"])
    other = tl.get("tsc-raw")
    if other is not None:
        ratio = tl["mapgen"].size / other.size
        rows.append(["2. 40 days, file size vs `TimeSliderChoropleth`", mb(tl["mapgen"].size),
                     mb(other.size), fraction(ratio), "≤ 1/20", yes(ratio <= TARGETS["tsc_size"])])
    else:
        rows.append(["2. 40 days vs `TimeSliderChoropleth`", mb(tl["mapgen"].size), "—",
                     "skipped: no ../shared/data/agcho-2018", "≤ 1/10", "n/a"])
    b, s = batch["batch"], batch["separate"]
    rows.append(["3. 30 dates, one batch vs 30 runs (time)", sec(b.seconds), sec(s.seconds),
                 f"{s.seconds / b.seconds:.1f}x faster", "≥ 3x", yes(s.seconds >= 3 * b.seconds)])
    long = res.get("long")
    if long:
        a, z = long["62 days"], long["2 years"]
        rows.append(["4. 2-year daily timeline vs 62-day one (bytes)", mb(z.size), mb(a.size),
                     f"{z.size / a.size:.2f}x", "≤ 1.2x", yes(z.size / a.size <= TARGETS["long"])])
    syn = res.get("synthetic")
    if syn:
        for what, label in (("seconds", "time"), ("rss_kib", "peak memory"), ("size", "bytes")):
            k = exponent(syn, what)
            rows.append([f"7. growth with districts and records, {label}", "4,000 → 40,000",
                         "10,000 → 100,000 records", f"exponent {k:.2f}", "≤ 1.1 (linear)",
                         yes(k <= TARGETS["exponent"])])
        for what, label in (("seconds", "time"), ("rss_kib", "peak memory")):
            k = exponent(full_only(syn), what)
            rows.append([f"7. the same, first render of the inputs, {label}", "4,000 → 40,000",
                         "10,000 → 100,000 records", f"exponent {k:.2f}", "≤ 1.1 (linear)",
                         yes(k <= TARGETS["exponent"])])
    return rows


def exponent(syn: dict[str, Measure], what: str, keys: tuple[str, str] = ("4000", "40000"),
             ) -> float:
    """The exponent k of cost ~ n^k between two synthetic theatres (n: districts)."""
    import math

    lo, hi = syn[keys[0]], syn[keys[1]]
    n_lo, n_hi = float(keys[0]), float(keys[1])
    return math.log(getattr(hi, what) / getattr(lo, what)) / math.log(n_hi / n_lo)


def full_only(syn: dict[str, Measure]) -> dict[str, Measure]:
    """The first-render measures of the synthetic theatres, under their plain keys."""
    return {k.removesuffix(" full"): v for k, v in syn.items() if k.endswith(" full")}


def yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def detail_single(res: dict[str, Measure], cold: Run) -> list[str]:
    lines = ["## 1. One date, whole country", "",
             f"`mapgen render --date {DATE} --region all` against a geopandas `explore()` script "
             "over the raw AGCHO shapefiles (districts coloured by province, province outlines). "
             f"Median of {REPEATS} runs; the ratio is mapgen / explore.", ""]
    full = res["full"]
    lines += [f"mapgen's page is prepared by an earlier render of the same inputs and options "
              f"for another date ({PREPARED_DATE}; `mapgen.prepared`): the measured render "
              "reads the kept parts, resolves its date with numpy and writes the page, "
              "importing neither pandas, geopandas, shapely, pyproj nor folium. The first "
              "render of new inputs (a changed record, another region or option) builds the "
              "page the full way, checking the records and boundaries, and keeps it; so does "
              "a cold cache, which also checks and simplifies the boundaries.", ""]
    rows = [["mapgen render, page prepared", mb(res["mapgen"].size),
             sec(res["mapgen"].seconds), mib(res["mapgen"].rss_kib)],
            ["mapgen render, first of its inputs (geometry cached)", mb(full.size),
             sec(full.seconds), mib(full.rss_kib)],
            ["mapgen render, cold cache (1 run)", mb(cold.size), sec(cold.seconds),
             mib(cold.rss_kib)]]
    if "folium" in res:
        f = res["folium"]
        rows.append(["`python -c \"import folium\"` (no page)", "", sec(f.seconds),
                     mib(f.rss_kib)])
    if "explore" in res:
        m, e = res["mapgen"], res["explore"]
        rows += [["geopandas `explore()`", mb(e.size), sec(e.seconds), mib(e.rss_kib)],
                 ["ratio mapgen / explore", fraction(m.size / e.size),
                  fraction(m.seconds / e.seconds), fraction(m.rss_kib / e.rss_kib)],
                 ["ratio, first render of its inputs / explore", fraction(full.size / e.size),
                  fraction(full.seconds / e.seconds), fraction(full.rss_kib / e.rss_kib)]]
        if "folium" in res:
            lines += [f"Importing folium alone (which imports pandas, requests, jinja2 and "
                      f"branca) takes {res['folium'].seconds / e.seconds:.2f}x explore's time: "
                      "the floor of any page folium builds, and why a prepared page does not "
                      "import it.", ""]
    else:
        lines += [f"*explore() comparison skipped: {AGCHO} is missing.*", ""]
    return lines + table(["", "file size", "time", "peak RSS"], rows)


def detail_timeline(res: dict[str, Measure]) -> list[str]:
    start, end = TIMELINE
    lines = ["## 2. 40 days, whole country", "",
             f"`mapgen timeline --start {start} --end {end} --region all` against folium's "
             "`TimeSliderChoropleth` with the same statuses (`mapgen.status_on` per day, computed "
             "inside that script and so inside its time) and colours, over the raw AGCHO "
             "districts (code and name columns kept) and, for fairness, over mapgen's simplified "
             f"`medium` geometry. Median of {REPEATS} runs; ratios are mapgen / other.", ""]
    m = res["mapgen"]
    rows = [["mapgen timeline", mb(m.size), sec(m.seconds), mib(m.rss_kib), "1", "1"]]
    names = {"tsc-raw": "TimeSliderChoropleth, raw AGCHO geometry",
             "tsc-web": "TimeSliderChoropleth, mapgen's simplified geometry"}
    for key, label in names.items():
        if key in res:
            o = res[key]
            rows.append([label, mb(o.size), sec(o.seconds), mib(o.rss_kib),
                         fraction(m.size / o.size), fraction(m.seconds / o.seconds)])
    return lines + table(["", "file size", "time", "peak RSS", "size ratio", "time ratio"],
                         rows)


def detail_batch(res: dict[str, Measure]) -> list[str]:
    start, end = BATCH
    b, s, each = res["batch"], res["separate"], res["each"]
    n = len(each.runs)
    lines = ["## 3. A batch of 30 dates", "",
             f"`mapgen render --date {start}..{end} --region all --out DIR` (one process, {n} "
             f"files) against {n} separate `mapgen render --date D --region all` processes. "
             "Each side is already many maps, so this pair was run **once**, not "
             f"{REPEATS} times.", ""]
    rows = [["one batch process", mb(b.size), sec(b.seconds), sec(b.seconds / n),
             mib(b.rss_kib)],
            [f"{n} separate processes", mb(s.size), sec(s.seconds), sec(s.seconds / n),
             f"{mib(s.rss_kib)} (largest)"],
            ["speed-up", "", f"{s.seconds / b.seconds:.1f}x", "", ""]]
    return lines + table(["", "total size", "total time", "per map", "peak RSS"], rows)


def detail_scaling(res: dict[str, Measure], districts: dict[str, int]) -> list[str]:
    lines = ["## 4. Scaling", "",
             f"`mapgen render --date {DATE} --region R` (1 run each; `all` is section 1's "
             f"median of {REPEATS}):", ""]
    rows = [[f"`{r}`", districts[r], mb(res[r].size), sec(res[r].seconds), mib(res[r].rss_kib)]
            for r in REGIONS]
    lines += table(["region", "districts", "file size", "time", "peak RSS"], rows)
    lines += ["`mapgen timeline --start 2021-05-01 --end E --region all` (1 run each):", ""]
    rows = [[days, f"2021-05-01..{end}", mb(res[f"{days}d"].size), sec(res[f"{days}d"].seconds),
             mib(res[f"{days}d"].rss_kib)] for days, end in SCALING_DAYS.items()]
    lines += table(["days", "period", "file size", "time", "peak RSS"], rows)
    lo, hi = min(SCALING_DAYS), max(SCALING_DAYS)
    per_day = (res[f"{hi}d"].size - res[f"{lo}d"].size) / (hi - lo)
    return [*lines, f"Each extra day adds about {per_day / 1e3:.1f} kB to the timeline page.", ""]


def detail_geometry(res: dict[str, Measure], disp: dict[str, dict[str, float]]) -> list[str]:
    lines = ["## 5. Geometry detail", "",
             f"`mapgen render --date {DATE} --region all --detail L` (1 run each) "
             "and the Hausdorff distance between each original and simplified district "
             "(`max_displacement_m`), in metres.", ""]
    rows = [[f"`{level}`", disp[level]["tolerance"], mb(res[level].size),
             sec(res[level].seconds), f"{disp[level]['max']:,.0f} m",
             f"{disp[level]['median']:,.0f} m"] for level in DETAILS]
    return lines + table(["detail", "tolerance (deg)", "file size", "time",
                          "largest displacement", "median displacement"], rows)


def detail_long(res: dict[str, Measure]) -> list[str]:
    lines = ["## 4b. Long timelines on the shipped data", "",
             "`mapgen timeline --start A --end B --region all`, one frame a day (1 run each). "
             "Frames carry only the districts whose record in force changed, and the places x "
             "dates table has one column per day that has records, so the cost follows the "
             "changes, not the days.", ""]
    rows = [[name, f"{a}..{b}", mb(res[name].size), sec(res[name].seconds),
             mib(res[name].rss_kib)] for name, (a, b) in LONG_TIMELINES.items()]
    a, z = res["62 days"], res["2 years"]
    rows.append(["ratio 2 years / 62 days", "", f"{z.size / a.size:.2f}x",
                 f"{z.seconds / a.seconds:.2f}x", f"{z.rss_kib / a.rss_kib:.2f}x"])
    return lines + table(["timeline", "period", "file size", "time", "peak RSS"], rows)


def detail_startup(res: dict[str, Measure], imported: dict[str, list[str]]) -> list[str]:
    lines = ["## 6. Start-up", "",
             "Each command in a process that first imports what the command needs and times "
             "that, then runs the command and times the work: reading the boundaries and "
             "records, resolving, and for render building and writing the page (median of "
             f"{REPEATS} runs; the whole process adds the interpreter's own start). "
             "`mapgen --version` and `--help` import no data library at all.", ""]
    rows = []
    for name, label in (("status", f"`mapgen status --date {DATE} --region all`"),
                        ("render", f"`mapgen render --date {DATE} --region all`, page prepared"),
                        ("render-full", f"`mapgen render --date {DATE} --region all`, first "
                         "render of its inputs")):
        whole, imp, work = res[name], res[f"{name}-imports"], res[f"{name}-work"]
        rows.append([label, sec(imp.seconds), sec(work.seconds), sec(whole.seconds),
                     ", ".join(imported.get(name, [])) or "—"])
    rows.append(["`mapgen --version`", "", "", sec(res["version"].seconds), "—"])
    return lines + table(["command", "imports", "work", "whole process",
                          "heavy libraries loaded"], rows)


def detail_synthetic(res: dict[str, Measure]) -> list[str]:
    lines = ["## 7. Synthetic theatres", "",
             "`benchmarks/synthetic.py N M`: N districts (Voronoi cells over Afghanistan's box with "
             "bent, shared borders; about 12 to a province) and M control records over four "
             "months, 50 sites; then `mapgen render --date "
             f"{DATE} --region all --data ... --boundaries ...`. The cold run (of "
             f"{PREPARED_DATE}) builds the simplified geometry and the arcs (cached) and "
             "prepares the page; the warm run (prepared page) and the first render of the "
             "inputs (geometry cached, page built the full way) are measured, 1 run each; "
             "peak RSS and the exponents are the warm run's.", ""]
    rows = []
    for districts, records in SYNTHETIC:
        key = str(districts) if records == districts * 5 // 2 else f"{districts}/{records}"
        m, full, cold = res[key], res[key + " full"], res[key + " cold"]
        rows.append([f"{districts:,}", f"{records:,}", mb(m.size), sec(m.seconds),
                     sec(full.seconds), sec(cold.seconds), mib(m.rss_kib),
                     mib(full.rss_kib)])
    lines += table(["districts", "records", "file size", "time (warm)", "time (first)",
                    "time (cold)", "peak RSS (warm)", "peak RSS (first)"], rows)
    lines += ["Exponent k of cost ∝ n^k (districts and records growing together):", ""]
    rows = []
    for keys in (("400", "4000"), ("4000", "40000")):
        rows.append([f"{int(keys[0]):,} → {int(keys[1]):,}",
                     f"{exponent(res, 'seconds', keys):.2f}",
                     f"{exponent(res, 'rss_kib', keys):.2f}",
                     f"{exponent(res, 'size', keys):.2f}"])
    lines += table(["districts", "time", "peak RSS", "bytes"], rows)
    lines += ["The same for the first render of the inputs (page built the full way): "
              + "; ".join(f"{int(a):,} → {int(b):,}: time "
                          f"{exponent(full_only(res), 'seconds', (a, b)):.2f}, peak RSS "
                          f"{exponent(full_only(res), 'rss_kib', (a, b)):.2f}"
                          for a, b in (("400", "4000"), ("4000", "40000"))) + ".", ""]
    import math

    lo, hi = res["4000/1000"], res["4000/100000"]
    k = {w: math.log(getattr(hi, w) / getattr(lo, w)) / math.log(100)
         for w in ("seconds", "rss_kib", "size")}
    lines += [f"Records alone, 1,000 → 100,000 on 4,000 districts: exponent {k['seconds']:.2f} "
              f"(time), {k['rss_kib']:.2f} (peak RSS), {k['size']:.2f} (bytes).", ""]
    return lines


def detail_browser(res: dict[str, dict[str, float]]) -> list[str]:
    lines = ["## 8. In Chromium", "",
             "Headless Chromium, 1280x800, page opened from disk: time from navigation to the "
             "second animation frame after the page's scripts ran (drawn), and the median of 7 "
             "non-animated pans of 240x120 px, each to its second animation frame. Pages of "
             "6,000 districts or more draw districts on a canvas (`arcs.js`); the 40,000-district "
             "page is also drawn forced to SVG, for comparison.", ""]
    if not res:
        return [*lines, "*skipped: Playwright or Chromium is missing.*", ""]
    rows = [[name, f"{v['shapes']:,.0f}", "canvas" if v["canvas"] else "SVG",
             sec(v["parsed"]), sec(v["draw"]), sec(v["pan"])] for name, v in res.items()]
    return lines + table(["page", "districts", "drawn as", "HTML parsed", "drawn", "pan"], rows)


def detail_acled(res: dict[str, Measure]) -> list[str]:
    small, large = (res[f"mapgen-{n}"] for n in ACLED_ROWS)
    p = res["pandas"]
    growth = (large.seconds / small.seconds)
    lines = ["## 9. ACLED import", "",
             f"`mapgen import-acled` on synthetic ACLED-shaped exports of {ACLED_ROWS[0]:,} and "
             f"{ACLED_ROWS[1]:,} events (1 in 100 a territory change; "
             f"{res['input'].size / 1e6:.0f} MB for the larger), streamed row by row, against a "
             "script that reads the whole export with pandas and joins the territory changes "
             f"to the districts with `geopandas.sjoin`. Median of {REPEATS} runs.", ""]
    rows = [[f"mapgen, {ACLED_ROWS[0]:,} events", sec(small.seconds), mib(small.rss_kib), ""],
            [f"mapgen, {ACLED_ROWS[1]:,} events", sec(large.seconds), mib(large.rss_kib),
             fraction(large.seconds / p.seconds)],
            [f"pandas + sjoin, {ACLED_ROWS[1]:,} events", sec(p.seconds), mib(p.rss_kib), "1"]]
    lines += table(["", "time", "peak RSS", "time ratio"], rows)
    return [*lines, f"Ten times the events took {growth:.1f}x the time; peak memory grew "
            f"{large.rss_kib / small.rss_kib:.2f}x (the file is never held whole).", ""]


def machine() -> list[str]:
    """CPU, cores, RAM, OS, Python and package versions, date, commit."""
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    cpu = next((ln.split(":", 1)[1].strip() for ln in info.splitlines()
                if ln.startswith("model name")), platform.processor() or "unknown")
    mem = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    kib = next((int(ln.split()[1]) for ln in mem.splitlines() if ln.startswith("MemTotal")), 0)
    try:
        commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, text=True,
                                capture_output=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    rows = [["CPU", cpu], ["cores", f"{os.cpu_count()} ({len(os.sched_getaffinity(0))} usable)"],
            ["RAM", f"{kib / 1024**2:.1f} GiB"], ["OS", platform.platform()],
            ["Python", f"{platform.python_version()} ({platform.python_implementation()})"],
            ["packages", ", ".join(f"{p} {package_version(p)}" for p in PACKAGES)],
            ["mapgen commit", commit],
            ["date", dt.datetime.now().astimezone().isoformat(timespec="seconds")]]
    return ["## Machine", "", *table(["", ""], rows, numbers=False)]


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def report(res: dict[str, dict[str, Measure]], cold: Run, found: dict[str, dict[str, object]],
           elapsed: float, extra: dict[str, object]) -> str:
    top = headline(res)
    lines = ["# mapgen benchmarks", "",
             "Written by `make bench` (`benchmarks/run.py`); how it measures: `README.md`. "
             "Every figure is a whole separate process: wall-clock time, peak RSS of the child "
             f"(`os.wait4`), output size. The whole run took {elapsed / 60:.1f} min.", "",
             *table(HEADLINE, top)]
    if "explore" in res["single"] and importlib.util.find_spec("mapclassify") is None:
        lines += ["*mapclassify is not installed: `explore()` imports it but does not call it "
                  "for a categorical column, so the explore script runs with a one-line stand-in "
                  "(the real package would only add import time and memory to explore).*", ""]
    lines += detail_single(res["single"], cold)
    lines += detail_timeline(res["timeline"])
    lines += detail_batch(res["batch"])
    lines += detail_scaling(res["scaling"], found["districts"])  # type: ignore[arg-type]
    lines += detail_geometry(res["geometry"], found["displacement"])  # type: ignore[arg-type]
    lines += detail_long(res["long"])
    lines += detail_startup(res["startup"], extra["imported"])  # type: ignore[arg-type]
    lines += detail_synthetic(res["synthetic"])
    lines += detail_browser(extra["browser"])  # type: ignore[arg-type]
    lines += detail_acled(res["acled"])
    lines += machine()
    return "\n".join(lines)


def main() -> int:
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mapgen-bench-") as name:
        tmp = Path(name)
        for sub in ("out", "scripts", "cache"):
            (tmp / sub).mkdir()
        bench = Bench(tmp, {**os.environ, "MAPGEN_CACHE": str(tmp / "cache")})
        # mapgen's modules as bytecode, as pip leaves an installed package's (and those of
        # geopandas, folium and every other library measured here): an editable install
        # under PYTHONDONTWRITEBYTECODE would otherwise compile mapgen from source in
        # every measured process
        subprocess.run([PYTHON, "-m", "compileall", "-q", str(ROOT / "mapgen")], check=True)
        steps = [("single", bench_single), ("timeline", bench_timeline), ("batch", bench_batch),
                 ("scaling", bench_scaling), ("geometry", bench_geometry), ("long", bench_long),
                 ("startup", bench_startup), ("synthetic", bench_synthetic), ("acled", bench_acled)]
        print("warm-up (cold-cache run, then one run per detail level)", flush=True)
        cold = warm_up(bench)
        res: dict[str, dict[str, Measure]] = {}
        for key, func in steps:
            print((func.__doc__ or key).strip().splitlines()[0], flush=True)
            res[key] = func(bench)
        found = facts(bench)
        extra: dict[str, object] = {"imported": imported_by(bench)}
        shipped = bench.out()
        run_once(mapgen_cmd(*render_all(), "--out", str(shipped)), bench.env, shipped)
        bench.pages = {"shipped data, whole country": shipped, **bench.pages}
        print("8. In Chromium: draw and pan", flush=True)
        extra["browser"] = bench_browser(bench)
    text = report(res, cold, found, time.perf_counter() - began, extra)
    RESULTS.write_text(text, encoding="utf-8")
    print()
    print("\n".join(table(HEADLINE, headline(res))))
    print(f"total {time.perf_counter() - began:.0f} s; details in {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
