"""Command line: parse arguments, call the API, print problems; exit 0 ok, 2 bad input, 1 bug."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from .errors import DataError, InputError, MapgenError
from .files import MAX_INPUT_BYTES
from .sanitize import control_safe, spreadsheet_cell, terminal_safe

log = logging.getLogger("mapgen")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # one line, no usage dump: the message names the argument and the value
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", metavar="DIR", help="a theatre folder: records plus theatre.toml "
                   "(default: the shipped default theatre)")
    p.add_argument("--theatre", metavar="NAME",
                   help="a shipped theatre by name instead of --data ('mapgen theatres' lists them)")
    p.add_argument("--boundaries", metavar="FILE",
                   help="boundaries: any file GDAL reads, with country/provinces/districts layers or "
                   "one layer of districts, OCHA COD-AB columns accepted (default: the file the "
                   "theatre names)")
    p.add_argument("--max-input-mb", type=float, default=None, metavar="MB",
                   help="refuse an input file larger than this (default "
                   f"{MAX_INPUT_BYTES // 2**20} MB)")
    p.add_argument("-v", "--verbose", action="store_true", help="say more")
    p.add_argument("-q", "--quiet", action="store_true", help="print only errors")


def _raw_csv(p: argparse.ArgumentParser) -> None:
    p.add_argument("--raw-csv", action="store_true",
                   help="write CSV cells exactly as they are; by default a cell starting with "
                   "= + - @, a tab or a carriage return gets a leading ' so that a spreadsheet "
                   "does not run it as a formula")


def _region(p: argparse.ArgumentParser) -> None:
    p.add_argument("--region", default=None,
                   help="a region of the theatre (default: its default_region), all, "
                   "or a comma list of provinces by name or P-code")


def _page_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--title", help="the page's own title (default: Territorial control)")
    p.add_argument("--detail", choices=("low", "medium", "high"), default="medium",
                   help="boundary detail: trades file size for precision (default medium)")
    p.add_argument("--tiles", metavar="NAME",
                   help="add an online basemap by xyzservices name, e.g. CartoDB.Positron")
    p.add_argument("--online-assets", action="store_true",
                   help="link Leaflet from a CDN instead of inlining it (smaller, needs network)")


class _Version(argparse.Action):
    """``--version``, looked up only when asked for (importlib.metadata is slow to import)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        from . import __version__

        sys.stdout.write(f"mapgen {__version__}\n")  # stdout, as argparse's own action
        parser.exit(0)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mapgen", description="Maps of who controlled what, from dated, "
                     "sourced records.")
    parser.add_argument("--version", action=_Version, help="show the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("render", help="write the interactive HTML map for a date")
    p.add_argument("--date", required=True,
                   help="YYYY-MM-DD, or START..END for one map per day (--step to thin)")
    p.add_argument("--step", default="1d", help="with START..END: 1d (default), 7d, ...")
    _region(p)
    p.add_argument("--out", metavar="FILE",
                   help="output file (default outputs/control-DATE[-REGION].html, .embed.html "
                   "with --embed); with START..END, a folder (default outputs/)")
    p.add_argument("--embed", action="store_true",
                   help="write an <iframe srcdoc> snippet to paste into another page instead")
    p.add_argument("--width", type=int, default=800, help="with --embed: width in px (800)")
    p.add_argument("--height", type=int, default=600, help="with --embed: height in px (600)")
    _page_options(p)
    _common(p)
    p.set_defaults(func=cmd_render)

    p = sub.add_parser("status", help="who held each province, district and site on a date, as "
                       "a table or as geodata (GeoJSON, GeoPackage, GeoParquet)")
    p.add_argument("--date", help="YYYY-MM-DD (or --start and --end for one row per span)")
    p.add_argument("--start", help="with --end: the period as spans (place, status, date_from, "
                   "date_to) for tools with a time slider")
    p.add_argument("--end", help="YYYY-MM-DD")
    _region(p)
    p.add_argument("--format", choices=("csv", "json", "table", "geojson", "gpkg", "parquet"),
                   default="csv", help="default csv; geojson, gpkg (with QGIS styles) and parquet "
                   "write polygons and points in EPSG:4326")
    p.add_argument("--out", metavar="FILE", help="output file (default: standard output for "
                   "csv, json, table and geojson; outputs/status-DATE[-REGION].gpkg|parquet)")
    _raw_csv(p)
    _common(p)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("compare", help="two dates side by side, with what changed")
    p.add_argument("--before", required=True, help="YYYY-MM-DD")
    p.add_argument("--after", required=True, help="YYYY-MM-DD")
    _region(p)
    p.add_argument("--out", metavar="FILE",
                   help="output file (default outputs/compare-BEFORE-AFTER[-REGION].html); "
                   "with --format csv|json, the table's file (default: standard output)")
    p.add_argument("--format", choices=("html", "csv", "json"), default="html",
                   help="html writes the page; csv or json print the change table instead")
    _raw_csv(p)
    _page_options(p)
    _common(p)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("timeline", help="one page with a date slider over a period")
    p.add_argument("--start", required=True, help="YYYY-MM-DD")
    p.add_argument("--end", required=True, help="YYYY-MM-DD")
    p.add_argument("--step", default="1d", help="1d (default), 7d, 2w, ...")
    _region(p)
    p.add_argument("--out", metavar="FILE",
                   help="output file (default outputs/timeline-START-END[-REGION].html)")
    _page_options(p)
    _common(p)
    p.set_defaults(func=cmd_timeline)

    p = sub.add_parser("export", help="a static figure (PNG, SVG, PDF) for slides and documents")
    p.add_argument("--date", help="YYYY-MM-DD (or --before and --after for two maps side by side)")
    p.add_argument("--before", help="YYYY-MM-DD")
    p.add_argument("--after", help="YYYY-MM-DD")
    _region(p)
    p.add_argument("--format", choices=("png", "svg", "pdf"),
                   help="default: from --out's suffix (.png, .svg, .pdf); png without --out")
    p.add_argument("--out", metavar="FILE",
                   help="default outputs/figure-DATE[-DATE][-REGION].FORMAT")
    p.add_argument("--dpi", type=int, default=200,
                   help="PNG resolution (default 200: 2666 px wide on a slide, 2338 on A4)")
    p.add_argument("--size", choices=("slide", "a4"), default="slide",
                   help="slide (16:9, default) or a4 (landscape)")
    p.add_argument("--detail", choices=("low", "medium", "high"), default="medium")
    p.add_argument("--title", help="the figure's own title (default: territorial control and "
                   "the region)")
    p.add_argument("--subtitle", help="a line under the title, before the date")
    p.add_argument("--caption", help="a paragraph under the map")
    p.add_argument("--marking", metavar="TEXT",
                   help="a classification or handling line, printed at the top and bottom")
    p.add_argument("--no-sites", dest="sites", action="store_false",
                   help="leave out the site symbols (capitals stay named)")
    p.add_argument("--no-neighbours", dest="neighbours", action="store_false",
                   help="leave out the rest of the country around the region")
    p.add_argument("--gains", action="store_true",
                   help="with --before/--after: one map of what changed hands, shaded by "
                   "who holds it on --after")
    _common(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("stats", help="districts, area and people under each status")
    p.add_argument("--date", help="YYYY-MM-DD (or give --start and --end for a time series)")
    p.add_argument("--start", help="YYYY-MM-DD")
    p.add_argument("--end", help="YYYY-MM-DD")
    p.add_argument("--step", default="1d", help="for a series: 1d (default), 7d, ...")
    _region(p)
    p.add_argument("--by", choices=("province", "region", "all"), default="province",
                   help="one scope per province (default), per region of the boundaries' "
                   "provinces layer, or one for the whole --region")
    p.add_argument("--format", choices=("csv", "json", "table"), default="table",
                   help="default table")
    p.add_argument("--plot", metavar="FILE.png",
                   help="with --start/--end: draw the series (.png, .svg or .pdf, by the name)")
    p.add_argument("--measure", choices=("population", "districts", "area_km2"),
                   default="population", help="what --plot stacks (default population)")
    _raw_csv(p)
    _common(p)
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("coverage", help="how many districts have a known status, per date")
    p.add_argument("--start", help="YYYY-MM-DD (default: the start of the theatre's period)")
    p.add_argument("--end", help="YYYY-MM-DD (default: the end of the theatre's period)")
    p.add_argument("--step", default="7d", help="7d (default), 1d, 2w, ...")
    _region(p)
    p.add_argument("--format", choices=("table", "csv"), default="table")
    p.add_argument("--trackers", action="store_true",
                   help="instead: the counts other trackers published (the theatre's "
                   "trackers.csv) beside ours on the same dates, for the whole country")
    _raw_csv(p)
    _common(p)
    p.set_defaults(func=cmd_coverage)

    p = sub.add_parser("import-acled", help="propose control records from an ACLED export "
                       "(written to a folder for review, never applied)")
    p.add_argument("file", help="ACLED CSV export (standard columns)")
    p.add_argument("--actors", required=True, metavar="ACTORS.csv",
                   help="actor,status: which ACLED actor stands for which status")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="folder for control.csv, sources.csv and skipped.csv")
    p.add_argument("--start", help="skip events before this date (YYYY-MM-DD)")
    p.add_argument("--end", help="skip events after this date (YYYY-MM-DD)")
    p.add_argument("--overwrite", action="store_true", help="replace files already in --out")
    _common(p)
    p.set_defaults(func=cmd_import_acled)

    p = sub.add_parser("validate", help="check the record and boundary files and report every problem")
    _common(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("theatres", help="list the shipped theatres")
    p.add_argument("-v", "--verbose", action="store_true", help="say more")
    p.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    p.set_defaults(func=cmd_theatres)

    p = sub.add_parser("places", help="list places matching a name, with codes and aliases")
    p.add_argument("query", nargs="?", default="", help="any part of a name, alias or code")
    _common(p)
    p.set_defaults(func=cmd_places)
    return parser


def _input_limit(args: argparse.Namespace) -> int:
    if args.max_input_mb is None:
        return MAX_INPUT_BYTES
    if not 0 < args.max_input_mb <= 1e6:
        raise InputError(f"--max-input-mb {args.max_input_mb:g}: give a size in MB, above 0")
    return int(args.max_input_mb * 2**20)


def _load(args: argparse.Namespace) -> Any:
    from .api import load

    ds = load(args.data, args.boundaries, theatre=args.theatre, max_input_bytes=_input_limit(args))
    warnings = ds.geo.warnings + ds.records.warnings
    if args.command == "validate":
        for warning in warnings:
            log.warning("%s", warning)
    else:
        args.warning_count = len(warnings)  # told once the command has succeeded
    return ds


def _slug(text: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _region_suffix(args: argparse.Namespace) -> str:
    """``-<region>`` in default file names, nothing for the theatre's default region."""
    return "" if args.region is None else "-" + _slug(args.region)


def _out_path(kind: str, args: argparse.Namespace, *dates: str, suffix: str = ".html") -> Path:
    """``--out``, or by default ``outputs/KIND-DATES[-REGION]SUFFIX``."""
    if args.out:
        return Path(args.out)
    return Path("outputs") / ("-".join([kind, *dates]) + _region_suffix(args) + suffix)


def _date_or_pair(args: argparse.Namespace, first: str, second: str, purpose: str = "") -> None:
    """Exactly one of --date or the pair --FIRST --SECOND."""
    from .errors import InputError

    pair = (getattr(args, first), getattr(args, second))
    if args.date and any(pair):
        raise InputError(f"give either --date or --{first} and --{second}, not both")
    if not args.date and not all(pair):
        raise InputError(f"give --date, or --{first} and --{second}{purpose}")


def _wrote(path: Path) -> None:
    log.info("wrote %s (%s bytes)", path, f"{path.stat().st_size:,}")


def cmd_render(args: argparse.Namespace) -> int:
    from .model import day_of

    if ".." in args.date:
        if args.embed:
            raise InputError("--embed writes one snippet: give one --date, not a range")
        return _render_range(args)
    if args.step != "1d":
        raise InputError("--step goes with a date range: --date START..END")
    day = day_of(args.date)
    if args.embed and not (100 <= args.width <= 4000 and 100 <= args.height <= 4000):
        raise InputError(f"--width {args.width} --height {args.height}: give sizes from "
                         "100 to 4000 px")
    out = _out_path("control", args, day.isoformat())
    if args.embed and not args.out:
        out = out.with_suffix(".embed.html")
    page = _render_page(args, day)
    if args.embed:
        from .render.embed import snippet

        page = snippet(page, width=args.width, height=args.height,
                       title=f"{args.title or 'Territorial control'}, {day.isoformat()}")
    from .files import write_atomic

    write_atomic(out, page)
    _wrote(out)
    return 0


def _render_page(args: argparse.Namespace, day: Any) -> str:
    """The page of one date: from the prepared page of these inputs and options when one is
    kept (:mod:`mapgen.prepared`: no boundaries, records or folium loaded), else built the
    full way and then kept for the next date."""
    from . import prepared

    limit = _input_limit(args)
    options = {"region": args.region, "detail": args.detail, "tiles": args.tiles,
               "online_assets": args.online_assets, "title": args.title}
    key = prepared.page_key(args.data, args.theatre, args.boundaries, limit, options)
    kept = prepared.read(key) if key else None
    if kept is not None:
        try:
            page = kept.page(day)
        except Exception as exc:  # a kept file that reads but does not work: built again
            log.debug("prepared page unusable (%s): built the full way", exc)
        else:
            for message in kept.messages:
                log.warning("%s", message)
            args.warning_count = kept.warnings
            return page
    from .api import build_map, map_html
    from .render.page import DataElement

    # what the build logs as warnings is said again by a prepared page, so it is collected
    # even under --quiet (the other handlers keep the level they had)
    said, level = _Said(), log.level
    shown = [(h, h.level) for h in log.handlers]
    for h, lvl in shown:
        h.setLevel(max(lvl, level))
    log.addHandler(said)
    log.setLevel(min(level or logging.WARNING, logging.WARNING))
    try:
        ds = _load(args)
        m = build_map(ds, day, region=args.region, detail=args.detail, tiles=args.tiles,
                      online_assets=args.online_assets, title=args.title)
        page = map_html(m)
    finally:
        log.removeHandler(said)
        log.setLevel(level)
        for h, lvl in shown:
            h.setLevel(lvl)
    # kept only if no input changed while the page was built
    if key and prepared.page_key(args.data, args.theatre, args.boundaries, limit,
                                 options) == key:
        data = [el for el in m._children.values() if isinstance(el, DataElement)]
        if len(data) == 1:
            prepared.keep(key, ds, page, data[0].payload_json, day, args.warning_count,
                          said.messages)
    return page


class _Said(logging.Handler):
    """Collects the messages logged at warning level or above."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _render_range(args: argparse.Namespace) -> int:
    from .api import date_range, render_many

    start, _, end = args.date.partition("..")
    dates = date_range(start, end, args.step)
    if args.out and Path(args.out).suffix.lower() in (".html", ".htm"):
        from .errors import InputError

        raise InputError(f"--out {args.out!r}: with a date range --out is a folder, "
                         "one file per date is written into it")
    ds = _load(args)
    written = render_many(
        ds, dates, Path(args.out) if args.out else Path("outputs"), region=args.region,
        detail=args.detail, tiles=args.tiles, online_assets=args.online_assets, title=args.title,
        name="control-{date}" + _region_suffix(args) + ".html", progress=not args.quiet)
    log.info("wrote %d maps, %s to %s", len(written), written[0], written[-1])
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from .api import as_date, build_comparison, change_table, save_map

    before, after = as_date(args.before), as_date(args.after)
    ds = _load(args)
    if args.format != "html":
        table = change_table(ds, before, after, region=args.region)
        _print_table(table, args.format, Path(args.out) if args.out else None, raw=args.raw_csv)
        return 0
    page = build_comparison(ds, before, after, region=args.region, detail=args.detail,
                            tiles=args.tiles, online_assets=args.online_assets, title=args.title)
    out = _out_path("compare", args, before.isoformat(), after.isoformat())
    save_map(page, out)
    _wrote(out)
    return 0


def cmd_timeline(args: argparse.Namespace) -> int:
    from .api import as_date, build_timeline, date_range, save_map

    start, end = as_date(args.start), as_date(args.end)
    date_range(start, end, args.step)  # check the step before loading anything
    ds = _load(args)
    page = build_timeline(ds, start, end, step=args.step, region=args.region,
                          detail=args.detail, tiles=args.tiles, online_assets=args.online_assets,
                          title=args.title)
    out = _out_path("timeline", args, start.isoformat(), end.isoformat())
    save_map(page, out)
    _wrote(out)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .api import as_date, export_figure
    from .errors import InputError

    _date_or_pair(args, "before", "after")
    date = as_date(args.date) if args.date else None
    before = as_date(args.before) if args.before else None
    after = as_date(args.after) if args.after else None
    fmt = args.format
    if fmt is None:
        suffix = Path(args.out).suffix.lower().lstrip(".") if args.out else "png"
        if suffix not in ("png", "svg", "pdf"):
            raise InputError(f"--out {args.out!r}: figures are .png, .svg or .pdf "
                             "(or give --format)")
        fmt = suffix
    dates = [d.isoformat() for d in (before, after, date) if d is not None]
    out = _out_path("figure", args, *dates, suffix=f".{fmt}")
    ds = _load(args)
    if args.gains and before is None:
        raise InputError("--gains shows what changed hands between two dates: give --before "
                         "and --after")
    export_figure(ds, date, before=before, after=after, region=args.region, fmt=fmt, out=out,
                  dpi=args.dpi, size=args.size, detail=args.detail, title=args.title,
                  subtitle=args.subtitle, caption=args.caption, marking=args.marking,
                  sites=args.sites, neighbours=args.neighbours, gains=args.gains)
    _wrote(out)
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from .api import as_date, stats_table
    from .errors import InputError

    _date_or_pair(args, "start", "end", " for a time series")
    if args.plot and args.date:
        raise InputError("--plot draws a time series: give --start and --end")
    plot_fmt = Path(args.plot).suffix.lower().lstrip(".") if args.plot else ""
    if args.plot and plot_fmt not in ("png", "svg", "pdf"):
        raise InputError(f"--plot {args.plot!r}: charts are .png, .svg or .pdf")
    if args.date:
        as_date(args.date)
    else:
        from .api import date_range

        date_range(args.start, args.end, args.step)
    ds = _load(args)
    if args.date:
        table = stats_table(ds, args.date, region=args.region, by=args.by)
    else:
        table = stats_table(ds, args.start, end=args.end, step=args.step, region=args.region,
                            by=args.by)
    if args.plot:
        from .api import stats_plot
        from .render.page import write_atomic

        chart = stats_plot(ds, args.start, args.end, step=args.step, region=args.region,
                           measure=args.measure, fmt=plot_fmt)
        write_atomic(args.plot, chart)
        _wrote(Path(args.plot))
    _print_table(table, args.format, raw=args.raw_csv)
    return 0


def cmd_coverage(args: argparse.Namespace) -> int:
    from .api import coverage, date_range

    if args.trackers:  # tracker counts are national: they are set beside the whole country
        from .api import tracker_comparison

        table = tracker_comparison(_load(args), region="all")
        if args.format == "csv":
            _print_table(table, "csv", raw=args.raw_csv)
        elif table.empty:
            _say("no tracker counts: the theatre has no trackers.csv")
        else:
            _say("Published tracker counts beside ours (whole country, districts by their "
                 "centre; see data/events/README.md for the method):\n")
            _say(table.to_string(index=False))
        return 0
    if args.start and args.end:
        date_range(args.start, args.end, args.step)  # check before loading anything
    known, gaps = coverage(_load(args), args.start, args.end, step=args.step, region=args.region)
    if args.format == "csv":
        _print_table(known, "csv", raw=args.raw_csv)
        return 0
    _say("Districts with a known status (not 'unknown'), by province and date:\n")
    _say(known.to_string(index=False))
    _say(f"\n{len(gaps)} district(s) unknown on some of these dates "
         "(first_known empty = no record at all):\n")
    _say(gaps.to_string(index=False) if len(gaps) else "(none)")
    return 0


def _say(text: str) -> None:
    """A line for the terminal: control codes in the data are shown, never sent."""
    sys.stdout.write(terminal_safe(text) + "\n")


def _print_table(table: Any, fmt: str, out: Path | None = None, *, raw: bool = False) -> None:
    """Print ``table`` as csv, json or an aligned table, or write it to ``out``. CSV cells are
    made spreadsheet-safe unless ``raw``; what goes to the terminal loses its control codes."""
    if fmt == "table":
        text = table.to_string(index=False, na_rep="n/a") + "\n"
    elif fmt == "json":
        records = table.astype(object).where(table.notna(), None).to_dict(orient="records")
        text = json.dumps(records, ensure_ascii=False, indent=1) + "\n"
    else:
        if not raw:
            table = table.map(spreadsheet_cell)
        text = table.to_csv(index=False, lineterminator="\n", na_rep="n/a")
    if out is None:
        sys.stdout.write(terminal_safe(text) if fmt == "table" else control_safe(text))
        return
    from .render.page import write_atomic

    write_atomic(out, text)
    _wrote(out)


def cmd_status(args: argparse.Namespace) -> int:
    from .api import as_date, status_table
    from .errors import InputError

    _date_or_pair(args, "start", "end")
    geo_formats = ("geojson", "gpkg", "parquet")
    if args.start:
        if args.format in geo_formats:
            raise InputError("--start/--end give a table of spans: use --format csv, json or table")
        from .api import status_spans

        table = status_spans(_load(args), args.start, args.end, region=args.region)
        _print_table(table, args.format, Path(args.out) if args.out else None, raw=args.raw_csv)
        return 0
    day = as_date(args.date)
    ds = _load(args)
    if args.format not in geo_formats:
        _print_table(status_table(ds, day, region=args.region), args.format,
                     Path(args.out) if args.out else None, raw=args.raw_csv)
        return 0
    from .api import save_geodata, status_geodata

    frame = status_geodata(ds, day, region=args.region)
    if args.out is None and args.format == "geojson":
        sys.stdout.write(frame.to_json(drop_id=True, ensure_ascii=False) + "\n")
        return 0
    out = _out_path("status", args, day.isoformat(), suffix="." + args.format)
    _wrote(save_geodata(ds, frame, out, format=args.format))
    return 0


def cmd_import_acled(args: argparse.Namespace) -> int:
    from .acled import write_proposals
    from .api import propose_from_acled

    result = propose_from_acled(_load(args), args.file, args.actors, start=args.start,
                                end=args.end)
    for path in write_proposals(result, args.out, overwrite=args.overwrite):
        _wrote(path)
    print(f"import-acled: {result.summary()}")
    print("review the proposals, then append control.csv and sources.csv to the theatre's "
          "files and run 'mapgen validate'")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from . import trackers

    ds = _load(args)
    r = ds.records
    trackers.for_records(r, ds.theatre.status_ids[:-1])  # unknown is no count
    _say(f"ok: {len(r.sources)} sources, {len(r.sites)} sites, {len(r.control)} control records "
         f"in {r.folder}; {len(ds.geo.districts)} districts in {ds.geo.path}; "
         f"{len(r.warnings) + len(ds.geo.warnings)} warning(s)")
    return 0


def cmd_theatres(args: argparse.Namespace) -> int:
    from .theatre import shipped

    for tid, th in shipped().items():
        period = f"{th.period[0]}..{th.period[1]}" if th.period else "-"
        regions = ", ".join([*th.regions, "all"])
        print(f"{tid}\t{th.name}\t{period}\tregions: {regions} (default {th.default_region})")
    return 0


def cmd_places(args: argparse.Namespace) -> int:
    ds = _load(args)
    found = ds.records.gazetteer.search(args.query)
    if not found:
        from .errors import InputError

        raise InputError(f"no place matches {args.query!r}: "
                         f"{ds.records.gazetteer.did_you_mean(args.query)}")
    for p in found:
        aliases = "; ".join(p.aliases)
        _say(f"{p.code}\t{p.level}\t{p.province}\t{p.name}\t{aliases}")
    return 0


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that every ``finally`` (temporary files) runs."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated


class _SafeFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return terminal_safe(super().format(record))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING if args.quiet else logging.DEBUG if args.verbose else logging.INFO
    # mapgen's messages go to this call's stderr, and only for this call: main() may run many
    # times in one process (tests, notebooks) without configuring the root logger
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_SafeFormatter("%(message)s"))
    saved = (log.level, log.propagate)
    log.addHandler(handler)
    log.setLevel(logging.ERROR if args.quiet else level)
    log.propagate = False
    try:
        return _run(args)
    finally:
        log.removeHandler(handler)
        log.setLevel(saved[0])
        log.propagate = saved[1]


def _run(args: argparse.Namespace) -> int:
    import signal

    func: Callable[[argparse.Namespace], int] = args.func
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        code = func(args)
        count = getattr(args, "warning_count", 0)
        if count:
            log.info("%d warning(s) in the input (no record dropped without one): "
                     "'mapgen validate' lists them", count)
        return code
    except DataError as exc:
        tail = "" if args.command == "validate" else "; nothing was written"
        _err(f"mapgen {args.command}: the input has errors{tail}\n{exc}")
        return 2
    except MapgenError as exc:
        _err(f"mapgen {args.command}: error: {exc}")
        return 2
    except BrokenPipeError:  # output piped into `head`: stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # reading or writing where the library did not expect it
        where = f"{exc.filename}: " if exc.filename else ""
        _err(f"mapgen {args.command}: error: {where}{exc.strerror or exc}")
        return 2
    except KeyboardInterrupt as exc:
        # Ctrl-C or SIGTERM: temporary files are gone (their ``finally`` ran), no traceback
        _err(f"mapgen {args.command}: interrupted; no partial file was left")
        return 143 if isinstance(exc, _Terminated) else 130
    finally:
        signal.signal(signal.SIGTERM, previous)


def _err(text: str) -> None:
    sys.stderr.write(terminal_safe(text) + "\n")
