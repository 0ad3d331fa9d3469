"""The public Python API: load the data, resolve status on a date, build and save maps."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from . import control
from ._lazy import lazy_module
from .errors import InputError
from .files import MAX_INPUT_BYTES
from .geography import Geography, WebGeometry, region_provinces, web_geometry
from .model import day_of
from .records import Records, load_checked
from .theatre import FILE as THEATRE_FILE
from .theatre import Theatre, locate

if TYPE_CHECKING:
    import folium
else:  # loaded on first use: only the commands that build pages import folium
    folium = lazy_module("folium")

DateLike = str | dt.date | np.datetime64
#: The most dates one command resolves (a timeline, a batch, a series): ten years of days.
MAX_DATES = 3660


@dataclass(frozen=True)
class Dataset:
    """Boundaries and validated records, loaded together.

    Attributes
    ----------
    geo
        The boundary layers (:class:`mapgen.geography.Geography`).
    records
        The validated sources, sites, control records and gazetteer.
    """

    geo: Geography
    records: Records

    @property
    def theatre(self) -> Theatre:
        """The conflict's statuses, words, regions and defaults (its ``theatre.toml``)."""
        return self.records.theatre

    def region(self, spec: str | None = None) -> tuple[list[str], str]:
        """Province P-codes and a label for a region of the theatre, ``all`` or a comma list
        of province names; the theatre's default region when ``spec`` is None."""
        gaz = self.records.gazetteer
        return region_provinces(
            self.geo, self.theatre.default_region if spec is None else spec,
            lambda name: gaz.resolve(name.strip(), levels=("province",)).code, self.theatre,
        )

    def period(self) -> tuple[dt.date, dt.date]:
        """The theatre's default period, or the span of its records when it names none."""
        if self.theatre.period is not None:
            return self.theatre.period
        days = [r.date for r in self.records.control]
        if not days:
            raise InputError("no control records and no period in the theatre: give dates")
        return min(days), max(days)

    def web(self, detail: str = "medium") -> WebGeometry:
        if detail not in ("low", "medium", "high"):
            raise InputError(f"unknown detail {detail!r}: use low, medium or high")
        return web_geometry(self.geo, detail=detail)


def load(
    data: str | os.PathLike[str] | None = None,
    boundaries: str | os.PathLike[str] | None = None,
    *,
    theatre: str | None = None,
    max_input_bytes: int = MAX_INPUT_BYTES,
) -> Dataset:
    """Load and validate a theatre: its boundaries, records and ``theatre.toml``.

    Parameters
    ----------
    data
        A theatre folder: the records and a ``theatre.toml`` (the default shipped theatre
        when omitted). A records folder without ``theatre.toml`` takes the default theatre's.
    boundaries
        A boundary file, instead of the one the theatre names.
    theatre
        A shipped theatre by id (``mapgen theatres`` lists them), instead of ``data``.
    max_input_bytes
        The largest input file read; a larger one, like anything that is not a regular file,
        is an error.

    Returns
    -------
    Dataset
        Boundaries and records, checked against each other.

    Raises
    ------
    mapgen.errors.MissingFileError
        A folder or file does not exist.
    mapgen.errors.DataError
        The files have errors; every problem is listed.
    """
    folder, th = locate(data, theatre)
    if boundaries is None and th.boundaries is None:
        raise InputError(f"{th.folder / THEATRE_FILE} names no boundaries: "
                         "give boundaries= (--boundaries FILE)")
    if boundaries is None and th.boundaries is not None and not th.boundaries.exists():
        from .errors import MissingFileError

        raise MissingFileError(
            f"{th.boundaries}: boundary file named by {th.folder / THEATRE_FILE} not found "
            "(copy it along with the theatre folder, or give boundaries= / --boundaries FILE)")
    geo, records = load_checked(folder, boundaries if boundaries is not None else th.boundaries,
                                th, max_input_bytes=max_input_bytes)
    return Dataset(geo, records)


