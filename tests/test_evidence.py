"""Evidence has an age: stale contested or low-confidence records, and "by" dates."""

from __future__ import annotations

import datetime as dt

import pytest

import mapgen


def test_age_and_stale_follow_the_rule(ds: mapgen.Dataset) -> None:
    limit = ds.theatre.stale_after_days
    assert limit == 14
    day = dt.date(2021, 7, 20)
    d = mapgen.status_on(ds, day, region="all").districts
    sides = ds.theatre.sides
    for code, r in d.iterrows():
        if r["since"] is None:
            assert pd_na(r["age_days"]) and not r["stale"], code
            continue
        assert r["age_days"] == (day - r["since"]).days, code
        weak = r["status"] not in sides or r["confidence"] == "low"
        assert r["stale"] == (weak and r["age_days"] > limit), code
    # the rule is not vacuous on the shipped data
    assert d["stale"].sum() > 0 and (~d["stale"] & d["since"].notna()).sum() > 0


def pd_na(value: object) -> bool:
    import pandas as pd

    return value is pd.NA or value is None


def test_stats_count_stale_apart(ds: mapgen.Dataset) -> None:
    table = mapgen.stats_table(ds, "2021-07-20", region="all", by="all")
    d = mapgen.status_on(ds, "2021-07-20", region="all").districts
    for row in table.itertuples():
        if row.status == "total":
            assert row.stale == int(d["stale"].sum())
        else:
            assert row.stale == int(d.loc[d["status"] == row.status, "stale"].sum())
            assert row.stale <= row.districts


def test_collapse_dates_changes_by_not_on(ds: mapgen.Dataset) -> None:
    table = mapgen.change_table(ds, "2021-08-14", "2021-08-16", region="all")
    state = mapgen.status_on(ds, "2021-08-16", region="all")
    decided = {**state.districts["via"].to_dict(), **state.sites["via"].to_dict(),
               **state.provinces["via"].to_dict()}
    assert {"on", "by"} <= set(table["when"])
    for r in table.itertuples():
        assert r.when == ("by" if decided[r.place] not in ("", r.place) else "on"), r.place
    # a district that fell in the collapse with no record of its own is dated "by 15 August"
    by_collapse = table[(table["when"] == "by") & (table["changed_on"] == "2021-08-15")]
    assert len(by_collapse) > 20


def test_stale_after_days_is_checked(tmp_path, data_copy) -> None:  # type: ignore[no-untyped-def]
    toml = data_copy / "theatre.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("stale_after_days = 14",
                                                             "stale_after_days = -3"),
                    encoding="utf-8")
    from .conftest import run_cli

    r = run_cli("validate", "--data", str(data_copy))
    assert r.code == 2 and "evidence.stale_after_days" in r.err and "Traceback" not in r.err


@pytest.mark.browser
def test_page_draws_stale_apart_and_says_by(browser, ds, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from .conftest import run_cli
    from .pagecheck import open_page

    day = "2021-07-20"
    out = tmp_path / "stale.html"
    r = run_cli("render", "--date", day, "--region", "all", "--out", str(out), "-q")
    assert r.code == 0, r.err
    page, log = open_page(browser, out)
    assert log.page_errors == [] and log.console_errors == []
    state = mapgen.status_on(ds, day, region="all").districts
    drawn = dict(page.eval_on_selector_all(
        "path.mapgen-district",
        "els => els.map(e => [e.getAttribute('data-pcode'), e.getAttribute('data-stale')])"))
    assert drawn == {c: ("1" if s else "0") for c, s in state["stale"].items()}
    assert page.locator(".mapgen-stale-key").count() == 1
    # the popup of the largest stale district says when it was last reported
    stale = state[state["stale"]].sort_values("area_km2", ascending=False)
    code = stale.index[0]
    page.click(f"path.mapgen-district[data-pcode='{code}']", force=True)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    age = (dt.date.fromisoformat(day) - stale.loc[code, "since"]).days
    assert f"{age} days ago: stale" in popup.inner_text()


@pytest.mark.browser
def test_popup_says_by_for_an_area_wide_record(browser, ds, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from .conftest import run_cli
    from .pagecheck import open_page

    day = "2021-08-20"
    out = tmp_path / "by.html"
    assert run_cli("render", "--date", day, "--out", str(out), "-q").code == 0
    page, _ = open_page(browser, out)
    d = mapgen.status_on(ds, day).districts
    by_area = d[d["by_area"]].sort_values("area_km2", ascending=False)
    code = by_area.index[0]
    page.click(f"path.mapgen-district[data-pcode='{code}']", force=True)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert f"by {by_area.loc[code, 'held_since'].isoformat()}" in popup.inner_text()
