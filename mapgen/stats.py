"""Counts, area (km², equal-area) and population by status, per scope and date."""

from __future__ import annotations

import datetime as dt
import itertools
import warnings
from collections.abc import Iterable
from typing import Any

import pandas as pd

from .control import ControlState
from .errors import InputError
from .geography import Geography
from .theatre import Theatre

SCOPES = ("province", "region", "all")
COLUMNS = ["scope", "name", "status", "districts", "stale", "area_km2", "population"]


def has_population(geo: Geography) -> bool:
    """Whether the boundaries give any district a population figure."""
    return bool(geo.districts["population"].notna().any())


def district_stats(state: ControlState, geo: Geography, theatre: Theatre, *,
                   by: str = "province", label: str = "all") -> pd.DataFrame:
    """Districts, area and population under each status, per scope, with a ``total`` row.

    ``by`` is ``province`` (scope = province P-code), ``region`` (the ``region`` column of
    the provinces layer) or ``all`` (one scope, ``all``, for everything resolved, named
    ``label``). Areas come from the boundaries' ``area_km2`` (computed in an equal-area
    projection when absent); population from the boundaries' ``population``: districts
    without a figure count as 0, and when no district has one the population is missing
    (``<NA>``), never 0. Sites never change these numbers: a district counts under its own
    status.
    """
    if by not in SCOPES:
        raise InputError(f"by must be one of {', '.join(SCOPES)}, not {by!r}")
    d = state.districts
    if by == "province":
        scope = d["province"]
        names = geo.provinces["name"]
    elif by == "region":
        scope = d["province"].map(geo.provinces["region"])
        names = None
    else:
        scope = pd.Series("all", index=d.index)
        names = None
    frame = pd.DataFrame({
        "scope": scope,
        "status": pd.Categorical(d["status"], categories=theatre.status_ids),
        "districts": 1,
        # of those districts, how many rest on a stale record (see mapgen.evidence)
        "stale": d["stale"].astype(int) if "stale" in d else 0,
        "area_km2": d["area_km2"].astype(float),
        "population": d["population"].fillna(0).astype("int64"),
    })
    counted = has_population(geo)
    measures = ["districts", "stale", "area_km2", "population"]
    grouped = frame.groupby(["scope", "status"], observed=False)[measures].sum().reset_index()
    totals = frame.groupby("scope")[measures].sum().reset_index()
    totals["status"] = "total"
    out = pd.concat([grouped.astype({"status": str}), totals], ignore_index=True)
    order = {s: i for i, s in enumerate((*theatre.status_ids, "total"))}
    out["_o"] = out["status"].map(order)
    out = out.sort_values(["scope", "_o"]).drop(columns="_o").reset_index(drop=True)
    if names is not None:
        out["name"] = out["scope"].map(names)
    else:
        out["name"] = out["scope"].replace({"all": label})
    out["area_km2"] = out["area_km2"].round(1)
    out["districts"] = out["districts"].astype("int64")
    out["stale"] = out["stale"].astype("int64")
    out["population"] = out["population"].astype("Int64")
    if not counted:
        out["population"] = pd.array([pd.NA] * len(out), dtype="Int64")
    return out[COLUMNS]


def stats_series(states: Iterable[ControlState], geo: Geography, theatre: Theatre, *,
                 by: str = "province", label: str = "all") -> pd.DataFrame:
    """:func:`district_stats` for each state, with a leading ``date`` column."""
    frames = []
    done: dict[int, pd.DataFrame] = {}  # states read from one table share frames per change
    kept = []
    for state in states:
        kept.append(state)  # keeps each id() below from being reused
        key = id(state.districts)
        if key not in done:
            done[key] = district_stats(state, geo, theatre, by=by, label=label)
        table = done[key].copy()
        table.insert(0, "date", state.date.isoformat())
        frames.append(table)
    return pd.concat(frames, ignore_index=True)