def as_date(value: DateLike) -> dt.date:
    """A date from ``YYYY-MM-DD`` text, a :class:`datetime.date` or ``datetime``, a
    :class:`pandas.Timestamp` or a :class:`numpy.datetime64`."""
    if isinstance(value, np.datetime64):
        text = str(value.astype("datetime64[D]"))
        if text in ("NaT", "") or len(text) < 10:
            raise InputError(f"bad date {value!r}: not a day")
        value = text
    if value is pd.NaT:
        raise InputError("bad date NaT: not a day")
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise InputError(f"bad date {value!r}: give YYYY-MM-DD text or a date, not "
                         f"{type(value).__name__}")
    return day_of(value)


def states_on(dataset: Dataset, days: list[dt.date], provinces: list[str]
              ) -> list[control.ControlState]:
    """The resolved state of ``provinces`` on each of ``days``, all read from one places x
    dates table (:func:`mapgen.control.resolve_table`), computed once, each with its evidence
    columns (:func:`mapgen.evidence.annotate`)."""
    from .evidence import annotate

    return [annotate(s, dataset.theatre)
            for s in control.resolve_many(dataset.records, dataset.geo, days, provinces=provinces)]


def status_on(dataset: Dataset, date: DateLike, *, region: str | None = None) -> control.ControlState:
    """Who held each province, district and site of ``region`` on ``date``.

    Parameters
    ----------
    dataset
        From :func:`load`.
    date
        ``YYYY-MM-DD`` or a :class:`datetime.date`; records dated on it count.
    region
        A region of the theatre (its default when omitted), ``all``, or a comma list of
        provinces by any name or P-code.

    Returns
    -------
    ControlState
        ``districts``, ``provinces`` and ``sites`` DataFrames with ``status``, ``since``,
        ``held_since``, ``sources``, ``note``, ``confidence`` and ``via``, and how old the
        evidence is: ``age_days`` (days since the record in force), ``stale`` (a contested or
        low-confidence record older than the theatre's ``stale_after_days``) and ``by_area``
        (the status comes from a province- or country-wide record: the place changed hands
        *by* its date, not on it).

    Raises
    ------
    mapgen.errors.InputError
        A malformed date or an unknown region name (with suggestions).
    """
    provinces, _ = dataset.region(region)
    return states_on(dataset, [as_date(date)], provinces)[0]


def status_table(dataset: Dataset, date: DateLike, *, region: str | None = None) -> pd.DataFrame:
    """One row per province, district and site of ``region`` on ``date``.

    Returns
    -------
    pandas.DataFrame
        Columns ``place, name, level, kind, province, district, status, since, held_since,
        sources, confidence, via, note, districts`` (see :func:`mapgen.control.status_table`).
    """
    return control.status_table(status_on(dataset, date, region=region), dataset.geo,
                                dataset.theatre)


def build_map(
    dataset: Dataset,
    date: DateLike,
    *,
    region: str | None = None,
    detail: str = "medium",
    tiles: str | None = None,
    online_assets: bool = False,
    title: str | None = None,
) -> folium.Map:
    """The interactive control map of ``region`` on ``date``.

    Parameters
    ----------
    dataset, date, region
        As for :func:`status_on`.
    detail
        Boundary precision: ``low``, ``medium`` (817 m at most) or ``high``.
    tiles
        An xyzservices provider name for an online basemap; none by default (offline).
    online_assets
        Link Leaflet from a CDN instead of inlining it.
    title
        The page's title (default: ``Territorial control``), shown above the date.

    Returns
    -------
    folium.Map
        Displays in Jupyter; write it with :func:`save_map`.
    """
    from .render.build import build_page

    provinces, label = dataset.region(region)
    # the page reads the table's arrays: no frames of the state are built
    day = control.resolve_table(dataset.records, dataset.geo, [as_date(date)],
                                provinces=provinces).day(0)
    return build_page(dataset.records, dataset.geo, dataset.web(detail), [day],
                      provinces=provinces, region_label=label, title=title or dataset.theatre.title,
                      tiles=tiles, online_assets=online_assets)


