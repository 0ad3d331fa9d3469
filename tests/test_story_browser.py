"""The map tells its story without a click: sites uncovered and clickable, places named."""

from __future__ import annotations

import itertools

import pytest

import mapgen

from .conftest import OUTPUTS, run_cli
from .pagecheck import open_page

pytestmark = pytest.mark.browser

SIZES = [(1440, 900), (390, 844)]
FOCUS_CAPITALS = ("Sar-e-Pul", "Kunduz", "Sheberghan")

# every drawn symbol as a circle or box in page pixels, read from the page itself
_SYMBOLS = """() => {
  const disc = e => { const b = e.getBoundingClientRect();
    return [b.left + b.width / 2, b.top + b.height / 2, b.width / 2]; };
  const sites = [...document.querySelectorAll('.leaflet-marker-pane .mapgen-site')].map(m =>
    [m.getAttribute('data-site'), ...disc(m.querySelector('.mapgen-disc'))]);
  const rings = [...document.querySelectorAll('.leaflet-marker-pane .mapgen-position circle')].map(disc);
  const labels = [...document.querySelectorAll('.mapgen-place-icon')]
    .filter(e => getComputedStyle(e).visibility === 'visible')
    .map(e => { const b = e.getBoundingClientRect();
                return [e.getAttribute('data-name'), b.left, b.top, b.right, b.bottom]; });
  return {sites, rings, labels};
}"""

_TOP = """([x, y]) => { const e = document.elementFromPoint(x, y);
  const m = e && e.closest('.mapgen-site'); return m ? m.getAttribute('data-site') : null; }"""


def _inside(x: float, y: float, box: list[float]) -> bool:
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_no_site_is_covered_and_every_site_opens_its_own_popup(
        browser, north_page, ds, width, height) -> None:
    page, log = open_page(browser, north_page, width=width, height=height)
    state = mapgen.status_on(ds, "2021-08-08")
    sym = page.evaluate(_SYMBOLS)
    assert sorted(s[0] for s in sym["sites"]) == sorted(state.sites.index)
    assert len(sym["rings"]) == int(state.sites["position"].sum())
    for sid, x, y, r in sym["sites"]:
        assert 0 <= x <= width and 0 <= y <= height, f"{sid} is off the map"
        for other, ox, oy, orad in sym["sites"]:
            if other != sid:  # discs do not overlap at all, so no centre is covered
                assert (x - ox) ** 2 + (y - oy) ** 2 >= (r + orad) ** 2 - 1, (sid, other)
        for rx, ry, rr in sym["rings"]:  # a ring encloses only its own disc
            if (x - rx) ** 2 + (y - ry) ** 2 < rr ** 2:
                assert abs(x - rx) < 1 and abs(y - ry) < 1, f"{sid} is inside another ring"
        for name, *box in sym["labels"]:
            assert not _inside(x, y, box), f"the name {name} covers {sid}"
        assert page.evaluate(_TOP, [x, y]) == sid, f"{sid}'s centre is covered"
    names = state.sites["name"].to_dict()
    labels = dict(page.eval_on_selector_all(
        ".leaflet-marker-pane .mapgen-site",
        "els => els.map(e => [e.getAttribute('data-site'), e.getAttribute('aria-label')])"))
    for sid, label in labels.items():  # each marker's accessible name: the site and status
        assert label.startswith(f"{names[sid]} \u2014 "), (sid, label)
    for sid in [s[0] for s in sym["sites"]]:
        page.evaluate("() => { const v = mapgen.views[0]; v.map.closePopup(); v.fit(v.bounds); }")
        page.wait_for_function("() => !document.querySelector('.leaflet-popup')")
        x, y = page.evaluate(
            "id => { const b = document.querySelector(`.mapgen-site[data-site='${id}'] .mapgen-disc`)"
            ".getBoundingClientRect(); return [b.left + b.width / 2, b.top + b.height / 2]; }", sid)
        page.mouse.click(x, y)
        popup = page.locator(".leaflet-popup-content h3")
        popup.wait_for()
        assert popup.inner_text() == names[sid]
    assert log.page_errors == [] and log.console_errors == []
    page.context.close()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_focus_capitals_named_on_the_default_map_and_balkhab_when_zoomed(
        browser, north_page, ds, width, height) -> None:
    page, log = open_page(browser, north_page, width=width, height=height)
    sym = page.evaluate(_SYMBOLS)
    shown = {name: box for name, *box in sym["labels"]}
    for capital in FOCUS_CAPITALS:
        assert capital in shown, f"{capital} is not named"
        x0, y0, x1, y1 = shown[capital]
        assert x0 >= 0 and x1 <= width and y0 >= 0 and y1 <= height
        # nothing drawn over the name: no panel, no disc, no other name
        covering = page.evaluate(
            "([x, y]) => { const e = document.elementFromPoint(x, y);"
            " return !!(e && e.closest('.leaflet-control, .mapgen-site')); }",
            [(x0 + x1) / 2, (y0 + y1) / 2])
        assert not covering, f"{capital}'s name is under a panel or symbol"
    boxes = list(shown.items())
    for i, (a, ba) in enumerate(boxes):
        for b, bb in boxes[i + 1:]:
            overlap = ba[0] < bb[2] - 0.5 and bb[0] < ba[2] - 0.5 and ba[1] < bb[3] - 0.5 \
                and bb[1] < ba[3] - 0.5
            assert not overlap, f"names {a} and {b} overlap"
    if width > 1000:  # the land around is named where the view shows it
        assert {"Uzbekistan", "Tajikistan"} <= set(shown)
    page.screenshot(path=str(OUTPUTS / f"browser-names-{width}.png"))
    code = ds.geo.districts.index[ds.geo.districts["name"] == "Balkhab"][0]
    page.evaluate("code => { const v = mapgen.views[0];"
                  " const i = v.data.districts.code.indexOf(code);"
                  " v.map.fitBounds(v.districtLayers[i].getBounds(), {animate: false}); }", code)
    page.wait_for_timeout(200)
    shown = {name for name, *_ in page.evaluate(_SYMBOLS)["labels"]}
    assert "Balkhab" in shown
    assert log.page_errors == [] and log.console_errors == []
    page.context.close()


