"""Pages in a real headless Chromium, offline: drawn, clickable, toggleable, no errors."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

import mapgen
import mapgen.records

from .conftest import OUTPUTS, STATUSES, THEATRE, run_cli
from .pagecheck import open_page

pytestmark = pytest.mark.browser


def _district_count(ds: mapgen.Dataset, region: str) -> int:
    provinces, _ = ds.region(region)
    return int(ds.geo.districts["province_pcode"].isin(provinces).sum())


def test_render_page_offline_and_interactive(browser, north_page, ds) -> None:
    page, log = open_page(browser, north_page)
    assert log.external == []
    assert log.page_errors == []
    assert log.console_errors == []
    assert page.locator(".leaflet-container").count() == 1
    assert page.locator("path.mapgen-district").count() == _district_count(ds, "north")
    # each district path carries its status, matching the API
    state = mapgen.status_on(ds, "2021-08-08")
    drawn = page.eval_on_selector_all(
        "path.mapgen-district",
        "els => els.map(e => [e.getAttribute('data-pcode'), e.getAttribute('data-status')])")
    assert dict(drawn) == state.districts["status"].to_dict()

    legend = page.locator(".mapgen-legend")
    assert legend.is_visible()
    for label in ("Government", "Taliban", "Contested", "Unknown (no record)"):
        assert legend.get_by_text(label, exact=True).is_visible()
    assert page.locator(".mapgen-title-date").inner_text() == "8 August 2021"
    page.screenshot(path=str(OUTPUTS / "browser-render-north.png"))

    # the layer control switches facilities and positions off and on
    sites = page.locator(".leaflet-marker-pane .mapgen-site")
    n_sites = sites.count()
    assert n_sites == len(state.sites)
    positions = page.locator(".leaflet-marker-pane .mapgen-position")
    assert positions.count() == int(state.sites["position"].sum())
    page.get_by_label("Facilities").uncheck()
    page.get_by_label(THEATRE.position_layer).uncheck()
    assert sites.count() == 0
    assert positions.count() == 0

    # a click on a district opens its popup with name, status and source links
    page.click("path.mapgen-district[data-pcode='AF1901']")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.locator("h3").inner_text() == "Kunduz"
    assert "Taliban" in popup.locator(".mapgen-status").inner_text()
    links = popup.locator("ul.mapgen-sources a")
    cited = state.districts.loc["AF1901", "sources"]
    assert links.count() == len(cited)
    hrefs = {links.nth(i).get_attribute("href") for i in range(links.count())}
    assert hrefs == {ds.records.sources[s].url for s in cited}

    page.get_by_label("Facilities").check()
    page.get_by_label(THEATRE.position_layer).check()
    assert sites.count() == n_sites
    assert positions.count() == int(state.sites["position"].sum())
    assert log.console_errors == [] and log.page_errors == [] and log.external == []
    page.context.close()


def test_whole_country_page_draws_every_district(browser, tmp_path, ds) -> None:
    out = tmp_path / "all.html"
    r = run_cli("render", "--date", "2021-08-15", "--region", "all", "--out", str(out), "-q")
    assert r.code == 0, r.err
    page, log = open_page(browser, out)
    assert (log.external, log.page_errors, log.console_errors) == ([], [], [])
    assert page.locator("path.mapgen-district").count() == 399
    labels = page.locator(".mapgen-place-province")
    assert labels.count() == 34
    statuses = set(page.eval_on_selector_all(
        "path.mapgen-district", "els => els.map(e => e.getAttribute('data-status'))"))
    assert statuses <= set(STATUSES) and "taliban" in statuses
    page.screenshot(path=str(OUTPUTS / "browser-render-all.png"))
    page.context.close()


def test_cdn_page_is_caught(browser, tmp_path) -> None:
    """A page that loads Leaflet from a CDN fails the offline check: the request is seen and
    the map never draws."""
    out = tmp_path / "online.html"
    r = run_cli("render", "--date", "2021-08-08", "--online-assets", "--out", str(out), "-q")
    assert r.code == 0, r.err
    page, log = open_page(browser, out)
    assert any(re.match(r"https://cdn\.jsdelivr\.net/npm/leaflet@", u) for u in log.external)
    assert any("L is not defined" in e for e in log.page_errors)
    assert page.locator("path.mapgen-district").count() == 0
    page.context.close()


def test_embedded_snippet_draws_inside_a_host_page(browser, tmp_path, ds) -> None:
    import html as htmlmod

    snippet = tmp_path / "snippet.html"
    r = run_cli("render", "--date", "2021-08-08", "--embed", "--width", "640", "--height", "420",
                "--out", str(snippet), "-q")
    assert r.code == 0, r.err
    text = snippet.read_text(encoding="utf-8")
    srcdoc = re.match(r'<iframe srcdoc="([^"]*)"', text).group(1)
    page_html = mapgen.map_html(mapgen.build_map(ds, "2021-08-08"))
    assert htmlmod.unescape(srcdoc) == page_html
    host = tmp_path / "host.html"
    host.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
                    f"<h1>Briefing</h1>{text}</body></html>", encoding="utf-8")
    page, log = open_page(browser, host, settle_ms=800)
    assert (log.external, log.page_errors, log.console_errors) == ([], [], [])
    box = page.locator("iframe").bounding_box()
    assert (round(box["width"]), round(box["height"])) == (642, 422)  # plus the 1px border
    frame = page.frame_locator("iframe")
    expect(frame.locator("path.mapgen-district")).to_have_count(_district_count(ds, "north"))
    expect(frame.locator(".mapgen-legend")).to_be_visible()
    page.context.close()


def test_phone_and_print(browser, north_page) -> None:
    page, log = open_page(browser, north_page, width=390, height=844)
    assert page.locator("meta[name=viewport]").get_attribute("content") == \
        "width=device-width, initial-scale=1.0"
    assert page.locator(".mapgen-legend").is_visible()
    page.emulate_media(media="print")
    assert page.locator(".leaflet-control-zoom").is_hidden()
    assert page.locator(".leaflet-control-layers").is_hidden()
    assert page.locator(".mapgen-legend").is_visible()
    assert page.locator(".mapgen-title").is_visible()
    page.emulate_media(media="screen")
    page.screenshot(path=str(OUTPUTS / "browser-render-phone.png"))
    assert (log.page_errors, log.console_errors, log.external) == ([], [], [])
    page.context.close()


def test_online_tiles_failing_leave_the_map_working(browser, tmp_path, ds) -> None:
    out = tmp_path / "tiles.html"
    r = run_cli("render", "--date", "2021-08-08", "--tiles", "CartoDB.Positron", "--out",
                str(out), "-q")
    assert r.code == 0, r.err
    assert "basemaps.cartocdn.com" in out.read_text(encoding="utf-8")
    page, log = open_page(browser, out, settle_ms=800)
    # the tile requests are attempted and blocked (no network) ...
    assert log.external and all("cartocdn.com" in u for u in log.external)
    # ... and the map is still complete and usable
    assert log.page_errors == []
    assert page.locator("path.mapgen-district").count() == _district_count(ds, "north")
    assert page.locator(".mapgen-legend").is_visible()
    page.context.close()


def test_legend_numbers_match_stats(browser, north_page, ds) -> None:
    import math

    page, log = open_page(browser, north_page)
    assert (log.page_errors, log.console_errors) == ([], [])
    cells = page.locator(".mapgen-legend .mapgen-count")
    table = mapgen.stats_table(ds, "2021-08-08", by="all").set_index("status")
    for i, status in enumerate(STATUSES):
        row = table.loc[status]
        area = math.floor(row["area_km2"] + 0.5)
        assert cells.nth(i).inner_text() == \
            f"{row['districts']} · {row['population']:,} · {area:,} km²", status
    page.context.close()


def test_sources_panel_is_readable(browser, north_page) -> None:
    page, log = open_page(browser, north_page)
    page.locator("details.mapgen-sources-panel summary").click()
    assert log.page_errors == []
    panel = page.locator("details.mapgen-sources-panel")
    assert panel.bounding_box()["width"] >= 300
    first = panel.locator("ul.mapgen-sources li").first.bounding_box()
    second = panel.locator("ul.mapgen-sources li").nth(1).bounding_box()
    assert first["width"] > 250 and second["y"] >= first["y"] + first["height"] - 1  # no overlap
    page.context.close()


def test_compare_on_a_phone_stacks_the_maps(browser, tmp_path) -> None:
    out = tmp_path / "c.html"
    assert run_cli("compare", "--before", "2021-08-06", "--after", "2021-08-09", "--out",
                   str(out), "-q").code == 0
    page, log = open_page(browser, out, width=390, height=844)
    a = page.locator(".mapgen-before").bounding_box()
    b = page.locator(".mapgen-after").bounding_box()
    assert a["width"] == b["width"] == 390
    assert b["y"] >= a["y"] + a["height"] - 1
    assert (log.page_errors, log.console_errors, log.external) == ([], [], [])
    page.screenshot(path=str(OUTPUTS / "browser-compare-phone.png"))
    page.context.close()


def test_positions_drawn_are_those_the_api_gives(browser, ds, data_copy, tmp_path) -> None:
    """A government-held site in a district with no record is not a 'remaining position':
    the page draws exactly the API's positions."""
    pt = ds.geo.districts.loc["AF2105"].geometry.representative_point()  # Marmul: no record
    with open(data_copy / "sites.csv", "a", encoding="utf-8") as fh:
        fh.write(f"marmul-post,Marmul post,army_base,{pt.y:.5f},{pt.x:.5f},AF2105,approximate,\n")
    with open(data_copy / "control.csv", "a", encoding="utf-8") as fh:
        fh.write("2021-08-08,marmul-post,government,test,seed-tolonews-2021-08-08,low\n")
    out = tmp_path / "pos.html"
    assert run_cli("render", "--date", "2021-08-08", "--data", str(data_copy), "--out", str(out),
                   "-q").code == 0
    recs = mapgen.records.load_records(data_copy, ds.geo, ds.theatre)
    state = mapgen.status_on(mapgen.Dataset(ds.geo, recs), "2021-08-08")
    assert state.sites.loc["marmul-post", "status"] == "government"
    assert not state.sites.loc["marmul-post", "position"]
    page, log = open_page(browser, out)
    rings = page.locator(".leaflet-marker-pane .mapgen-position")
    expect(rings).to_have_count(int(state.sites["position"].sum()))
    assert log.page_errors == []
    page.context.close()