def render_many(
    dataset: Dataset,
    dates: Sequence[DateLike],
    out_dir: str | os.PathLike[str],
    *,
    region: str | None = None,
    detail: str = "medium",
    tiles: str | None = None,
    online_assets: bool = False,
    title: str | None = None,
    name: str = "control-{date}.html",
    progress: bool = False,
) -> list[Path]:
    """One page per date in ``out_dir``, sharing the loaded data, geometry and encoding: much
    faster than one run per date.

    Parameters
    ----------
    dataset
        From :func:`load`.
    dates
        The dates, each any date :func:`as_date` takes.
    out_dir
        The folder for the pages (created if missing).
    region, detail, tiles, online_assets
        As for :func:`build_map`.
    name
        The file name of each page; ``{date}`` is replaced by the ISO date.
    progress
        Show a progress bar on a terminal.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of ``dates``; each is written atomically.
    """
    if "{date}" not in name:
        raise InputError(f"name {name!r} must contain {{date}}: one file per date")
    from .render.build import build_page
    from .render.page import write_atomic

    provinces, label = dataset.region(region)
    web = dataset.web(detail)
    days = list(map(as_date, dates))
    table = control.resolve_table(dataset.records, dataset.geo, days, provinces=provinces)
    iterator: Any = range(len(days))
    if progress:
        from tqdm import tqdm

        # disable=None: no bar when stderr is not a terminal (logs, CI)
        iterator = tqdm(iterator, unit="map", desc="rendering", leave=False, disable=None)
    written = []
    for k in iterator:
        day = days[k]
        page = build_page(dataset.records, dataset.geo, web, [table.day(k)], provinces=provinces,
                          region_label=label, title=title or dataset.theatre.title, tiles=tiles,
                          online_assets=online_assets)
        written.append(write_atomic(Path(out_dir) / name.format(date=day.isoformat()),
                                    map_html(page)))
    return written


def change_table(
    dataset: Dataset, before: DateLike, after: DateLike, *, region: str | None = None
) -> pd.DataFrame:
    """Every province, district and site of ``region`` whose status differs between two
    dates: ``place, name, level, province, before, after, changed_on, when, sources,
    note`` (``when`` is ``by`` where an area-wide record dates the change: the place changed
    hands by that date, not on it)."""
    a, b = _ordered(before, after)
    return control.changes(status_on(dataset, a, region=region),
                           status_on(dataset, b, region=region), dataset.geo, dataset.theatre)


def _ordered(before: DateLike, after: DateLike) -> tuple[dt.date, dt.date]:
    a, b = as_date(before), as_date(after)
    if b <= a:
        raise InputError(f"after {b} must be later than before {a}")
    return a, b


def build_comparison(
    dataset: Dataset,
    before: DateLike,
    after: DateLike,
    *,
    region: str | None = None,
    detail: str = "medium",
    tiles: str | None = None,
    online_assets: bool = False,
    title: str | None = None,
) -> folium.Map:
    """Two synchronised maps (``before`` left, ``after`` right), a layer outlining what
    changed, and the change table under them. Returns the left map; the page is its root
    figure (``map_html`` and ``save_map`` write the whole page)."""
    from .render.build import build_page

    provinces, label = dataset.region(region)
    a, b = _ordered(before, after)
    states = states_on(dataset, [a, b], provinces)  # resolved once: maps and table share them
    table = control.changes(states[0], states[1], dataset.geo, dataset.theatre)
    index = dataset.theatre.index
    names = dataset.geo.provinces["name"].to_dict()
    capitals = {sid for sid, site in dataset.records.sites.items() if site.capital}

    def importance(place: str, level: str) -> str:
        if level != "site":
            return level
        return "capital" if place in capitals else "facility"

    rows = [{"place": r.place, "level": r.level, "name": r.name, "before": index[r.before],
             "after": index[r.after], "changed_on": r.changed_on, "when": r.when,
             "province": names.get(r.province, r.province),
             "sources": [s for s in r.sources.split(";") if s],
             "importance": importance(r.place, r.level)} for r in table.itertuples()]
    return build_page(dataset.records, dataset.geo, dataset.web(detail), states,
                      provinces=provinces, region_label=label, title=title or dataset.theatre.title,
                      mode="compare", tiles=tiles, online_assets=online_assets,
                      extra={"changes": rows})


