"""The places x dates table agrees with the record-by-record definition of resolution."""

from __future__ import annotations

import datetime as dt

import pytest

import mapgen
from mapgen import control


def _reference(ds: mapgen.Dataset, day: dt.date) -> dict[str, tuple[object, ...]]:
    """Status, record in force and held-since for every place, by the definition (one
    bisect per place and an explicit walk back through the run)."""
    hist = control.History(ds.records)
    geo = ds.geo
    country = str(geo.country.index[0])
    out = {}
    for code, prov in zip(geo.districts.index, geo.districts["province_pcode"], strict=True):
        out[code] = tuple(control._decide(hist, (code, prov, country), day)[k]
                          for k in ("status", "since", "held_since", "via"))
    for code in geo.provinces.index:
        out[code] = tuple(control._decide(hist, (code, country), day)[k]
                          for k in ("status", "since", "held_since", "via"))
    for site in ds.records.sites.values():
        prov = str(geo.districts.loc[site.district, "province_pcode"])
        out[site.site_id] = tuple(control._decide(hist, (site.site_id, prov, country), day)[k]
                                  for k in ("status", "since", "held_since", "via"))
    return out


def test_table_matches_the_definition_on_every_date(ds: mapgen.Dataset) -> None:
    dates = sorted({r.date for r in ds.records.control})
    # record days, the days either side of them, and a day before every record
    days = sorted({dates[0] - dt.timedelta(days=3), *dates[::3],
                   *(d - dt.timedelta(days=1) for d in dates[1::5]),
                   dates[-1] + dt.timedelta(days=40)})
    states = control.resolve_many(ds.records, ds.geo, days)
    assert len(states) == len(days)
    for day, state in zip(days, states, strict=True):
        want = _reference(ds, day)
        for frame in (state.districts, state.provinces, state.sites):
            got = {code: (r.status, r.since, r.held_since, r.via)
                   for code, r in zip(frame.index, frame.itertuples(), strict=True)}
            assert got == {c: want[c] for c in got}, day


def test_table_has_one_column_per_change_not_per_day(ds: mapgen.Dataset) -> None:
    start = dt.date(2021, 9, 10)  # after the last records: two years with nothing new
    days = mapgen.date_range(start, start + dt.timedelta(days=730))
    table = control.resolve_table(ds.records, ds.geo, days)
    assert table.d_rec.shape[1] == 1
    assert len(set(table.column.tolist())) == 1
    summer = mapgen.date_range("2021-07-01", "2021-08-31")
    table = control.resolve_table(ds.records, ds.geo, summer)
    record_days = {r.date for r in ds.records.control
                   if dt.date(2021, 7, 1) < r.date <= dt.date(2021, 8, 31)}
    assert table.d_rec.shape[1] == len(record_days) + 1


@pytest.mark.parametrize("day", ["2021-08-08", "2021-08-15"])
def test_states_read_from_one_table(ds: mapgen.Dataset, day: str) -> None:
    state = mapgen.status_on(ds, day, region="all")
    assert state.table is not None
    one = control.resolve(ds.records, ds.geo, mapgen.as_date(day))
    assert state.districts["status"].equals(one.districts["status"])


def test_coverage_from_the_table_matches_the_states(ds: mapgen.Dataset) -> None:
    days = mapgen.date_range("2021-05-01", "2021-08-20", "5d")
    known, gaps = mapgen.coverage(ds, "2021-05-01", "2021-08-20", step="5d", region="north")
    provinces, _ = ds.region("north")
    for day in days:
        dist = mapgen.status_on(ds, day, region="north").districts
        ok = dist[dist["status"] != "unknown"]
        want = [int((ok["province"] == p).sum()) for p in provinces]
        assert known[day.isoformat()].tolist() == want, day
    states = [mapgen.status_on(ds, d, region="north").districts["status"] for d in days]
    never_gap = [c for c in states[0].index if all(s[c] != "unknown" for s in states)]
    assert set(gaps["place"]) == set(states[0].index) - set(never_gap)
    for row in gaps.itertuples():
        flags = [s[row.place] != "unknown" for s in states]
        assert row.unknown_dates == flags.count(False)
        first = next((d.isoformat() for d, f in zip(days, flags, strict=True) if f), "")
        assert row.first_known == first


def test_a_theatre_with_no_records_resolves_to_unknown(ds: mapgen.Dataset) -> None:
    import dataclasses

    empty = dataclasses.replace(ds.records, control=())
    states = control.resolve_many(empty, ds.geo, [dt.date(2021, 8, 1), dt.date(2021, 8, 2)],
                                  provinces=["AF19"])
    for state in states:
        assert set(state.districts["status"]) == {"unknown"}
        assert not state.sites["position"].any()