def test_render_title_on_the_page(browser, tmp_path) -> None:
    out = tmp_path / "titled.html"
    r = run_cli("render", "--date", "2021-08-08", "--title", "Briefing: <b>the north</b> $5",
                "--out", str(out), "-q")
    assert r.code == 0, r.err
    page, log = open_page(browser, out)
    assert page.locator(".mapgen-title-main").inner_text() == "Briefing: <b>the north</b> $5"
    assert page.title().startswith("Briefing: <b>the north</b> $5")
    assert page.locator(".mapgen-title-main b").count() == 0  # text, never markup
    assert log.page_errors == []
    page.context.close()


def test_compare_summary_sorting_change_style_and_gains(browser, tmp_path, ds) -> None:
    out = tmp_path / "compare.html"
    assert run_cli("compare", "--before", "2021-08-06", "--after", "2021-08-09", "--out",
                   str(out), "-q").code == 0
    page, log = open_page(browser, out, width=1440, height=900)
    table = mapgen.change_table(ds, "2021-08-06", "2021-08-09")
    kinds = {sid: "city" if s.capital else s.kind for sid, s in ds.records.sites.items()}
    capitals = table[(table["level"] == "site") & (table["place"].map(kinds) == "city")
                     & (table["after"] == "taliban")]
    assert len(capitals) > 0
    line = page.locator(".mapgen-summary-line[data-kind='capital'][data-status='taliban']")
    text = line.inner_text()
    assert f"({len(capitals)})" in text
    for name in capitals["name"]:
        assert name in text
    # the table: by date, then capitals before facilities before districts
    rank = {"capital": 0, "facility": 1, "province": 2, "district": 3}
    rows = page.eval_on_selector_all(
        "table.mapgen-change-table tr[data-place]",
        "els => els.map(e => e.getAttribute('data-place'))")
    levels = table.set_index("place")
    keys = [(levels.loc[p, "changed_on"],
             rank["capital" if kinds.get(p) == "city" else "facility"]
             if levels.loc[p, "level"] == "site" else rank[levels.loc[p, "level"]]) for p in rows]
    assert keys == sorted(keys)
    # the change outline is drawn in a colour no other line on the map uses
    strokes = page.evaluate("""() => {
      const m = document.querySelectorAll('.leaflet-container')[1];
      const out = {};
      m.querySelectorAll('path').forEach(p => {
        const c = p.getAttribute('class') || '';
        const k = c.includes('mapgen-change') ? 'change' : 'other';
        (out[k] = out[k] || new Set()).add((p.getAttribute('stroke') || '').toLowerCase());
      });
      return {change: [...out.change], other: [...(out.other || [])]};
    }""")
    assert len(strokes["change"]) == 1
    assert strokes["change"][0] not in strokes["other"]
    # gains: changed districts keep their colour, every other district turns neutral
    changed = set(table.loc[table["level"] == "district", "place"])
    page.get_by_role("button", name="Show gains since 6 August 2021 on the right-hand map").click()
    fills = dict(page.eval_on_selector_all(
        ".mapgen-after path.mapgen-district",
        "els => els.map(e => [e.getAttribute('data-pcode'), e.getAttribute('fill')])"))
    neutral = {fills[c] for c in fills if c not in changed}
    assert len(neutral) == 1
    assert all(fills[c] not in neutral for c in changed)
    assert "Gains since 6 August 2021" in page.locator(".mapgen-after .mapgen-title-side").inner_text()
    assert log.page_errors == [] and log.console_errors == []
    page.context.close()