def date_range(start: DateLike, end: DateLike, step: str = "1d") -> list[dt.date]:
    """Dates from ``start`` to ``end`` inclusive every ``step``.

    Parameters
    ----------
    start, end
        ``YYYY-MM-DD`` or dates; ``end`` is always included, even off the step.
    step
        A number of days or weeks: ``1d``, ``7d``, ``2w``.

    Raises
    ------
    mapgen.errors.InputError
        A bad step, an end before the start, or more than :data:`MAX_DATES` dates.
    """
    import re

    a, b = as_date(start), as_date(end)
    m = re.fullmatch(r"(\d+)([dw])", step.strip())
    if not m or int(m.group(1)) == 0:
        raise InputError(f"bad step {step!r}: use a number of days or weeks, e.g. 1d, 7d, 2w")
    if b < a:
        raise InputError(f"the end date {b} is before the start date {a}")
    days = int(m.group(1)) * (7 if m.group(2) == "w" else 1)
    if (b - a).days // days > MAX_DATES:
        raise InputError(f"{a}..{b} every {step} is more than {MAX_DATES} dates: "
                         "give a larger step (e.g. 7d) or a shorter period")
    out = [a + dt.timedelta(days=i) for i in range(0, (b - a).days + 1, days)]
    if out[-1] != b:
        out.append(b)
    return out


def build_timeline(
    dataset: Dataset,
    start: DateLike,
    end: DateLike,
    *,
    step: str = "1d",
    region: str | None = None,
    detail: str = "medium",
    tiles: str | None = None,
    online_assets: bool = False,
    title: str | None = None,
) -> folium.Map:
    """One map with a date slider and play button over ``start``..``end``: geometry is
    written once, each date adds only the statuses that changed."""
    from .render.build import build_page

    provinces, label = dataset.region(region)
    days = date_range(start, end, step)
    # the page reads the table's arrays: no frames, and no evidence columns, for each day
    table = control.resolve_table(dataset.records, dataset.geo, days, provinces=provinces)
    return build_page(dataset.records, dataset.geo, dataset.web(detail),
                      [table.day(k) for k in range(len(days))],
                      provinces=provinces, region_label=label, title=title or dataset.theatre.title,
                      mode="timeline", tiles=tiles, online_assets=online_assets)


def map_html(map_: folium.Map) -> str:
    """The page as text, with stable element ids (same inputs, same bytes)."""
    from .render.page import render_html

    return render_html(map_)


def embed_snippet(map_: folium.Map, *, width: int = 800, height: int = 600,
                  title: str = "Control map") -> str:
    """An ``<iframe srcdoc=...>`` holding the whole page, to paste into another page or a
    content system: ``width`` by ``height`` pixels at most, narrower on a small screen with the
    same proportions. Self-contained, ASCII only (non-ASCII text as character references, so a
    host page without a charset declaration shows every script correctly), and sandboxed."""
    from .render.embed import snippet

    return snippet(map_html(map_), width=width, height=height, title=title)


def save_map(map_: folium.Map, path: str | os.PathLike[str]) -> Path:
    """Write the page atomically (a failed write leaves any earlier file untouched)."""
    from .render.page import write_atomic

    return write_atomic(path, map_html(map_))


