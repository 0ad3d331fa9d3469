"""As-of resolution on the shipped records, through the API."""

from __future__ import annotations

import datetime as dt

import pytest

import mapgen
from mapgen import control


def test_latest_record_on_or_before_date(ds: mapgen.Dataset) -> None:
    # Sheberghan: contested from 6 August, fell 7 August (records dated that day count)
    assert mapgen.status_on(ds, "2021-08-05").districts.loc["AF2801", "status"] != "taliban"
    assert mapgen.status_on(ds, "2021-08-06").districts.loc["AF2801", "status"] == "contested"
    day7 = mapgen.status_on(ds, "2021-08-07").districts.loc["AF2801"]
    assert (day7["status"], day7["since"]) == ("taliban", dt.date(2021, 8, 7))
    # Kunduz city district, the seed report's day
    kunduz = mapgen.status_on(ds, "2021-08-08").districts.loc["AF1901"]
    assert (kunduz["status"], kunduz["via"]) == ("taliban", "AF1901")


def test_seed_facts(ds: mapgen.Dataset) -> None:
    state = mapgen.status_on(ds, "2021-08-08")
    sites = state.sites["status"]
    for town in ("sar-e-pul", "kunduz"):
        for facility in ("governor-compound", "police-hq", "nds"):
            assert sites[f"{town}-{facility}"] == "taliban", (town, facility)
    assert sites["sheberghan-governor-compound"] == "taliban"
    # positions still held: the army base in Sar-e-Pul, two areas of Kunduz, Balkhab district
    held = set(state.sites.index[state.sites["position"]])
    assert {"sar-e-pul-army-base", "kunduz-217-corps", "kunduz-airport"} <= held
    assert state.districts.loc["AF2207", "status"] == "government"
    # the positions are gone once the base and airport surrendered
    later = mapgen.status_on(ds, "2021-08-12")
    assert not later.sites.loc[["sar-e-pul-army-base", "kunduz-217-corps", "kunduz-airport"],
                               "position"].any()


def test_province_record_sets_districts_unless_district_is_as_recent(ds: mapgen.Dataset) -> None:
    state = mapgen.status_on(ds, "2021-08-09", region="Sar-e-Pul")
    d = state.districts
    # Kohestanat's own record (June) is older than the province record of 9 August
    assert (d.loc["AF2203", "status"], d.loc["AF2203", "via"]) == ("taliban", "AF22")
    assert d.loc["AF2203", "since"] == dt.date(2021, 8, 9)
    # Balkhab has its own record of the same date: it decides
    assert d.loc["AF2207", "via"] == "AF2207"
    # the day before, the province record does not yet exist
    before = mapgen.status_on(ds, "2021-08-08", region="Sar-e-Pul").districts
    assert before.loc["AF2203", "via"] == "AF2203"
    assert before.loc["AF2207", "status"] == "government"


def test_no_record_means_unknown(ds: mapgen.Dataset) -> None:
    state = mapgen.status_on(ds, "2021-08-08", region="all")
    # a district that no record (of its own, its province's or the country's) reaches yet
    decided = {r.place for r in ds.records.control if r.date <= dt.date(2021, 8, 8)}
    silent = [c for c, p in zip(state.districts.index, state.districts["province"], strict=True)
              if c not in decided and p not in decided and "AF" not in decided]
    assert silent, "the shipped records leave no district unknown on 8 Aug: pick another case"
    row = state.districts.loc[silent[0]]
    assert (row["status"], row["since"], row["sources"]) == ("unknown", None, ())
    # the day before the first record for Kunduz district, it is unknown
    first = min(r.date for r in ds.records.control if r.place in ("AF1901", "AF19", "AF"))
    early = mapgen.status_on(ds, first - dt.timedelta(days=1), region="Kunduz").districts
    assert early.loc["AF1901", "status"] == "unknown"
    assert mapgen.status_on(ds, first, region="Kunduz").districts.loc["AF1901", "status"] != "unknown"


