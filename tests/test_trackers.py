"""Published tracker counts beside the record's own (trackers.csv, coverage --trackers)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import mapgen

from .conftest import DATA, run_cli


def test_comparison_counts_are_ours_on_each_date(ds: mapgen.Dataset) -> None:
    table = mapgen.api.tracker_comparison(ds)
    assert len(table) >= 3
    for row in table.itertuples():
        state = mapgen.status_on(ds, row.date, region="all").districts["status"]
        assert row.districts == len(ds.geo.districts)
        for status in ("government", "taliban", "contested", "unknown"):
            assert getattr(row, f"ours_{status}") == int((state == status).sum())
            assert getattr(row, f"ours_{status}_pct") == round(100 * (state == status).mean(), 1)
        # the tracker's share is its count over its own total
        if row.taliban != "":
            assert row.taliban_pct == round(100 * row.taliban / row.total, 1)


def test_csv_from_the_cli(ds: mapgen.Dataset) -> None:
    r = run_cli("coverage", "--trackers", "--format", "csv")
    assert r.code == 0, r.err
    lines = r.out.strip().splitlines()
    assert lines[0].startswith("date,tracker,unit,total,districts,")
    assert len(lines) - 1 == len(mapgen.api.tracker_comparison(ds))


@pytest.mark.parametrize(("row", "message"), [
    ("2021-07-01,T,centres,10,taliban,11,{src},", "count: '11': more than the total 10"),
    ("2021-07-01,T,centres,10,winners,3,{src},", "status: 'winners'"),
    ("2021-07-01,T,centres,10,taliban,3,no-such-source,", "source: 'no-such-source': no such"),
    ("2021-07-01,T,centres,x,taliban,3,{src},", "total: 'x': not a whole number"),
    ("2021-07-01,T,centres,10,taliban,٣,{src},", "count: '٣': not a whole number"),
    ("2031-07-01,T,centres,10,taliban,3,{src},", "date: '2031-07-01'"),
])
def test_bad_tracker_rows_exit_2(tmp_path: Path, row: str, message: str) -> None:
    data = tmp_path / "events"
    shutil.copytree(DATA, data)
    (tmp_path / "boundaries").symlink_to(DATA.parent / "boundaries")  # as theatre.toml names it
    src = "trk-aan-2021-07-24-fallen-districts"
    with (data / "trackers.csv").open("a", encoding="utf-8") as fh:
        fh.write(row.format(src=src) + "\n")
    lines = (data / "trackers.csv").read_text(encoding="utf-8").strip().count("\n") + 1
    r = run_cli("coverage", "--trackers", "--data", str(data))
    assert r.code == 2
    assert "Traceback" not in r.err
    assert f"trackers.csv:{lines}: {message}" in r.err


def test_totals_must_agree_within_one_count(tmp_path: Path) -> None:
    data = tmp_path / "events"
    shutil.copytree(DATA, data)
    (tmp_path / "boundaries").symlink_to(DATA.parent / "boundaries")  # as theatre.toml names it
    src = "trk-aan-2021-07-24-fallen-districts"
    with (data / "trackers.csv").open("a", encoding="utf-8") as fh:
        fh.write(f"2021-07-02,T,centres,10,taliban,3,{src},\n2021-07-02,T,centres,12,contested,3,{src},\n")
    r = run_cli("coverage", "--trackers", "--data", str(data))
    assert r.code == 2 and "gives T on 2021-07-02 a total of 10" in r.err


def test_no_trackers_file_is_fine(tmp_path: Path) -> None:
    data = tmp_path / "events"
    shutil.copytree(DATA, data)
    (tmp_path / "boundaries").symlink_to(DATA.parent / "boundaries")  # as theatre.toml names it
    (data / "trackers.csv").unlink()
    r = run_cli("coverage", "--trackers", "--data", str(data))
    assert r.code == 0 and "no tracker counts" in r.out


def test_validate_checks_trackers(data_copy: Path) -> None:
    with (data_copy / "trackers.csv").open("a", encoding="utf-8") as fh:
        fh.write("2021-07-01,T,centres,10,taliban,11,trk-aan-2021-07-24-fallen-districts,\n")
    r = run_cli("validate", "--data", str(data_copy))
    assert r.code == 2 and "count: '11': more than the total 10" in r.err
