"""ACLED event data in, as proposed control records for a person to review.

Only ACLED's territory-change events become proposals. Each is placed by point in polygon on
the theatre's districts (or on a site within :data:`SITE_RADIUS_KM` of a point that ACLED
geo-codes to the town itself), given the status of the actor that takes the territory (from a
two-column ``actor,status`` table), and cited as the ACLED event. Every event that is not
turned into a proposal is listed with the reason. Nothing is added to the theatre: the output
is a folder with ``control.csv``, ``sources.csv`` and ``skipped.csv`` to read and append.

The file is read as a stream, one row at a time: a whole country over years of events is
hundreds of thousands of rows, nearly all of them not territory changes."""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import shapely

from .errors import DataError, InputError, MissingFileError, Problem

#: The columns an ACLED export has that the import reads.
COLUMNS = ("event_id_cnty", "event_date", "event_type", "sub_event_type", "actor1", "actor2",
           "admin1", "admin2", "location", "latitude", "longitude", "geo_precision",
           "time_precision", "source", "notes")
#: ACLED's sub-event types that record a change of who holds territory.
TERRITORY_CHANGES = ("Non-state actor overtakes territory", "Government regains territory",
                     "Non-violent transfer of territory")
#: How near a site must be to an event geo-coded to the town itself (geo_precision 1).
SITE_RADIUS_KM = 2.0
CITATION = ("Armed Conflict Location & Event Data Project (ACLED); www.acleddata.com")
ACLED_URL = "https://acleddata.com/"
_MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"), start=1)}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]+")


def parse_event_date(text: str) -> dt.date:
    """``2021-08-08`` or ACLED's ``08 August 2021`` (month names in English, any case)."""
    text = text.strip()
    m = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", text)
    if m:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    m = re.fullmatch(r"([0-9]{1,2})[ -]([A-Za-z]+)[ -]([0-9]{4})", text)
    if m and m[2].lower() in _MONTHS:
        return dt.date(int(m[3]), _MONTHS[m[2].lower()], int(m[1]))
    raise ValueError(text)


def _clean(text: str, limit: int = 400) -> str:
    """One line of plain text: control and direction characters out, runs of space folded."""
    text = " ".join(_CONTROL.sub(" ", text).split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _number(text: str) -> float | None:
    if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text.strip()):
        return None
    return float(text)


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on a sphere of the Earth's mean radius."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0088 * 2 * math.asin(math.sqrt(min(1.0, a)))


def read_actors(path: str | os.PathLike[str], statuses: tuple[str, ...]) -> dict[str, str]:
    """The ``actor,status`` table: which ACLED actor (exact name) stands for which status."""
    p = Path(path)
    if not p.is_file():
        raise MissingFileError(f"no actors file {p}")
    problems: list[Problem] = []
    out: dict[str, str] = {}
    with p.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ("actor", "status") if c not in (reader.fieldnames or [])]
        if missing:
            raise DataError([Problem(p.name, 1, "header", ",".join(reader.fieldnames or []),
                                     f"missing column(s): {', '.join(missing)}",
                                     "the actors file has columns actor,status")])
        for row in reader:
            line = reader.line_num
            actor, status = (row["actor"] or "").strip(), (row["status"] or "").strip()
            if not actor:
                problems.append(Problem(p.name, line, "actor", "", "empty"))
            elif status not in statuses:
                problems.append(Problem(p.name, line, "status", status, "not a status of the theatre",
                                        "one of " + ", ".join(statuses)))
            elif actor in out and out[actor] != status:
                problems.append(Problem(p.name, line, "actor", actor,
                                        f"already mapped to {out[actor]!r}"))
            else:
                out[actor] = status
    if problems:
        raise DataError(problems)
    return out


@dataclass
class Skip:
    event_id: str
    line: int
    reason: str
    detail: str = ""