def test_region_north_is_found_spatially(ds: mapgen.Dataset) -> None:
    codes, label = ds.region("north")
    assert codes == sorted(["AF22", "AF19", "AF28", "AF29", "AF21", "AF23", "AF10", "AF20",
                            "AF09", "AF18"])
    assert label == "Northern Afghanistan"
    assert len(ds.region("all")[0]) == 34
    assert ds.region("sari pul, Kondoz")[0] == ["AF19", "AF22"]


def test_unknown_region_suggests(ds: mapgen.Dataset) -> None:
    with pytest.raises(mapgen.InputError, match=r"unknown place 'Kundus'.*did you mean Kunduz \(AF19"):
        ds.region("Kundus")


def test_changes_between_dates(ds: mapgen.Dataset) -> None:
    before = mapgen.status_on(ds, "2021-08-06")
    after = mapgen.status_on(ds, "2021-08-09")
    table = control.changes(before, after, ds.geo, ds.theatre)
    changed = set(table["place"])
    assert {"AF1901", "AF2201", "AF2801", "AF1801"} <= changed
    assert "AF2105" not in changed  # unknown on both dates
    row = table.set_index("place").loc["AF2801"]
    assert (row["before"], row["after"], row["changed_on"]) == ("contested", "taliban", "2021-08-07")


def test_country_record_sets_everything_unless_more_specific(ds: mapgen.Dataset,
                                                             data_copy) -> None:
    from mapgen.records import load_records

    with open(data_copy / "sources.csv", "a", encoding="utf-8") as fh:
        fh.write("later,Test,Test,2021-09-20,https://example.org/t\n")
    with open(data_copy / "control.csv", "a", encoding="utf-8") as fh:
        fh.write("2021-09-16,AF,contested,test,later,low\n"
                 "2021-09-16,AF1901,government,test,later,low\n")
    recs = load_records(data_copy, ds.geo, ds.theatre)
    state = control.resolve(recs, ds.geo, dt.date(2021, 9, 16))
    # same date: the district's own record wins over the country's
    assert (state.districts.loc["AF1901", "status"], state.districts.loc["AF1901", "via"]) == \
        ("government", "AF1901")
    # every other district and every province takes the country record
    others = state.districts.drop(index="AF1901")
    assert set(others["status"]) == {"contested"} and set(others["via"]) == {"AF"}
    assert set(state.provinces["via"]) == {"AF"}
    # a day earlier nothing of it applies
    before = control.resolve(recs, ds.geo, dt.date(2021, 9, 15))
    assert "contested" not in set(before.districts.loc[before.districts["via"] == "AF", "status"])
    assert (before.districts["since"] == dt.date(2021, 9, 16)).sum() == 0


def test_collapse_of_15_august_in_shipped_records(ds: mapgen.Dataset) -> None:
    d = mapgen.status_on(ds, "2021-08-20", region="all").districts
    # Farkhar's last own record (8 Aug) was a government recapture: the country record decides
    assert (d.loc["AF1808", "status"], d.loc["AF1808", "via"]) == ("taliban", "AF")
    # Panjshir held out: its province record of the same date is more specific
    assert d.loc["AF0803", "via"] == "AF08" and d.loc["AF0803", "status"] != "taliban"
    assert mapgen.status_on(ds, "2021-08-14", region="all").districts.loc["AF1808", "via"] != "AF"


@pytest.mark.parametrize(
    ("spellings", "code"),
    [
        (["Sar-e-Pul", "Sar-i-Pul", "Sari Pul", "Sar-e Pol", "SAR E PUL", "سرپل"], "AF22"),
        (["Jawzjan", "Jowzjan", "jawzjan"], "AF28"),
        (["Sheberghan", "Shiberghan", "Shebergan"], "AF2801"),
        (["Kunduz", "Kondoz", "kunduz"], "AF19"),
        (["Taloqan", "Taluqan"], "AF1801"),
        (["Mazar-i-Sharif", "Mazar-e-Sharif", "mazar e sharif"], "AF2101"),
        (["Pul-e-Khumri", "Puli Khumri", "Pul-i-Khumri"], "AF0901"),
        (["Hilmand", "Helmand"], "AF30"),
        (["Herat", "Hirat"], "AF32"),
    ],
)
def test_news_spellings_resolve(ds: mapgen.Dataset, spellings: list[str], code: str) -> None:
    gaz = ds.records.gazetteer
    assert {gaz.resolve(s).code for s in spellings} == {code}


