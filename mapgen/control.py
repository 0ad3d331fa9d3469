"""As-of resolution: who held each province, district and site on a date, and what changed."""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import arrays
from .geography import Geography
from .model import Record, Site
from .records import Records
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
    #: The table this state was read from, and its date's column (page data is built from
    #: the table's arrays, not from the frames).
    table: Resolution | None = field(default=None, repr=False, compare=False)
    column: int = 0


@dataclass(frozen=True)
class TableDay:
    """Day ``column`` (an index into ``table.days``) of a :class:`Resolution`, for the page
    builders, which read the table's arrays: a page of many days builds no frames for them
    (:meth:`Resolution.state` builds a :class:`ControlState`'s frames)."""

    date: dt.date
    table: Resolution
    column: int


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
        Accepted for compatibility; the table (:func:`resolve_table`) needs none.
    """
    if not isinstance(day, dt.date):  # text such as "2021-08-08", as the rest of the API takes
        from .records import parse_date

        day = parse_date(str(day))
    return resolve_table(records, geo, [day], provinces=provinces).state(0)


def resolve_many(records: Records, geo: Geography, days: list[dt.date], *,
                 provinces: list[str] | None = None) -> list[ControlState]:
    """The state on each of ``days``, all read from one :class:`Resolution`."""
    table = resolve_table(records, geo, days, provinces=provinces)
    return [table.state(k) for k in range(len(days))]


@dataclass(frozen=True, eq=False)
class Resolution:
    """The record in force for every province, district and site of a region on every one
    of ``days``, computed once and vectorised.

    The deciding record changes only on days that have records, so the table has one column
    per distinct *effective day* (the latest record date on or before a requested day), and
    ``column`` maps each requested day to its column: the cost grows with the changes, not
    with the number of days. ``*_rec`` hold indices into ``records.control`` (-1: no record),
    ``*_held`` the ordinal of the day the status began.
    """

    days: tuple[dt.date, ...]
    column: np.ndarray
    records: Records
    geo: Geography
    province_codes: list[str]
    district_codes: list[str]
    district_province: np.ndarray  # row of each district's province
    site_ids: list[str]
    site_district: np.ndarray  # row of each site's district
    site_province: list[str]
    d_rec: np.ndarray
    d_held: np.ndarray
    p_rec: np.ndarray
    p_held: np.ndarray
    s_rec: np.ndarray
    s_held: np.ndarray
    status: np.ndarray  # legend index of each record's status, and UNKNOWN's last (for -1)
    sides: np.ndarray  # legend indices of the statuses that mean a side holds a place
    _frames: dict[int, tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]] = field(
        default_factory=dict, repr=False)

    def district_status(self, k: int | None = None) -> np.ndarray:
        """Legend indices (``theatre.index``) of the districts' statuses, per column or on
        day ``k``."""
        rec = self.d_rec if k is None else self.d_rec[:, self.column[k]]
        return self.status[rec]

    def positions(self, col: int) -> np.ndarray:
        """Remaining positions in a column (see :func:`is_position`): sites held by a side
        other than the one holding their district, in a district whose status is known."""
        return arrays.positions(self.status, self.sides, self.s_rec[:, col],
                                self.d_rec[:, col], self.site_district)

    def day(self, k: int) -> TableDay:
        """Day ``k`` for the page builders, without frames (see :class:`TableDay`)."""
        return TableDay(self.days[k], self, k)

    def state(self, k: int) -> ControlState:
        """The :class:`ControlState` on ``days[k]``, built from the table's columns."""
        col = int(self.column[k])
        if col not in self._frames:  # days in one column share their frames
            self._frames[col] = self._state_frames(col)
        districts, provs, sites = self._frames[col]
        return ControlState(self.days[k], districts, provs, sites, self, k)

    def _state_frames(self, col: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        recs = self.records.control
        geo = self.geo
        dist = geo.districts.loc[self.district_codes]
        districts = pd.DataFrame(
            {"province": dist["province_pcode"].to_numpy(),
             **_columns(recs, self.d_rec[:, col], self.d_held[:, col])},
            index=pd.Index(self.district_codes, name="pcode"))
        districts = districts.join(dist[["name", "name_local", "population", "area_km2"]])
        provs = pd.DataFrame(
            {"province": self.province_codes,
             **_columns(recs, self.p_rec[:, col], self.p_held[:, col])},
            index=pd.Index(self.province_codes, name="pcode")).join(
            geo.provinces[["name", "name_local", "population", "area_km2"]]).sort_index()
        site_objs = [self.records.sites[s] for s in self.site_ids]
        sites = pd.DataFrame({
            "site_id": self.site_ids,
            "name": [s.name for s in site_objs], "kind": [s.kind for s in site_objs],
            "lat": [s.lat for s in site_objs], "lon": [s.lon for s in site_objs],
            "precision": [s.precision for s in site_objs],
            "district": [s.district for s in site_objs], "province": self.site_province,
            "capital": [s.capital for s in site_objs],
            **_columns(recs, self.s_rec[:, col], self.s_held[:, col]),
            "position": self.positions(col),
        }, columns=["site_id", "name", "kind", "lat", "lon", "precision", "district", "province",
                    "capital",
                    "status", "since", "held_since", "sources", "note", "confidence", "via",
                    "position"])
        sites = sites.set_index("site_id").sort_index()
        return districts.sort_index(), provs, sites


def _columns(recs: tuple[Record, ...], rec: np.ndarray, held: np.ndarray) -> dict[str, Any]:
    """The frame columns of records ``rec`` (-1: none) and their held-since ordinals."""
    used = {int(i) for i in np.unique(rec) if i >= 0}
    get = {i: recs[i] for i in used}
    rows = [get.get(int(i)) for i in rec]
    days = {int(h): dt.date.fromordinal(int(h)) for h in np.unique(held) if h > 0}
    return {
        "status": [r.status if r else UNKNOWN for r in rows],
        "since": [r.date if r else None for r in rows],
        "held_since": [days[int(h)] if r else None for r, h in zip(rows, held, strict=True)],
        "sources": [r.sources if r else () for r in rows],
        "note": [r.note if r else "" for r in rows],
        "confidence": [r.confidence if r else "" for r in rows],
        "via": [r.place if r else "" for r in rows],
    }


@dataclass(frozen=True)
class Places:
    """The places of a region that can decide something, and what decides each."""

    country: str
    province_codes: list[str]
    district_codes: list[str]
    district_province: list[str]  # P-code of each district's province
    sites: list[Site]  # by id
    site_province: list[str]
    #: country, provinces, districts and sites: a place's id is its position here
    places: list[str]
    #: per district, province and site: the ids of the places whose records decide it,
    #: most specific first (-1 pads)
    d_chain: np.ndarray
    p_chain: np.ndarray
    s_chain: np.ndarray
    site_district: np.ndarray  # row of each site's district


def region_places(records: Records, geo: Geography, provinces: list[str] | None = None
                  ) -> Places:
    """The :class:`Places` of ``provinces`` (all when omitted)."""
    prov_codes = list(provinces) if provinces is not None else list(geo.provinces.index)
    wanted = set(prov_codes)
    dist = geo.districts[geo.districts["province_pcode"].isin(wanted)]
    country = str(geo.country.index[0])
    dcodes = list(dist.index)
    dprov = [str(p) for p in dist["province_pcode"]]
    province_of = dict(zip(geo.districts.index, geo.districts["province_pcode"].astype(str),
                           strict=True))  # one look-up per site, not a frame indexer each
    site_objs = sorted((s for s in records.sites.values()
                        if province_of[s.district] in wanted), key=lambda s: s.site_id)
    site_ids = [s.site_id for s in site_objs]
    site_prov = [province_of[s.district] for s in site_objs]
    # every place that can decide something gets an id
    places = [country, *prov_codes, *dcodes, *site_ids]
    pid = {p: i for i, p in enumerate(places)}
    c = pid[country]
    d_chain = np.array([[pid[d], pid[p], c] for d, p in zip(dcodes, dprov, strict=True)],
                       dtype=np.int64).reshape(-1, 3)
    p_chain = np.array([[pid[p], c, -1] for p in prov_codes], dtype=np.int64).reshape(-1, 3)
    # a site follows area-wide records (its province's, the country's) but not its
    # district's, which describe the district centre, not every facility in it
    s_chain = np.array([[pid[s], pid[p], c] for s, p in zip(site_ids, site_prov, strict=True)],
                       dtype=np.int64).reshape(-1, 3)
    drow = {d: i for i, d in enumerate(dcodes)}
    return Places(country, prov_codes, dcodes, dprov, site_objs, site_prov, places,
                  d_chain, p_chain, s_chain,
                  np.array([drow[s.district] for s in site_objs], dtype=np.int64))


def resolve_table(records: Records, geo: Geography, days: list[dt.date], *,
                  provinces: list[str] | None = None) -> Resolution:
    """The :class:`Resolution` of ``provinces`` (all when omitted) on ``days``."""
    days = [d if isinstance(d, dt.date) else _parse(d) for d in days]
    pl = region_places(records, geo, provinces)
    theatre = records.theatre
    index = arrays.RecordIndex.of(records.control, {p: i for i, p in enumerate(pl.places)},
                                  theatre.index)
    ords = np.array([d.toordinal() for d in days], dtype=np.int64)
    cols, column = arrays.columns(index, ords)
    d_rec, d_held = arrays.table(index, pl.d_chain, cols)
    p_rec, p_held = arrays.table(index, pl.p_chain, cols)
    s_rec, s_held = arrays.table(index, pl.s_chain, cols)
    prow = {p: i for i, p in enumerate(pl.province_codes)}
    return Resolution(
        days=tuple(days), column=column, records=records, geo=geo,
        province_codes=pl.province_codes, district_codes=pl.district_codes,
        district_province=np.array([prow[p] for p in pl.district_province], dtype=np.int64),
        site_ids=[s.site_id for s in pl.sites], site_district=pl.site_district,
        site_province=pl.site_province, d_rec=d_rec, d_held=d_held, p_rec=p_rec, p_held=p_held,
        s_rec=s_rec, s_held=s_held, status=arrays.status_legend(index, theatre.index),
        sides=arrays.side_legend(theatre.index, theatre.sides))


def _parse(value: object) -> dt.date:
    from .records import parse_date

    return parse_date(str(value))


def status_table(state: ControlState, geo: Geography, theatre: Theatre) -> pd.DataFrame:
    """One row per province, district and site: ``place, name, level, kind, province,
    district, status, since, held_since, sources, confidence, via, note, districts``.

    ``since`` is the date of the record in force and ``held_since`` the day its status began
    (earlier records with the same status). A province row carries the province-level (or
    country-level) record only; ``districts`` sums up its districts' statuses."""
    d, p, st = state.districts, state.provinces, state.sites
    counts = pd.crosstab(d["province"], d["status"]) if len(d) else pd.DataFrame()
    summary = {code: "; ".join(f"{s} {int(row[s])}" for s in theatre.status_ids
                               if s in row.index and row[s] > 0)
               for code, row in counts.iterrows()}  # one row per province, not per district
    parts = [
        _frame_cells(p, level="province", kind="province", province=p.index, district="",
                     districts=[summary.get(c, "") for c in p.index]),
        _frame_cells(d, level="district", kind="district", province=d["province"],
                     district=d.index, districts=""),
        _frame_cells(st, level="site", kind=st["kind"], province=st["province"],
                     district=st["district"], districts=""),
    ]
    table = pd.concat(parts, ignore_index=True)
    order = {"province": 0, "district": 1, "site": 2}
    table["_o"] = table["level"].map(order)
    return table.sort_values(["province", "_o", "place"]).drop(columns="_o").reset_index(drop=True)


def _frame_cells(frame: pd.DataFrame, **fixed: Any) -> pd.DataFrame:
    """:func:`_cells` for every row of a state's frame at once, with the ``fixed`` columns."""
    def iso(values: pd.Series) -> list[str]:
        return [v.isoformat() if v else "" for v in values]

    out = pd.DataFrame({
        "place": frame.index.to_numpy(), "name": frame["name"].to_numpy(),
        "level": fixed["level"], "kind": _values(fixed["kind"]),
        "province": _values(fixed["province"]), "district": _values(fixed["district"]),
        "status": frame["status"].to_numpy(), "since": iso(frame["since"]),
        "held_since": iso(frame["held_since"]),
        "sources": [";".join(s) for s in frame["sources"]],
        "confidence": frame["confidence"].to_numpy(), "via": frame["via"].to_numpy(),
        "note": frame["note"].to_numpy(), "districts": _values(fixed["districts"]),
    }, columns=["place", "name", "level", "kind", "province", "district", "status", "since",
                "held_since", "sources", "confidence", "via", "note", "districts"])
    return out


def _values(v: Any) -> Any:
    return v.to_numpy() if isinstance(v, pd.Series | pd.Index) else v


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
        # the area was reported, not when this place changed hands (e.g. a country-wide collapse)
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