@dataclass
class ImportResult:
    """What :func:`import_acled` read, proposed and skipped."""

    events: int = 0
    control: list[dict[str, str]] = field(default_factory=list)
    sources: list[dict[str, str]] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)

    def summary(self) -> str:
        reasons = Counter(s.reason for s in self.skipped)
        told = "; ".join(f"{n} {r}" for r, n in reasons.most_common())
        return (f"{self.events} events read, {len(self.control)} proposed record(s), "
                f"{len(self.skipped)} skipped" + (f" ({told})" if told else ""))


def _rows(path: Path) -> Iterator[tuple[int, str, dict[str, str] | None]]:
    """``(line, event id, row)`` per event; ``row`` is None for events that are not a
    territory change, which are most of an export and need nothing more than their id."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        names = next(reader, [])
        missing = [c for c in COLUMNS if c not in names]
        if missing:
            raise DataError([Problem(path.name, 1, "header", ",".join(names)[:200],
                                     f"not an ACLED export: missing column(s) {', '.join(missing)}",
                                     "export from ACLED with its standard columns")])
        at = [names.index(c) for c in COLUMNS]
        i_id, i_sub = at[0], at[COLUMNS.index("sub_event_type")]
        width = max(at) + 1
        wanted = frozenset(TERRITORY_CHANGES)
        for cells in reader:
            if len(cells) < width:
                yield reader.line_num, (cells[i_id] if len(cells) > i_id else ""), {}
            elif cells[i_sub].strip() not in wanted:
                yield reader.line_num, cells[i_id], None
            else:
                yield reader.line_num, cells[i_id], dict(zip(COLUMNS, (cells[i] for i in at),
                                                             strict=True))


def import_acled(path: str | os.PathLike[str], actors: dict[str, str], dataset: object, *,
                 period: tuple[dt.date, dt.date] | None = None) -> ImportResult:
    """Turn an ACLED export into proposed records for ``dataset``'s theatre.

    Parameters
    ----------
    path
        An ACLED CSV export (standard columns; dates as ``2021-08-08`` or ``08 August 2021``).
    actors
        ACLED actor name to theatre status (:func:`read_actors`).
    dataset
        A :class:`mapgen.api.Dataset`: its districts place the events, its sites take events
        geo-coded to the town, its records rule out proposals that repeat or contradict them.
    period
        Events outside these dates (inclusive) are skipped.
    """
    from .api import Dataset

    if not isinstance(dataset, Dataset):
        raise InputError("dataset must be a mapgen Dataset (from mapgen.load())")
    p = Path(path)
    if not p.is_file():
        raise MissingFileError(f"no ACLED file {p}")
    geo, records = dataset.geo, dataset.records
    codes = list(geo.districts.index)
    tree = shapely.STRtree(list(geo.districts.geometry))
    existing = {(r.place, r.date): r for r in records.control}
    result = ImportResult()
    proposed: dict[tuple[str, dt.date], dict[str, str]] = {}
    for line, raw_id, row in _rows(p):
        result.events += 1
        if row is None:
            result.skipped.append(Skip(_clean(raw_id, 60), line, "not a territory change"))
            continue
        eid = _clean(raw_id, 60)

        def skip(reason: str, detail: str = "", *, _eid: str = eid, _line: int = line) -> None:
            result.skipped.append(Skip(_eid, _line, reason, _clean(detail, 200)))

        if not row:
            skip("row has fewer fields than the header")
            continue
        if not eid:
            skip("no event id")
            continue
        try:
            day = parse_event_date(row["event_date"])
        except ValueError:
            skip("bad date", row["event_date"])
            continue
        if period and not period[0] <= day <= period[1]:
            skip("date outside the theatre's period", day.isoformat())
            continue
        status = actors.get(row["actor1"].strip())
        if status is None:
            skip("unmapped actor", row["actor1"])
            continue
        if row["time_precision"].strip() == "3":
            skip("date only known to the month (time_precision 3)", day.isoformat())
            continue
        geo_precision = row["geo_precision"].strip()
        if geo_precision == "3":
            skip("place only known to the province (geo_precision 3)", row["location"])
            continue
        lat, lon = _number(row["latitude"]), _number(row["longitude"])
        if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            skip("no usable coordinates", f"{row['latitude']}, {row['longitude']}")
            continue
        hits = tree.query(shapely.Point(lon, lat), predicate="intersects")
        if len(hits) == 0:
            skip("point outside every district", f"{lat}, {lon}")
            continue
        district = str(codes[int(min(hits))])
        place = district
        if geo_precision == "1":
            near = sorted((_km(lat, lon, s.lat, s.lon), s.site_id) for s in records.sites.values())
            if near and near[0][0] <= SITE_RADIUS_KM:
                place = near[0][1]
        source_id = "acled-" + re.sub(r"[^a-z0-9]+", "-", eid.lower()).strip("-")
        if source_id in records.sources:
            skip("already imported", source_id)
            continue
        known = existing.get((place, day))
        if known is not None:
            same = known.status == status
            skip("already recorded" if same else "contradicts an existing record",
                 f"control.csv line {known.line}: {place} {day} {known.status}")
            continue
        confidence = ("medium" if row["time_precision"].strip() == "1" and geo_precision == "1"
                      else "low")
        key = (place, day)
        if key in proposed:
            earlier = proposed[key]
            if earlier["status"] != status:
                skip("contradicts another event of the same place and day", earlier["sources"])
                continue
            earlier["sources"] += ";" + source_id
            result.sources.append(_source(row, eid, source_id, day))
            continue
        note = _clean(f"ACLED {eid}: {row['sub_event_type']} at {row['location']} "
                      f"({row['admin1']}/{row['admin2']}), {row['actor1']}; {row['notes']}")
        rec = {"date": day.isoformat(), "place": place, "status": status, "note": note,
               "sources": source_id, "confidence": confidence}
        proposed[key] = rec
        result.control.append(rec)
        result.sources.append(_source(row, eid, source_id, day))
    result.control.sort(key=lambda r: (r["date"], r["place"]))
    return result


def _source(row: dict[str, str], eid: str, source_id: str, day: dt.date) -> dict[str, str]:
    title = _clean(f"ACLED event {eid}: {row['sub_event_type']}, {row['location']} "
                   f"(reported by {row['source']})", 300)
    return {"source_id": source_id, "publisher": CITATION, "title": title,
            "published": day.isoformat(), "url": ACLED_URL}


def write_proposals(result: ImportResult, out_dir: str | Path, *, overwrite: bool = False) -> list[Path]:
    """Write ``control.csv``, ``sources.csv`` (the theatre's own columns) and ``skipped.csv``
    to ``out_dir``; existing files there are kept unless ``overwrite``."""
    from .files import write_atomic

    out = Path(out_dir)
    names = ("control.csv", "sources.csv", "skipped.csv")
    if not overwrite:
        there = [n for n in names if (out / n).exists()]
        if there:
            raise InputError(f"{out} already has {', '.join(there)}: give an empty folder "
                             "(or overwrite=True / --overwrite)")
    tables: dict[str, tuple[list[str], list[list[str]]]] = {
        "control.csv": (["date", "place", "status", "note", "sources", "confidence"], []),
        "sources.csv": (["source_id", "publisher", "title", "published", "url"], []),
        "skipped.csv": (["event_id_cnty", "line", "reason", "detail"],
                        [[s.event_id, str(s.line), s.reason, s.detail] for s in result.skipped]),
    }
    for name, rows in (("control.csv", result.control), ("sources.csv", result.sources)):
        cols, out_rows = tables[name]
        out_rows.extend([r[c] for c in cols] for r in rows)
    import io

    written = []
    for name in names:
        cols, body = tables[name]
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(cols)
        w.writerows(body)
        written.append(write_atomic(out / name, buf.getvalue()))
    return written
