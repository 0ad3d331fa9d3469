"""Comparisons and timelines: the change table, the pages, and the slider in a real browser."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

import mapgen

from .conftest import OUTPUTS, run_cli
from .pagecheck import open_page


def test_change_table_between_6_and_9_august(ds: mapgen.Dataset) -> None:
    table = mapgen.change_table(ds, "2021-08-06", "2021-08-09")
    districts = table[table["level"] == "district"].set_index("place")
    # Kunduz, Sar-e-Pul, Sheberghan and Taloqan districts all changed hands
    for code in ("AF1901", "AF2201", "AF2801", "AF1801"):
        assert districts.loc[code, "after"] == "taliban", code
    assert districts.loc["AF1901", "changed_on"] == "2021-08-08"
    # and nothing that did not change is listed
    before = mapgen.status_table(ds, "2021-08-06").set_index("place")
    after = mapgen.status_table(ds, "2021-08-09").set_index("place")
    really_changed = set(before.index[before["status"] != after["status"]])
    # a province without a province-wide record on one side has no status of its own there:
    # its districts' rows carry the change
    no_area_record = set(before.index[(before["level"] == "province")
                                      & ((before["via"] == "") | (after["via"] == ""))])
    assert set(table["place"]) == really_changed - no_area_record
    assert "AF22" in really_changed & no_area_record  # Sar-e-Pul province: record from 9 Aug


def test_compare_cli_csv_and_json(ds: mapgen.Dataset) -> None:
    r = run_cli("compare", "--before", "2021-08-06", "--after", "2021-08-09", "--format", "csv")
    assert r.code == 0, r.err
    rows = list(csv.DictReader(io.StringIO(r.out)))
    assert list(rows[0]) == ["place", "name", "level", "province", "before", "after",
                             "changed_on", "when", "sources", "note"]
    api = mapgen.change_table(ds, "2021-08-06", "2021-08-09")
    assert [row["place"] for row in rows] == api["place"].tolist()
    r = run_cli("compare", "--before", "2021-08-06", "--after", "2021-08-09", "--format", "json",
                "--region", "Kunduz")
    assert {row["province"] for row in json.loads(r.out)} == {"AF19"}


def test_compare_rejects_reversed_dates(tmp_path: Path) -> None:
    r = run_cli("compare", "--before", "2021-08-09", "--after", "2021-08-06",
                "--out", str(tmp_path / "c.html"))
    assert r.code == 2
    assert "after 2021-08-06 must be later than before 2021-08-09" in r.err
    assert not (tmp_path / "c.html").exists()


def test_date_range_includes_end() -> None:
    days = mapgen.date_range("2021-08-01", "2021-08-10", "4d")
    assert [d.day for d in days] == [1, 5, 9, 10]
    with pytest.raises(mapgen.InputError, match="bad step '0d'"):
        mapgen.date_range("2021-08-01", "2021-08-10", "0d")


def test_timeline_writes_geometry_once(tmp_path: Path) -> None:
    one = tmp_path / "one.html"
    tl = tmp_path / "tl.html"
    assert run_cli("render", "--date", "2021-08-08", "--out", str(one), "-q").code == 0
    r = run_cli("timeline", "--start", "2021-07-01", "--end", "2021-08-29", "--out", str(tl), "-q")
    assert r.code == 0, r.err
    assert tl.stat().st_size < 1.3 * one.stat().st_size
    html = tl.read_text(encoding="utf-8")
    assert html.count('"geom":') == 2  # districts and provinces, once each


@pytest.mark.browser
def test_compare_page_in_browser(browser, tmp_path: Path, ds: mapgen.Dataset) -> None:
    out = tmp_path / "compare.html"
    assert run_cli("compare", "--before", "2021-08-06", "--after", "2021-08-09", "--out",
                   str(out), "-q").code == 0
    page, log = open_page(browser, out)
    assert (log.external, log.page_errors, log.console_errors) == ([], [], [])
    maps = page.locator(".leaflet-container")
    assert maps.count() == 2
    n = len(mapgen.status_on(ds, "2021-08-06").districts)
    assert maps.nth(0).locator("path.mapgen-district").count() == n
    assert maps.nth(1).locator("path.mapgen-district").count() == n
    table = mapgen.change_table(ds, "2021-08-06", "2021-08-09")
    rows = page.locator("table.mapgen-change-table tr[data-place]")
    assert rows.count() == len(table)
    assert [rows.nth(i).get_attribute("data-place") for i in range(rows.count())] == \
        table["place"].tolist()
    n_changed_districts = int((table["level"] == "district").sum())
    assert maps.nth(1).locator(".mapgen-change").count() == n_changed_districts + \
        int((table["level"] == "site").sum())
    # the two maps move together
    before = page.evaluate("mapgen.views[1].map.getZoom()")
    page.evaluate("mapgen.views[0].map.setZoom(mapgen.views[0].map.getZoom() + 1, {animate: false})")
    page.wait_for_function(f"mapgen.views[1].map.getZoom() === {before + 1}", timeout=5000)
    # a district popup on the "after" map, with its source links
    page.evaluate("mapgen.views[1].districtLayers[mapgen.views[1].data.districts.code.indexOf('AF2801')].openPopup()")
    popup = page.locator(".leaflet-popup-content").last
    assert popup.locator("h3").inner_text() == "Shiberghan"
    assert popup.locator("ul.mapgen-sources a").count() >= 1
    page.screenshot(path=str(OUTPUTS / "browser-compare.png"))
    page.context.close()


@pytest.mark.browser
def test_timeline_slider_matches_status(browser, tmp_path: Path, ds: mapgen.Dataset) -> None:
    out = tmp_path / "timeline.html"
    assert run_cli("timeline", "--start", "2021-08-01", "--end", "2021-08-15", "--step", "2d",
                   "--out", str(out), "-q").code == 0
    page, log = open_page(browser, out)
    assert (log.external, log.page_errors, log.console_errors) == ([], [], [])
    days = mapgen.date_range("2021-08-01", "2021-08-15", "2d")
    slider = page.locator("input.mapgen-slider")
    assert slider.get_attribute("max") == str(len(days) - 1)
    for i, day in enumerate(days):
        slider.fill(str(i))
        expected = mapgen.status_on(ds, day).districts["status"].to_dict()
        drawn = dict(page.eval_on_selector_all(
            "path.mapgen-district",
            "els => els.map(e => [e.getAttribute('data-pcode'), e.getAttribute('data-status')])"))
        assert drawn == expected, day
        label = f"{day.day} {day:%B %Y}"
        assert page.locator(".mapgen-timeline-date").inner_text() == label
        assert page.locator(".mapgen-title-date").inner_text() == label
        counts = page.locator(".mapgen-count").first.inner_text()
        n_gov = sum(1 for s in expected.values() if s == "government")
        assert re.match(rf"{n_gov} ·", counts), (day, counts)
    # play runs to the end by itself
    slider.fill("0")
    page.get_by_role("button", name="▶ Play").click()
    page.wait_for_function(f"mapgen.views[0].current === {len(days) - 1}", timeout=15_000)
    assert page.locator(".mapgen-timeline-date").inner_text() == "15 August 2021"
    page.screenshot(path=str(OUTPUTS / "browser-timeline.png"))
    assert (log.page_errors, log.console_errors) == ([], [])
    page.context.close()