def capital_falls(states: list[ControlState], theatre: Theatre) -> list[tuple[dt.date, str]]:
    """(date, name) of each fall of a capital (a site with a ``capital`` in ``sites.csv``),
    for marking on charts: its district turns to one of the theatre's ``capitals.falls_to``
    statuses from any other; or, when the theatre names none, passes from one side to
    another (a siege lifted, held again by the same side, is no change)."""
    if not states:
        return []
    capitals = states[0].sites[states[0].sites["capital"] != ""]
    districts = [d for d in sorted(set(capitals["district"])) if d in states[0].districts.index]
    falls_to = set(theatre.capital_falls_to)
    last: dict[str, str | None] = {}  # the last side to hold each capital
    for d in districts:
        first = states[0].districts.loc[d, "status"]
        last[d] = first if first in theatre.sides else None
    falls = []
    for prev, cur in itertools.pairwise(states):
        if cur.districts is prev.districts:  # the same column of the table: no change
            continue
        for d in districts:
            row, before = cur.districts.loc[d], prev.districts.loc[d, "status"]
            status = row["status"]
            if falls_to:
                fell = status in falls_to and before != status
            else:
                fell = status in theatre.sides and last[d] is not None and status != last[d]
            if status in theatre.sides:
                last[d] = status
            if fell:
                falls.append((row["since"] or cur.date, str(row["name"])))
    return sorted(falls)


#: The formats :func:`plot_series` writes.
PLOT_FORMATS = ("png", "svg", "pdf")


def plot_series(states: list[ControlState], geo: Geography, theatre: Theatre, *,
                measure: str = "population", title: str = "", fmt: str = "png") -> bytes:
    """A chart (``fmt``: png, svg or pdf): stacked areas of ``measure`` (population,
    districts or area_km2) by status over the states' dates, with each capital changing hands
    marked. Text is never parsed as mathtext: a ``$`` in a name stays a ``$``."""
    import matplotlib as mpl

    if measure not in ("population", "districts", "area_km2"):
        raise InputError(f"measure must be population, districts or area_km2, not {measure!r}")
    if measure == "population" and not has_population(geo):
        raise InputError("the boundaries give no population: "
                         "plot measure='districts' or 'area_km2' (--measure)")
    if fmt not in PLOT_FORMATS:
        raise InputError(f"plot format {fmt!r}: use png, svg or pdf")
    rc: dict[str, Any] = {"text.parse_math": False, "text.usetex": False,
                          "svg.hashsalt": "mapgen", "svg.fonttype": "none"}
    with mpl.rc_context(rc), warnings.catch_warnings():  # type: ignore[arg-type]
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        return _plot_series(states, geo, theatre, measure=measure, title=title, fmt=fmt)


def _plot_series(states: list[ControlState], geo: Geography, theatre: Theatre, *,
                 measure: str, title: str, fmt: str) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    styles = theatre.statuses
    series = stats_series(states, geo, theatre, by="all")
    series = series[series["status"] != "total"]
    wide = series.pivot(index="date", columns="status", values=measure).reindex(
        columns=list(theatre.status_ids)).astype(float).fillna(0)
    days: Any = [dt.date.fromisoformat(d) for d in wide.index]  # matplotlib takes dates
    fig = Figure(figsize=(10, 5.2), dpi=160)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    scale = 1e6 if measure == "population" else 1
    ax.stackplot(days, *[wide[s.status] / scale for s in styles],
                 colors=[s.colour for s in styles],
                 hatch=[("//" if s.pattern == "hatch" else "") for s in styles],
                 labels=[s.label for s in styles], edgecolor="white", linewidth=0.3)
    by_day: dict[Any, list[str]] = {}  # dates: matplotlib's converters take them
    for day, name in capital_falls(states, theatre):
        by_day.setdefault(day, []).append(name)
    for day, names in sorted(by_day.items()):
        ax.axvline(day, color="#222", linewidth=0.6, linestyle=":")
        ax.annotate(", ".join(names), (day, 0.99), xycoords=("data", "axes fraction"),
                    rotation=90, fontsize=7, va="top", ha="right", color="#222",
                    bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7})
    people = f"people (millions, {theatre.population_note})" if theatre.population_note \
        else "people (millions)"
    unit = {"population": people, "districts": "districts", "area_km2": "area (km²)"}[measure]
    ax.set_ylabel(unit)
    ax.set_xlim(days[0], days[-1])
    ax.set_title(title or f"{unit.split(' (')[0].capitalize()} by status", loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=9)
    ax.margins(x=0)
    fig.autofmt_xdate()
    fig.text(0.01, 0.01, " · ".join([*theatre.credit_lines(), theatre.capital_note]), fontsize=7,
             color="#444")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    import io

    buf = io.BytesIO()
    metadata: dict[str, Any] = {"png": {"Software": None}, "svg": {"Date": None},
                                "pdf": {"CreationDate": None}}[fmt]
    fig.savefig(buf, format=fmt, metadata=metadata)
    return buf.getvalue()