def test_every_province_and_capital_has_an_alias(ds: mapgen.Dataset) -> None:
    gaz = ds.records.gazetteer
    for code in ds.geo.provinces.index:
        assert gaz.places[code].aliases, code
        assert gaz.places[f"{code}01"].aliases, f"{code}01"


def test_held_since_and_record_in_force(ds: mapgen.Dataset) -> None:
    row = mapgen.status_on(ds, "2021-08-12", region="Kunduz").districts.loc["AF1901"]
    # a later report repeating the status does not move the day the status began
    assert row["held_since"] == dt.date(2021, 8, 8)
    assert row["since"] == dt.date(2021, 8, 11)


def test_held_since_resets_when_status_changes(ds: mapgen.Dataset) -> None:
    # Khan Abad: government from 1 May (inferred), a fall and recapture on 14 June kept as
    # government, Taliban again from 21 June, retaken in early July
    d = mapgen.status_on(ds, "2021-06-30", region="Kunduz").districts.loc["AF1904"]
    assert (d["status"], d["held_since"]) == ("taliban", dt.date(2021, 6, 21))
    d = mapgen.status_on(ds, "2021-06-15", region="Kunduz").districts.loc["AF1904"]
    assert (d["status"], d["since"], d["held_since"]) == \
        ("government", dt.date(2021, 6, 14), dt.date(2021, 5, 1))
    # a run that passes from the district's own records to the country's keeps its start
    k = mapgen.status_on(ds, "2021-08-20", region="Kunduz").districts.loc["AF1901"]
    assert (k["via"], k["since"], k["held_since"]) == \
        ("AF", dt.date(2021, 8, 15), dt.date(2021, 8, 8))


def test_sites_follow_area_wide_records(ds: mapgen.Dataset) -> None:
    sites = mapgen.status_on(ds, "2021-09-30", region="Jawzjan").sites
    # contested on 7 August; the country record of 15 August is later and area-wide
    assert (sites.loc["sheberghan-army-base", "status"], sites.loc["sheberghan-army-base", "via"]) \
        == ("taliban", "AF")
    # a district record does not decide a site: on 8 August Kunduz district fell, its airport held
    s8 = mapgen.status_on(ds, "2021-08-08", region="Kunduz").sites
    assert s8.loc["kunduz-airport", "status"] == "government"


def test_positions_need_a_district_known_lost(ds: mapgen.Dataset) -> None:
    state = mapgen.status_on(ds, "2021-08-08", region="all")
    district_status = state.districts["status"]
    for site, row in state.sites.iterrows():
        expected = row["status"] == "government" and \
            district_status[row["district"]] in ("taliban", "contested")
        assert bool(row["position"]) == expected, site


def test_region_lists_combine_and_refuse_districts(ds: mapgen.Dataset) -> None:
    codes, _ = ds.region("north,Badakhshan")
    assert codes == sorted([*ds.region("north")[0], "AF17"])
    with pytest.raises(mapgen.InputError, match=r"'AF1901' is a district, Kunduz \(AF1901\) "
                       r"in province Kunduz \(AF19\); here give a province"):
        ds.region("AF1901")
    with pytest.raises(mapgen.InputError, match="empty region"):
        ds.region(" , ")


def test_package_docstring_example_runs(ds: mapgen.Dataset) -> None:
    import doctest

    result = doctest.testmod(mapgen)
    assert (result.attempted, result.failed) == (3, 0)
    # the example names no side: it compares with the theatre's statuses
    doc = (mapgen.__doc__ or "").lower()
    sides = [s for s in ds.theatre.statuses if s.side]
    assert sides and [w for s in sides for w in (s.status, s.label) if w.lower() in doc] == []
