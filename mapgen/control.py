"""As-of resolution: who held each province, district and site on a date, and what changed."""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

from .geography import Geography
from .records import Record, Records
from .theatre import UNKNOWN, Theatre


class History:
    """Every place's records in date order, for fast look-ups on many dates."""

    def __init__(self, records: Records) -> None:
        by_place: dict[str, list[Record]] = defaultdict(list)
        for rec in records.control:  # already sorted by date
            by_place[rec.place].append(rec)
        self._records = dict(by_place)
        self._dates = {p: [r.date for r in recs] for p, recs in by_place.items()}

    def at(self, place: str, day: dt.date) -> Record | None:
        """The latest record for ``place`` dated on or before ``day``."""
        dates = self._dates.get(place)
        if not dates:
            return None
        i = bisect.bisect_right(dates, day)
        return self._records[place][i - 1] if i else None

    def change_dates(self, places: set[str] | None = None) -> list[dt.date]:
        return sorted({r.date for p, recs in self._records.items()
                       if places is None or p in places for r in recs})


@dataclass(frozen=True)
class ControlState:
    """The resolved picture on one date.

    ``districts``, ``provinces`` and ``sites`` are DataFrames indexed by P-code or site id with
    columns ``status``, ``since`` (date of the record in force, or None), ``held_since`` (the
    day that status began), ``sources`` (tuple of source ids), ``note``, ``confidence`` and
    ``via`` (the place whose record decided it: the place itself, its province or the
    country). Districts and provinces also carry ``name``, ``name_local`` (the second name),
    ``population`` and ``area_km2``; sites carry ``name, kind, lat, lon, precision, district,
    province, capital`` and ``position`` (see :func:`is_position`).
    """

    date: dt.date
    districts: pd.DataFrame
    provinces: pd.DataFrame
    sites: pd.DataFrame


def _row(rec: Record | None, held: dt.date | None = None) -> dict[str, object]:
    if rec is None:
        return {"status": UNKNOWN, "since": None, "held_since": None, "sources": (), "note": "",
                "confidence": "", "via": ""}
    return {"status": rec.status, "since": rec.date, "held_since": held or rec.date,
            "sources": rec.sources, "note": rec.note, "confidence": rec.confidence,
            "via": rec.place}


def held_since(history: History, places: tuple[str, ...], rec: Record) -> dt.date:
    """The first day of the unbroken run of ``rec``'s status that ``rec`` belongs to: later
    reports that repeat a status do not move the day it began."""
    start = rec.date
    while True:
        prev = deciding_record(history, places, start - dt.timedelta(days=1))
        if prev is None or prev.status != rec.status:
            return start
        start = prev.date


def _decide(history: History, places: tuple[str, ...], day: dt.date) -> dict[str, object]:
    rec = deciding_record(history, places, day)
    return _row(rec, held_since(history, places, rec) if rec is not None else None)


def deciding_record(history: History, places: tuple[str, ...], day: dt.date) -> Record | None:
    """The record that decides a place on ``day``, given the place and the areas containing
    it, most specific first (district, province, country): the latest record among them, and
    of records of the same date the most specific. So a province record sets all its districts
    and a country record all provinces, unless a more specific record of the same or a later
    date says otherwise."""
    best: Record | None = None
    for place in places:  # most specific first: a tie keeps the earlier (more specific) one
        rec = history.at(place, day)
        if rec is not None and (best is None or rec.date > best.date):
            best = rec
    return best


def district_record(history: History, district: str, province: str, day: dt.date,
                    country: str = "") -> Record | None:
    """The record that decides a district on ``day`` (see :func:`deciding_record`)."""
    return deciding_record(history, (district, province, country), day)


def is_position(site_status: str, district_status: str, theatre: Theatre) -> bool:
    """A remaining position: a site held by a side (a status the theatre marks as a side)
    other than the one holding its district, in a district whose status is known. A site in a
    contested district counts; a contested site does not (no side holds it)."""
    return (site_status in theatre.sides and district_status != UNKNOWN
            and district_status != site_status)


def resolve(
    records: Records, geo: Geography, day: dt.date, *, provinces: list[str] | None = None,
    history: History | None = None,
) -> ControlState:
    """Resolve the status of every province, district and site on ``day``.

    Parameters
    ----------
    records, geo
        Validated records and the boundaries they refer to.
    day
        The date; records dated on it count.
    provinces
        Limit the result to these province P-codes (all when omitted).
    history
        A prepared :class:`History`, to reuse across many dates.
    """
    if not isinstance(day, dt.date):  # text such as "2021-08-08", as the rest of the API takes
        from .records import parse_date

        day = parse_date(str(day))
    hist = history or History(records)
    prov_codes = provinces if provinces is not None else list(geo.provinces.index)
    wanted = set(prov_codes)
    dist = geo.districts[geo.districts["province_pcode"].isin(wanted)]
    drows = []
    country = str(geo.country.index[0])
    for code, province in zip(dist.index, dist["province_pcode"], strict=True):
        drows.append({"pcode": code, "province": province,
                      **_decide(hist, (code, province, country), day)})
    districts = pd.DataFrame(drows).set_index("pcode")
    districts = districts.join(dist[["name", "name_local", "population", "area_km2"]])
    prows = [{"pcode": code, "province": code, **_decide(hist, (code, country), day)}
             for code in prov_codes]
    provs = pd.DataFrame(prows).set_index("pcode").join(
        geo.provinces[["name", "name_local", "population", "area_km2"]]
    ).sort_index()
    srows = []
    for site in records.sites.values():
        province = str(geo.districts.loc[site.district, "province_pcode"])
        if province not in wanted:
            continue
        # a site follows area-wide records (its province's, the country's) but not its
        # district's, which describe the district centre, not every facility in it
        row = _decide(hist, (site.site_id, province, country), day)
        district_status = districts.loc[site.district, "status"]
        srows.append({
            "site_id": site.site_id, "name": site.name, "kind": site.kind, "lat": site.lat,
            "lon": site.lon, "precision": site.precision, "district": site.district,
            "province": province, "capital": site.capital, **row,
            "position": is_position(str(row["status"]), str(district_status), records.theatre),
        })
    sites = pd.DataFrame(srows, columns=[
        "site_id", "name", "kind", "lat", "lon", "precision", "district", "province", "capital",
        "status", "since", "held_since", "sources", "note", "confidence", "via", "position"])
    sites = sites.set_index("site_id").sort_index()
    return ControlState(day, districts.sort_index(), provs, sites)