def test_phone_one_tap_opens_layers_without_unticking_and_popups_fit(browser, north_page) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True,
                                  is_mobile=True, device_scale_factor=2)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(north_page.resolve().as_uri())
    page.wait_for_function("window.mapgen && mapgen.views.length === 1")
    boxes = page.locator(".leaflet-control-layers-selector")
    assert not boxes.first.is_visible()  # folded on a phone
    before = boxes.evaluate_all("els => els.map(e => e.checked)")
    page.tap(".leaflet-control-layers-toggle")
    page.wait_for_selector(".leaflet-control-layers-expanded")
    assert boxes.first.is_visible()
    assert boxes.evaluate_all("els => els.map(e => e.checked)") == before
    # the scale bar is not under the credits
    scale = page.locator(".leaflet-control-scale").bounding_box()
    credits = page.locator(".leaflet-control-attribution").bounding_box()
    assert scale["x"] + scale["width"] <= credits["x"] or \
        scale["y"] + scale["height"] <= credits["y"]
    # a popup fits on the screen, below the title
    page.tap(".leaflet-container", position={"x": 200, "y": 700})  # fold the list again
    page.evaluate("() => { const v = mapgen.views[0];"
                  " v.districtLayers[v.data.districts.code.indexOf('AF1901')].openPopup(); }")
    popup = page.locator(".leaflet-popup")
    popup.wait_for()
    page.wait_for_timeout(400)  # the pan that brings it into view
    box = popup.bounding_box()
    title = page.locator(".mapgen-title").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert box["y"] >= title["y"] + title["height"] - 1 and box["y"] + box["height"] <= 844
    assert errors == []
    context.close()


def test_timeline_axes_capital_marks_steps_speed_and_sources(browser, tmp_path, ds) -> None:
    out = tmp_path / "timeline.html"
    start, end = "2021-08-04", "2021-08-12"
    assert run_cli("timeline", "--start", start, "--end", end, "--out", str(out), "-q").code == 0
    page, log = open_page(browser, out, width=1440, height=900)
    days = mapgen.date_range(start, end)
    states = [mapgen.status_on(ds, d) for d in days]
    capitals = [s for s in states[0].sites.index if ds.records.sites[s].capital]
    falls = sum(1 for a, b in itertools.pairwise(states) for c in capitals
                if a.sites.loc[c, "status"] != b.sites.loc[c, "status"])
    assert falls > 0
    chart = page.locator(".mapgen-chart").first
    assert chart.locator(".mapgen-fall").count() == falls
    axis = chart.locator("text.mapgen-axis").evaluate_all("els => els.map(e => e.textContent)")
    assert {"0%", "50%", "100%", "4 Aug", "12 Aug"} <= set(axis)

    def cited(state) -> int:
        ids: set[str] = set()
        for frame in (state.districts, state.sites):
            for sources in frame["sources"]:
                ids.update(sources)
        return len(ids)

    summary = page.locator(".mapgen-sources-panel summary")
    assert summary.get_attribute("data-count") == str(cited(states[0]))
    page.get_by_role("button", name="Next date").click()
    page.get_by_role("button", name="Next date").click()
    assert page.locator(".mapgen-timeline-date").inner_text() == "6 August 2021"
    assert summary.get_attribute("data-count") == str(cited(states[2]))
    page.get_by_role("button", name="Previous date").click()
    assert page.locator(".mapgen-title-date").inner_text() == "5 August 2021"
    speed = page.get_by_label("Speed")
    speed.select_option("150")
    page.get_by_role("button", name="▶ Play").click()
    page.wait_for_function("mapgen.views[0].current === mapgen.views[0].state.frames.length - 1",
                           timeout=10000)
    assert summary.get_attribute("data-count") == str(cited(states[-1]))
    assert summary.inner_text().endswith("for 12 August 2021")
    assert log.page_errors == [] and log.console_errors == []
    page.screenshot(path=str(OUTPUTS / "browser-timeline.png"))
    page.context.close()


def test_print_keeps_the_sources(browser, north_page, ds) -> None:
    page, log = open_page(browser, north_page)
    assert not page.locator(".mapgen-print-sources").is_visible()  # on screen: the panel
    page.emulate_media(media="print")
    block = page.locator(".mapgen-print-sources")
    assert block.is_visible()
    state = mapgen.status_on(ds, "2021-08-08")
    cited = {s for frame in (state.districts, state.sites) for ids in frame["sources"]
             for s in ids}
    hrefs = set(block.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))"))
    assert hrefs == {ds.records.sources[s].url for s in cited}
    map_box = page.locator(".leaflet-container").bounding_box()
    assert block.bounding_box()["y"] >= map_box["y"] + map_box["height"] - 1  # after the map
    assert log.page_errors == []
    page.context.close()
