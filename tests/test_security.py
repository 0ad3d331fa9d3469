"""Nothing in a record runs: markup in every text field is shown literally in the browser."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import mapgen
from mapgen.records import Source

from .conftest import THEATRE, run_cli
from .pagecheck import open_page

pytestmark = pytest.mark.browser

EVIL_NOTE = "<script>alert(5)</script><img src=x onerror=alert(6)> & 'quoted' \"dq\""
EVIL_SITE = '"><svg onload=alert(4)>'
EVIL_PUBLISHER = "<img src=x onerror=alert(1)>"
EVIL_TITLE = '"><script>alert(2)</script>'
EVIL_URL = 'https://example.org/x"><script>alert(3)</script>'


def _csv(v: str) -> str:
    return '"' + v.replace('"', '""') + '"'


def _poison(folder: Path) -> None:
    with open(folder / "sources.csv", "a", encoding="utf-8") as fh:
        fh.write(f"evil,{_csv(EVIL_PUBLISHER)},{_csv(EVIL_TITLE)},2021-08-10,{_csv(EVIL_URL)}\n")
    with open(folder / "sites.csv", "a", encoding="utf-8") as fh:
        fh.write(f"evil-site,{_csv(EVIL_SITE)},army_base,36.70,68.85,AF1901,approximate,\n")
    with open(folder / "control.csv", "a", encoding="utf-8") as fh:
        fh.write(f"2021-08-09,AF1901,taliban,{_csv(EVIL_NOTE)},evil,low\n")
        fh.write(f"2021-08-09,evil-site,government,{_csv(EVIL_NOTE)},evil,low\n")


def test_markup_in_records_stays_text(browser, data_copy: Path, tmp_path: Path) -> None:
    _poison(data_copy)
    out = tmp_path / "evil.html"
    r = run_cli("render", "--date", "2021-08-09", "--data", str(data_copy), "--out", str(out),
                "-q")
    assert r.code == 0, r.err
    html = out.read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html and "<svg onload" not in html
    page, log = open_page(browser, out)
    page.get_by_label("Facilities").uncheck()
    page.get_by_label(THEATRE.position_layer).uncheck()
    page.click("path.mapgen-district[data-pcode='AF1901']")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert EVIL_NOTE in text
    assert f"{EVIL_PUBLISHER}, “{EVIL_TITLE}”, 2021-08-10" in text
    link = popup.locator("ul.mapgen-sources a")
    assert link.get_attribute("href") == EVIL_URL  # an attribute value, not markup
    assert popup.locator("script, img, svg").count() == 0
    # the site's popup and tooltip
    page.get_by_label("Facilities").check()
    page.evaluate("""() => { const v = mapgen.views[0];
        v.siteMarkers[v.data.sites.id.indexOf('evil-site')].openPopup(); }""")
    site_popup = page.locator(".leaflet-popup-content").last
    assert site_popup.locator("h3").inner_text() == EVIL_SITE
    page.locator("details.mapgen-sources-panel summary").click()
    assert EVIL_PUBLISHER in page.locator("details.mapgen-sources-panel").inner_text()
    page.wait_for_timeout(300)
    assert log.dialogs == []
    assert log.page_errors == [] and log.console_errors == [] and log.external == []
    assert page.locator(".leaflet-container script, .leaflet-container img[src='x']").count() == 0
    page.context.close()


def test_only_http_links_become_links(browser, ds: mapgen.Dataset, tmp_path: Path) -> None:
    """Even a javascript: URL that got past validation is never made a link."""
    sid = "seed-tolonews-2021-08-08"
    bad = dataclasses.replace(ds.records.sources[sid], url="javascript:alert(7)")
    recs = dataclasses.replace(ds.records, sources={**ds.records.sources, sid: bad})
    assert isinstance(bad, Source)
    out = tmp_path / "js-url.html"
    mapgen.save_map(mapgen.build_map(mapgen.Dataset(ds.geo, recs), "2021-08-08"), out)
    page, log = open_page(browser, out)
    page.locator("details.mapgen-sources-panel summary").click()
    panel = page.locator("details.mapgen-sources-panel")
    assert panel.locator("a[href^='javascript']").count() == 0
    title = f", “{bad.title}”" if bad.title else ""
    assert f"{bad.publisher}{title}, 2021-08-08 (no link)" in panel.inner_text()
    assert page.evaluate("mapgen.safeUrl('javascript:alert(1)')") is None
    assert page.evaluate("mapgen.safeUrl(' https://x.org')") is None
    assert page.evaluate("mapgen.safeUrl('https://x.org/a?b=1')") == "https://x.org/a?b=1"
    assert log.dialogs == [] and log.page_errors == []
    page.context.close()