def status_table(state: ControlState, geo: Geography, theatre: Theatre) -> pd.DataFrame:
    """One row per province, district and site: ``place, name, level, kind, province,
    district, status, since, held_since, sources, confidence, via, note, districts``.

    ``since`` is the date of the record in force and ``held_since`` the day its status began
    (earlier records with the same status). A province row carries the province-level (or
    country-level) record only; ``districts`` sums up its districts' statuses."""
    rows = []
    for code, r in state.provinces.iterrows():
        mine = state.districts[state.districts["province"] == code]["status"].value_counts()
        summary = "; ".join(f"{s} {mine[s]}" for s in theatre.status_ids if s in mine)
        rows.append({"place": code, "name": r["name"], "level": "province", "kind": "province",
                     "province": code, "district": "", **_cells(r), "districts": summary})
    for code, r in state.districts.iterrows():
        rows.append({"place": code, "name": r["name"], "level": "district", "kind": "district",
                     "province": r["province"], "district": code, **_cells(r), "districts": ""})
    for code, r in state.sites.iterrows():
        rows.append({"place": code, "name": r["name"], "level": "site", "kind": r["kind"],
                     "province": r["province"], "district": r["district"], **_cells(r),
                     "districts": ""})
    table = pd.DataFrame(rows)
    order = {"province": 0, "district": 1, "site": 2}
    table["_o"] = table["level"].map(order)
    return table.sort_values(["province", "_o", "place"]).drop(columns="_o").reset_index(drop=True)


def _cells(r: pd.Series) -> dict[str, object]:
    return {"status": r["status"], "since": r["since"].isoformat() if r["since"] else "",
            "held_since": r["held_since"].isoformat() if r["held_since"] else "",
            "sources": ";".join(r["sources"]), "confidence": r["confidence"],
            "via": r["via"], "note": r["note"]}


def changes(before: ControlState, after: ControlState, geo: Geography,
            theatre: Theatre) -> pd.DataFrame:
    """Places whose status differs between two states: ``place, name, level, province,
    before, after, changed_on, when, sources, note``; ``when`` is ``on`` when the place's own
    record dates the change and ``by`` when a province- or country-wide record does. Rows are
    by date of change, then importance (capitals, other sites, provinces, districts), then
    name."""
    a = status_table(before, geo, theatre).set_index("place")
    b = status_table(after, geo, theatre).set_index("place")
    common = a.index.intersection(b.index)
    # a province row carries only a province-wide (or country-wide) record: with none on one
    # side its "unknown" means "no province-wide record", not a change of hands, which its
    # districts' rows show
    area_wide = (a.loc[common, "level"] != "province") | (
        (a.loc[common, "via"] != "") & (b.loc[common, "via"] != ""))
    changed = a.loc[common, "status"] != b.loc[common, "status"]
    diff = common[(changed & area_wide).to_numpy()]
    out = pd.DataFrame({
        "place": diff,
        "name": b.loc[diff, "name"].to_numpy(),
        "level": b.loc[diff, "level"].to_numpy(),
        "province": b.loc[diff, "province"].to_numpy(),
        "before": a.loc[diff, "status"].to_numpy(),
        "after": b.loc[diff, "status"].to_numpy(),
        "changed_on": b.loc[diff, "since"].to_numpy(),
        # "by": the status comes from a province- or country-wide record, whose date is when
        # the area was reported, not when this place changed hands (e.g. the 15 August collapse)
        "when": ["by" if via not in ("", place) else "on"
                 for place, via in zip(diff, b.loc[diff, "via"], strict=True)],
        "sources": b.loc[diff, "sources"].to_numpy(),
        "note": b.loc[diff, "note"].to_numpy(),
    })
    # by date, then importance: capitals, other sites, provinces, districts
    capital = after.sites["capital"].to_dict() if "capital" in after.sites else {}
    out["_o"] = [(0 if capital.get(p) else 1) if lvl == "site"
                 else {"province": 2, "district": 3}.get(lvl, 4)
                 for p, lvl in zip(out["place"], out["level"], strict=True)]
    out["_d"] = out["changed_on"].fillna("").astype(str)
    return (out.sort_values(["_d", "_o", "name", "place"], kind="stable")
            .drop(columns=["_o", "_d"]).reset_index(drop=True))