def stats_table(
    dataset: Dataset,
    date: DateLike,
    *,
    end: DateLike | None = None,
    step: str = "1d",
    region: str | None = None,
    by: str = "province",
) -> pd.DataFrame:
    """Districts, area (km²) and population under each status per scope, with a ``total``
    row per scope: ``scope, name, status, districts, area_km2, population``. With ``end``,
    a time series from ``date`` to ``end`` with a leading ``date`` column."""
    from . import stats

    provinces, label = dataset.region(region)
    if end is None:
        return stats.district_stats(status_on(dataset, date, region=region), dataset.geo,
                                    dataset.theatre, by=by, label=label)
    states = states_on(dataset, date_range(date, end, step), provinces)
    return stats.stats_series(states, dataset.geo, dataset.theatre, by=by, label=label)


def stats_plot(
    dataset: Dataset,
    start: DateLike,
    end: DateLike,
    *,
    step: str = "1d",
    region: str | None = None,
    measure: str = "population",
    fmt: str = "png",
) -> bytes:
    """A chart (``fmt``: png, svg or pdf) of ``measure`` by status over the period, capital
    falls marked."""
    from . import stats

    provinces, label = dataset.region(region)
    states = states_on(dataset, date_range(start, end, step), provinces)
    what = {"population": "people", "districts": "districts", "area_km2": "area"}.get(measure, measure)
    return stats.plot_series(states, dataset.geo, dataset.theatre, measure=measure,
                             title=f"{label}: {what} by status", fmt=fmt)


