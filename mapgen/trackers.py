"""Published counts of other trackers, set beside the record's own counts on the same dates.

A theatre may ship ``trackers.csv``: one row per count a tracker published, in long form
(``date, tracker, unit, total, status, count, source, note``): on ``date`` the tracker
counted ``count`` of its ``total`` units (``unit`` says what it counts, e.g. district centres)
under ``status`` (a status of the theatre, or ``other``). :func:`compare` puts the record's own
counts of districts on the same dates beside them, as numbers and as shares, since trackers
count different units and totals."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import DataError
from .records import Records, Source, _Reader

FILE = "trackers.csv"
OTHER = "other"


@dataclass(frozen=True)
class Count:
    date: dt.date
    tracker: str
    unit: str
    total: int
    status: str
    count: int
    source: str
    note: str
    line: int


def _int(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() else None


def read(folder: Path, statuses: tuple[str, ...], sources: dict[str, Source]) -> list[Count]:
    """The tracker counts of a theatre folder (none when it has no ``trackers.csv``).

    Raises
    ------
    mapgen.errors.DataError
        With every problem, located by file, line and field.
    """
    rd = _Reader(folder)
    out: list[Count] = []
    totals: dict[tuple[str, dt.date], tuple[int, int]] = {}
    allowed = (*statuses, OTHER)
    for line, row in rd.rows(FILE):
        day = rd.date(FILE, line, "date", row["date"])
        ok = day is not None
        ok &= rd.choice(FILE, line, "status", row["status"], allowed)
        for fld in ("tracker", "unit"):
            if not row[fld]:
                rd.problem(FILE, line, fld, "", "empty")
                ok = False
        total, count = _int(row["total"]), _int(row["count"])
        if total is None or total < 1:
            rd.problem(FILE, line, "total", row["total"], "not a whole number above 0")
            ok = False
        if count is None:
            rd.problem(FILE, line, "count", row["count"], "not a whole number")
            ok = False
        elif total is not None and count > total:
            rd.problem(FILE, line, "count", row["count"], f"more than the total {total}")
            ok = False
        src = sources.get(row["source"])
        if src is None:
            rd.problem(FILE, line, "source", row["source"], "no such source_id in sources.csv")
            ok = False
        elif day is not None and src.published < day:
            rd.problem(FILE, line, "date", row["date"],
                       f"after the source was published ({src.published})")
            ok = False
        if not ok or day is None or total is None or count is None:
            continue
        key = (row["tracker"], day)
        first = totals.setdefault(key, (total, line))
        if first[0] != total:
            rd.problem(FILE, line, "total", row["total"],
                       f"line {first[1]} gives {row['tracker']} on {day} a total of {first[0]}")
            continue
        out.append(Count(day, row["tracker"], row["unit"], total, row["status"], count,
                         row["source"], row["note"], line))
    errors = [p for p in rd.problems if p.severity == "error"]
    if errors:
        raise DataError(rd.problems)
    return out


def compare(counts: list[Count], ours: dict[dt.date, pd.Series], statuses: tuple[str, ...]
            ) -> pd.DataFrame:
    """One row per tracker and date: the tracker's counts and shares beside ours.

    ``ours`` maps each date to the status of every district on it. Columns: ``date, tracker,
    unit, total, districts`` (ours), then per status ``<status>`` (theirs, blank where they
    gave none), ``<status>_pct``, ``ours_<status>``, ``ours_<status>_pct``, and ``source``,
    ``note``."""
    rows = []
    groups: dict[tuple[dt.date, str], list[Count]] = {}
    for c in counts:
        groups.setdefault((c.date, c.tracker), []).append(c)
    for (day, tracker), cs in sorted(groups.items()):
        mine = ours[day]
        n = len(mine)
        row: dict[str, object] = {"date": day.isoformat(), "tracker": tracker, "unit": cs[0].unit,
                                  "total": cs[0].total, "districts": n}
        given = {c.status: c.count for c in cs}
        for s in (*statuses, OTHER):
            theirs = given.get(s)
            if s != OTHER or theirs is not None:
                row[s] = "" if theirs is None else theirs
                row[f"{s}_pct"] = "" if theirs is None else round(100 * theirs / cs[0].total, 1)
            if s != OTHER:
                k = int((mine == s).sum())
                row[f"ours_{s}"] = k
                row[f"ours_{s}_pct"] = round(100 * k / n, 1) if n else 0.0
        row["source"] = ";".join(sorted({c.source for c in cs}))
        row["note"] = " ".join(dict.fromkeys(c.note for c in cs if c.note))
        rows.append(row)
    return pd.DataFrame(rows)


def for_records(records: Records, statuses: tuple[str, ...]) -> list[Count]:
    return read(records.folder, statuses, records.sources)
