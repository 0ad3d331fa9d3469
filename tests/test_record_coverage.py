"""What the shipped record must know: capitals until their fall, no silent gaps in the north,
no "unknown ->" changes in the focus provinces, and no warnings."""

from __future__ import annotations

import datetime as dt
import re

import mapgen
from mapgen import api

from .conftest import DATA, ROOT, run_cli

FOCUS = ("AF19", "AF22", "AF28")


def _capitals(ds: mapgen.Dataset) -> list[str]:
    return [s.site_id for s in ds.records.sites.values() if s.kind == "city"]


def test_every_capital_known_every_day_until_its_fall(ds: mapgen.Dataset) -> None:
    capitals = _capitals(ds)
    assert len(capitals) == len(ds.geo.provinces)
    days = mapgen.date_range("2021-05-01", "2021-09-07", "1d")
    states = {d: mapgen.status_on(ds, d, region="all").sites["status"] for d in days}
    for site in capitals:
        fell = next((d for d in days if states[d][site] == "taliban"), None)
        assert fell is not None, f"{site} never falls in the record"
        unknown = [d for d in days if d < fell and states[d][site] == "unknown"]
        assert not unknown, f"{site} unknown on {unknown[0]} before its fall on {fell}"


def test_north_unknowns_are_listed_in_gaps(ds: mapgen.Dataset) -> None:
    gaps = (DATA / "GAPS.md").read_text(encoding="utf-8")
    table = gaps.split("## Every district unknown", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"\bAF\d{4}\b", table))
    days = mapgen.date_range("2021-06-01", "2021-08-15", "1d")
    silent: set[str] = set()
    for d in days:
        dist = mapgen.status_on(ds, d, region="north").districts
        silent |= set(dist.index[dist["status"] == "unknown"])
    assert silent <= listed, f"unknown in the north but not in GAPS.md: {sorted(silent - listed)}"
    # and its table lists no north district that is in fact known on every day
    north = set(mapgen.status_on(ds, days[0], region="north").districts.index)
    stale = {c for c in listed & north if c not in silent}
    early = set()
    for d in mapgen.date_range("2021-05-01", "2021-05-31", "1d"):
        dist = mapgen.status_on(ds, d, region="north").districts
        early |= set(dist.index[dist["status"] == "unknown"])
    assert stale <= early, f"GAPS.md lists north districts that are never unknown: {sorted(stale - early)}"


def test_no_unknown_before_in_the_focus_provinces(ds: mapgen.Dataset) -> None:
    table = mapgen.change_table(ds, "2021-08-06", "2021-08-09")
    focus = table[table["province"].isin(FOCUS)]
    assert len(focus) > 10
    bad = focus[(focus["before"] == "unknown") | (focus["after"] == "unknown")]
    assert bad.empty, bad[["place", "before", "after"]].to_string()


def test_shipped_data_validates_without_warnings() -> None:
    r = run_cli("validate")
    assert r.code == 0, r.err
    assert re.search(r"; 0 warning\(s\)$", r.out.strip()), r.out
    assert "warning" not in r.err


def test_every_record_cites_a_source_published_on_or_after_it(ds: mapgen.Dataset) -> None:
    for rec in ds.records.control:
        published = [ds.records.sources[s].published for s in rec.sources]
        assert max(published) >= rec.date, rec
    assert all(isinstance(s.published, dt.date) for s in ds.records.sources.values())


def test_every_site_known_every_day_of_the_period(ds: mapgen.Dataset) -> None:
    """Facilities (governor's compounds, police HQs, prisons, bases, airports) have a status
    from the first day of the period to the last, whether from their own records or their
    district's."""
    start, end = ds.theatre.period
    days = mapgen.date_range(start, end, "1d")
    sites = list(ds.records.sites)
    assert len(sites) == len(set(sites)) > 40
    for d, state in zip(days, api.states_on(ds, days, ds.region("all")[0]), strict=True):
        status = state.sites["status"]
        unknown = sorted(status.index[status == "unknown"])
        assert not unknown, f"sites unknown on {d}: {unknown}"


def test_a_site_can_be_held_apart_from_everything_around_it(ds: mapgen.Dataset) -> None:
    """A position held by a status no district has that day (an evacuation enclave) shows as a
    remaining position, and its own records decide it against the country-wide one."""
    start, end = ds.theatre.period
    days = mapgen.date_range(start, end, "1d")
    found = []
    for d, state in zip(days, api.states_on(ds, days, ds.region("all")[0]), strict=True):
        held = set(state.districts["status"])
        apart = state.sites[~state.sites["status"].isin(held | {"unknown", "contested"})]
        for site in apart.index:
            assert bool(state.sites.loc[site, "position"]), (site, d)
            found.append((site, d))
    assert found, "the shipped record has no site held apart from every district"


def test_gaps_md_tables_are_current() -> None:
    """GAPS.md's two tables are exactly what scripts/gaps_table.py prints for the shipped data,
    and it has at least the district table."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "gaps_table.py")],
                         capture_output=True, text=True, check=True).stdout
    gaps = (DATA / "GAPS.md").read_text(encoding="utf-8")
    assert out.count("\n\n") == 1
    for table in out.strip().split("\n\n"):
        assert table.strip() in gaps, (
            f"GAPS.md is stale: run scripts/gaps_table.py --write data/events/GAPS.md\n{table[:400]}")


def test_readme_console_examples_print_what_the_readme_shows() -> None:
    """Every ```console block of the README that runs a read-only mapgen command prints, on the
    shipped data, exactly the lines the README shows (the numbers quoted there stay true)."""
    import shlex

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```console\n\$ (mapgen [^\n]+)\n(.*?)```", text, flags=re.S)
    checked = 0
    for command, shown in blocks:
        args = shlex.split(command)[1:]
        if args[0] not in {"stats", "status", "coverage", "places"} or "--out" in args:
            continue
        r = run_cli(*args)
        assert r.code == 0, r.err
        assert r.out.strip() == shown.strip(), f"README's `{command}` is stale:\n{r.out}"
        checked += 1
    assert checked >= 1