def coverage(
    dataset: Dataset,
    start: DateLike | None = None,
    end: DateLike | None = None,
    *,
    step: str = "7d",
    region: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Where the record is thin.

    Returns ``(known, gaps)``: ``known`` has one row per province with the number of its
    districts that have a known status (not ``unknown``) on each date of the period;
    ``gaps`` lists every district with no known status on at least one of those dates,
    with the first date it becomes known (empty if never). ``start`` and ``end`` default to
    the theatre's period.
    """
    import numpy as np

    period = dataset.period()
    provinces, _ = dataset.region(region)
    days = date_range(period[0] if start is None else start, period[1] if end is None else end, step)
    # read straight from the places x dates table: districts x days of "known"
    table = control.resolve_table(dataset.records, dataset.geo, days, provinces=provinces)
    ok = table.district_status()[:, table.column] != table.status[-1]  # unknown
    prov = table.district_province
    per_province = np.zeros((len(provinces), len(days)), dtype=np.int64)
    np.add.at(per_province, prov, ok.astype(np.int64))
    known = pd.DataFrame({"province": provinces,
                          "name": dataset.geo.provinces.loc[provinces, "name"].tolist(),
                          "districts": np.bincount(prov, minlength=len(provinces)).tolist()})
    for k, day in enumerate(days):
        known[day.isoformat()] = per_province[:, k].tolist()
    names = dataset.geo.districts["name"]
    rows = []
    for i in np.flatnonzero(~ok.all(axis=1)).tolist():
        code = table.district_codes[i]
        seen = np.flatnonzero(ok[i])
        rows.append({"place": code, "name": names[code], "province": provinces[prov[i]],
                     "unknown_dates": int((~ok[i]).sum()),
                     "first_known": days[seen[0]].isoformat() if len(seen) else ""})
    gaps = pd.DataFrame(rows, columns=["place", "name", "province", "unknown_dates",
                                       "first_known"])
    return known, gaps


def tracker_comparison(dataset: Dataset, *, region: str | None = "all") -> pd.DataFrame:
    """The counts other trackers published (the theatre's ``trackers.csv``) beside the
    record's own counts of the districts of ``region`` on the same dates.

    Returns
    -------
    pandas.DataFrame
        One row per tracker and date: ``date, tracker, unit, total, districts``, then per
        status the tracker's count and share and ours (``ours_<status>``,
        ``ours_<status>_pct``), and the ``source`` and ``note``. Empty when the theatre has
        no tracker counts.
    """
    from . import trackers

    statuses = dataset.theatre.status_ids
    counts = trackers.for_records(dataset.records, statuses[:-1])  # unknown is no count
    provinces, _ = dataset.region(region)
    days = sorted({c.date for c in counts})
    states = states_on(dataset, days, provinces)
    ours = {d: s.districts["status"] for d, s in zip(days, states, strict=True)}
    return trackers.compare(counts, ours, statuses)


def export_figure(
    dataset: Dataset,
    date: DateLike | None = None,
    *,
    before: DateLike | None = None,
    after: DateLike | None = None,
    region: str | None = None,
    fmt: str = "png",
    out: str | os.PathLike[str] | None = None,
    dpi: int = 200,
    size: str = "slide",
    detail: str = "medium",
    title: str | None = None,
    subtitle: str | None = None,
    caption: str | None = None,
    marking: str | None = None,
    sites: bool = True,
    neighbours: bool = True,
    gains: bool = False,
) -> bytes | Path:
    """A print-quality control map of ``region`` on ``date``, or on ``before`` and ``after``
    side by side (the same date order as :func:`change_table`).

    Parameters
    ----------
    dataset
        Boundaries and records from :func:`mapgen.load`.
    date
        The date of a single map.
    before, after
        Instead of ``date``: draw two maps, ``before`` left and ``after`` right, with one
        legend.
    region
        A region of the theatre (its default when omitted), ``all`` or a comma list of
        province names, as for :func:`mapgen.status_on`.
    fmt
        ``png``, ``svg`` (text kept as text) or ``pdf``.
    out
        Write the figure here atomically and return its path; return the bytes when omitted.
    dpi
        Dots per inch of a PNG, 50 to 600 (200 on a slide gives 2666 x 1500 pixels).
    size
        ``slide`` (16:9, 13.33 x 7.5 in) or ``a4`` (landscape, 11.69 x 8.27 in).
    detail
        Boundary precision: ``low``, ``medium`` or ``high``.
    title, subtitle
        The figure's own title (default: the theatre's title and the region) and a line under
        it; the date line follows the subtitle.
    caption
        A paragraph under the map, wrapped to its width.
    marking
        A classification or handling line, printed at the top and bottom of the page.
    sites, neighbours
        False leaves out the site symbols, or the rest of the country around the region.
    gains
        With ``before``: one map of what changed hands since ``before``, each changed place
        in the colour of who holds it on ``after`` and the rest neutral.

    Returns
    -------
    bytes or pathlib.Path
        The file's bytes, or its path when ``out`` is given.

    Raises
    ------
    mapgen.errors.InputError
        A bad format, size, dpi or ``out`` suffix (all reported at once, before any drawing),
        or a bad date, region or detail.

    Notes
    -----
    The same inputs give the same bytes. SVG text stays text (searchable and editable); PDF
    compression follows matplotlib's ``pdf.compression`` rcParam.
    """
    from .render.figure import (  # matplotlib only when drawing
        FigureText,
        check_options,
        draw_figure,
    )
    from .render.page import write_atomic

    check_options(fmt, size, dpi, out)
    if date is not None and (before is not None or after is not None):
        raise InputError("give date, or before and after, not both")
    if date is not None:
        days = [as_date(date)]
    elif before is not None and after is not None:
        days = list(_ordered(before, after))
    else:
        raise InputError("give date, or both before and after")
    if gains and len(days) != 2:
        raise InputError("gains shows what changed hands since a date: give before and after")
    text = FigureText(title, subtitle, caption, marking, sites, neighbours, gains)
    provinces, label = dataset.region(region)
    web = dataset.web(detail)
    states = states_on(dataset, days, provinces)
    data = draw_figure(states, geo=dataset.geo, web=web, records=dataset.records,
                       codes=provinces, label=label, fmt=fmt, dpi=dpi, size=size,
                       text=text)
    if out is not None:
        return write_atomic(out, data)
    return data


def _status_styles(dataset: Dataset) -> dict[str, tuple[str, str]]:
    """Each status' ``(label, colour)`` as the page draws it."""
    return {s.status: (s.label, s.colour) for s in dataset.theatre.statuses}


