"""Counts, area (km², equal-area) and population by status, per scope and date."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from typing import Any

import pandas as pd

from .control import ControlState
from .errors import InputError
from .geography import Geography
from .records import STATUSES

SCOPES = ("province", "region", "all")
COLUMNS = ["scope", "name", "status", "districts", "area_km2", "population"]


def district_stats(state: ControlState, geo: Geography, *, by: str = "province",
                   label: str = "all") -> pd.DataFrame:
    """Districts, area and population under each status, per scope, with a ``total`` row.

    ``by`` is ``province`` (scope = province P-code), ``region`` (the UNAMA region of the
    provinces layer) or ``all`` (one scope, ``all``, for everything resolved, named ``label``). Areas come
    from the boundaries' ``area_km2`` (computed in an equal-area projection when the
    boundaries were built); population is the CSO 2019-20 estimate, and the few districts
    without a figure count as 0. Sites never change these numbers: a district counts under
    its own status.
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
        "status": pd.Categorical(d["status"], categories=STATUSES),
        "districts": 1,
        "area_km2": d["area_km2"].astype(float),
        "population": d["population"].fillna(0).astype("int64"),
    })
    grouped = frame.groupby(["scope", "status"], observed=False)[
        ["districts", "area_km2", "population"]].sum().reset_index()
    totals = frame.groupby("scope")[["districts", "area_km2", "population"]].sum().reset_index()
    totals["status"] = "total"
    out = pd.concat([grouped.astype({"status": str}), totals], ignore_index=True)
    order = {s: i for i, s in enumerate((*STATUSES, "total"))}
    out["_o"] = out["status"].map(order)
    out = out.sort_values(["scope", "_o"]).drop(columns="_o").reset_index(drop=True)
    if names is not None:
        out["name"] = out["scope"].map(names)
    else:
        out["name"] = out["scope"].replace({"all": label})
    out["area_km2"] = out["area_km2"].round(1)
    out["districts"] = out["districts"].astype("int64")
    out["population"] = out["population"].astype("int64")
    return out[COLUMNS]


def stats_series(states: Iterable[ControlState], geo: Geography, *, by: str = "province",
                 label: str = "all") -> pd.DataFrame:
    """:func:`district_stats` for each state, with a leading ``date`` column."""
    frames = []
    done: dict[int, pd.DataFrame] = {}  # states read from one table share frames per change
    kept = []
    for state in states:
        kept.append(state)  # keeps each id() below from being reused
        key = id(state.districts)
        if key not in done:
            done[key] = district_stats(state, geo, by=by, label=label)
        table = done[key].copy()
        table.insert(0, "date", state.date.isoformat())
        frames.append(table)
    return pd.concat(frames, ignore_index=True)


def capital_falls(states: list[ControlState]) -> list[tuple[dt.date, str]]:
    """(date, name) of each provincial capital district (P-code ending in ``01``) that turns
    ``taliban`` between consecutive states, for marking on charts."""
    falls = []
    for prev, cur in itertools.pairwise(states):
        d = cur.districts
        if d is prev.districts:  # the same column of the table: nothing changed
            continue
        capital = d.index.astype(str).str.endswith("01")
        before = prev.districts["status"].reindex(d.index)
        fell = capital & (d["status"] == "taliban").to_numpy() & (before != "taliban").to_numpy()
        for since, name in zip(d["since"][fell], d["name"][fell], strict=True):
            falls.append((since or cur.date, str(name)))
    return sorted(falls)


def plot_series(states: list[ControlState], geo: Geography, *, measure: str = "population",
                title: str = "") -> bytes:
    """A PNG: stacked areas of ``measure`` (population, districts or area_km2) by status over
    the states' dates, with the fall of each provincial capital marked."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from .render.style import STATUS_STYLES

    if measure not in ("population", "districts", "area_km2"):
        raise InputError(f"measure must be population, districts or area_km2, not {measure!r}")
    series = stats_series(states, geo, by="all")
    series = series[series["status"] != "total"]
    wide = series.pivot(index="date", columns="status", values=measure).reindex(
        columns=list(STATUSES)).fillna(0)
    days: Any = [dt.date.fromisoformat(d) for d in wide.index]  # matplotlib takes dates
    fig = Figure(figsize=(10, 5.2), dpi=160)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    scale = 1e6 if measure == "population" else 1
    ax.stackplot(days, *[wide[s.status] / scale for s in STATUS_STYLES],
                 colors=[s.colour for s in STATUS_STYLES],
                 hatch=[("//" if s.pattern == "hatch" else "") for s in STATUS_STYLES],
                 labels=[s.label for s in STATUS_STYLES], edgecolor="white", linewidth=0.3)
    by_day: dict[Any, list[str]] = {}  # dates: matplotlib's converters take them
    for day, name in capital_falls(states):
        by_day.setdefault(day, []).append(name)
    for day, names in sorted(by_day.items()):
        ax.axvline(day, color="#222", linewidth=0.6, linestyle=":")
        ax.annotate(", ".join(names), (day, 0.99), xycoords=("data", "axes fraction"),
                    rotation=90, fontsize=7, va="top", ha="right", color="#222",
                    bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7})
    unit = {"population": "people (millions, CSO 2019-20)", "districts": "districts",
            "area_km2": "area (km²)"}[measure]
    ax.set_ylabel(unit)
    ax.set_xlim(days[0], days[-1])
    ax.set_title(title or f"{unit.split(' (')[0].capitalize()} by status", loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=9)
    ax.margins(x=0)
    fig.autofmt_xdate()
    fig.text(0.01, 0.01, "Boundaries: AGCHO / OCHA (COD-AB, 2018) · Population: CSO/NSIA "
             "estimates 2019-20 · dotted lines: fall of a provincial capital", fontsize=7,
             color="#444")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()