def status_geodata(dataset: Dataset, date: DateLike, *, region: str | None = None) -> gpd.GeoDataFrame:
    """The state on ``date`` as geodata for GIS tools.

    Parameters
    ----------
    dataset
        From :func:`load`.
    date
        Any date :func:`as_date` takes.
    region
        As for :func:`status_on`.

    Returns
    -------
    geopandas.GeoDataFrame
        In EPSG:4326, one row per province and district (polygons) and per site (points),
        with ``place, level, kind, name, province, district, status, status_label,
        status_colour, since, held_since, confidence, via, sources, source_urls, note``;
        dates as ISO text, ``sources`` and ``source_urls`` joined with ``;``.
    """
    from .geodata import state_frame

    return state_frame(status_on(dataset, date, region=region), dataset.geo, dataset.records,
                       _status_styles(dataset))


def save_geodata(dataset: Dataset, frame: gpd.GeoDataFrame, path: str | os.PathLike[str],
                 *, format: str | None = None) -> Path:
    """Write :func:`status_geodata`'s frame as GeoJSON, GeoPackage or GeoParquet.

    Parameters
    ----------
    dataset
        The dataset the frame came from (its status colours style the GeoPackage).
    frame
        From :func:`status_geodata`.
    path
        The file to write (replaced only by a complete one).
    format
        ``geojson``, ``gpkg`` or ``parquet``; by default from ``path``'s suffix
        (``.geojson``/``.json``, ``.gpkg``, ``.parquet``).

    Returns
    -------
    pathlib.Path
        The file written. A GeoPackage has layers ``provinces``, ``districts`` and ``sites``
        and a ``layer_styles`` table that QGIS uses to colour them by status.
    """
    from .geodata import FORMATS, write_geodata

    fmt = format or {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg",
                     ".parquet": "parquet"}.get(Path(path).suffix.lower(), "")
    if fmt not in FORMATS:
        raise InputError(f"cannot tell the format of {os.fspath(path)!r}: give format= one of "
                         + ", ".join(FORMATS))
    return write_geodata(frame, path, fmt, _status_styles(dataset))


def status_spans(dataset: Dataset, start: DateLike, end: DateLike, *,
                 region: str | None = None) -> pd.DataFrame:
    """The period as one long table for tools with a time slider (QGIS, kepler.gl).

    Returns
    -------
    pandas.DataFrame
        ``place, level, name, status, date_from, date_to``: one row per unbroken run of a
        status within ``start``..``end`` (both inclusive, ISO dates).
    """
    from .geodata import spans

    provinces, _ = dataset.region(region)
    a, b = as_date(start), as_date(end)
    return spans(dataset.records, dataset.geo, a, b, provinces)


def propose_from_acled(
    dataset: Dataset, acled_file: str | os.PathLike[str], actors_file: str | os.PathLike[str],
    *, start: DateLike | None = None, end: DateLike | None = None,
) -> Any:
    """Proposed control records from an ACLED export (see :mod:`mapgen.acled`).

    Parameters
    ----------
    dataset
        The theatre the proposals are for: its districts and sites place the events.
    acled_file
        An ACLED CSV export with its standard columns.
    actors_file
        ``actor,status``: which ACLED actor stands for which status.
    start, end
        Events outside these dates are skipped (with the reason).

    Returns
    -------
    mapgen.acled.ImportResult
        ``control`` and ``sources`` rows in the theatre's format, and ``skipped`` events with
        reasons; :func:`mapgen.acled.write_proposals` writes them for review.
    """
    from . import acled

    statuses = tuple(s for s in dataset.theatre.status_ids if s != control.UNKNOWN)
    actors = acled.read_actors(actors_file, statuses)
    first, last = dataset.theatre.period or (dt.date.min, dt.date.max)
    period = (as_date(start) if start is not None else first,
              as_date(end) if end is not None else last)
    return acled.import_acled(acled_file, actors, dataset, period=period)
