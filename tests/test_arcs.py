"""Each border once: the page's topology rebuilds every district and outline exactly."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

import mapgen
from mapgen.arcs import Topology, build_topology, decode_ring, decode_steps, encode_steps
from mapgen.render.layers import _SCALE, encode_geometry

from .conftest import run_cli
from .pagecheck import open_page


@given(st.lists(st.integers(min_value=-(2**31), max_value=2**31), max_size=200))
def test_steps_round_trip(values: list[int]) -> None:
    text = encode_steps(np.array(values, dtype=np.int64))
    assert decode_steps(text) == values
    assert re.fullmatch(r"[A-Za-z0-9_-]*", text)  # nothing JSON or HTML must escape


def test_small_steps_take_one_character() -> None:
    assert len(encode_steps(np.arange(-16, 16))) == 32
    assert len(encode_steps(np.array([16, -17, 500]))) == 6


@pytest.fixture(scope="module")
def topo(ds: mapgen.Dataset) -> tuple[Topology, mapgen.geography.WebGeometry]:
    web = ds.web("medium")
    groups = ds.geo.districts["province_pcode"].reindex(web.districts.index)
    return build_topology(web.districts.values, groups, _SCALE), web


def _shape(topo: Topology, rings: list[list[int]]) -> shapely.Geometry:
    # rings fill even-odd, as the browser draws them
    out = shapely.Polygon()
    for ring in rings:
        out = out.symmetric_difference(shapely.Polygon(decode_ring(topo, ring) / topo.scale))
    return out


def test_every_arc_is_shared_by_at_most_two_districts_going_opposite_ways(topo) -> None:
    t, _ = topo
    uses: Counter[int] = Counter()
    signs: dict[int, set[bool]] = {}
    for rings in t.districts:
        for ring in rings:
            for ref in ring:
                arc = ref if ref >= 0 else ~ref
                uses[arc] += 1
                signs.setdefault(arc, set()).add(ref >= 0)
    assert set(uses) == set(range(len(t.arcs)))
    assert max(uses.values()) == 2
    assert all(signs[a] == {True, False} for a, n in uses.items() if n == 2)
    # no two arcs are the same line
    keys = {min(a.tobytes(), a[::-1].tobytes()) for a in t.arcs}
    assert len(keys) == len(t.arcs)


def test_arcs_rebuild_districts_provinces_and_country_exactly(topo, ds) -> None:
    t, web = topo
    for i, geom in enumerate(web.districts.values):
        assert _shape(t, t.districts[i]).symmetric_difference(geom).area < 1e-12, i
    for code, geom in web.provinces.items():
        assert _shape(t, t.provinces[code]).symmetric_difference(geom).area < 1e-12, code
    country = web.country.iloc[0]
    assert _shape(t, t.country).symmetric_difference(country).area < 1e-12


def test_small_coverage_with_an_island_and_a_hole() -> None:
    outer = shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 4)],
                            [[(1, 1), (2, 1), (2, 2), (1, 2)]])
    island = shapely.Polygon([(1, 1), (2, 1), (2, 2), (1, 2)])
    east = shapely.Polygon([(4, 0), (6, 0), (6, 4), (4, 4)])
    t = build_topology([outer, island, east], ["a", "a", "b"], 1)
    # the hole and the island are one arc; the east border is one arc
    assert len(t.arcs) == 4
    (hole,) = t.districts[0][1]
    assert t.districts[1] in ([[hole]], [[~hole]])  # the island is the hole's arc
    for geom, rings in zip([outer, island, east], t.districts, strict=True):
        assert _shape(t, rings).symmetric_difference(geom).area == 0
    assert _shape(t, t.provinces["a"]).symmetric_difference(outer.union(island)).area == 0
    assert _shape(t, t.country).equals(shapely.box(0, 0, 6, 4))


def _payload(path: Path) -> dict:
    m = re.search(r"var mapgen_data_\d+ = (\{.*?\});\n", path.read_text(encoding="utf-8"), re.S)
    assert m
    return json.loads(m.group(1))


def test_page_sends_each_border_once_and_half_the_geometry_bytes(tmp_path, ds) -> None:
    out = tmp_path / "all.html"
    assert run_cli("render", "--date", "2021-08-15", "--region", "all", "--out", str(out),
                   "-q").code == 0
    data = _payload(out)
    # every arc the page carries is used, and none twice in the same direction
    refs = [r for obj in (*data["districts"]["geom"], *data["provinces"]["geom"])
            for ring in obj for r in ring]
    assert {r if r >= 0 else ~r for r in refs} == set(range(len(data["arcs"])))
    sent = len(json.dumps(data["arcs"])) + len(json.dumps(data["districts"]["geom"])) + \
        len(json.dumps(data["provinces"]["geom"])) + len(json.dumps(data["country"]))
    web = ds.web("medium")
    separate = sum(len(json.dumps(encode_geometry(g)))
                   for g in (*web.districts.values, *web.provinces.values))
    assert sent < separate / 2


@pytest.mark.browser
def test_browser_decodes_the_arcs_as_python_does(browser, tmp_path, ds) -> None:
    out = tmp_path / "kunduz.html"
    assert run_cli("render", "--date", "2021-08-15", "--region", "Kunduz", "--out", str(out),
                   "-q").code == 0
    data = _payload(out)
    page, log = open_page(browser, out)
    assert (log.page_errors, log.console_errors) == ([], [])
    got = page.evaluate("""() => {
        var v = mapgen.views[0];
        return v.districtLayers.map(function (l) {
            return l.getLatLngs().map(function (r) {
                return r.map(function (p) { return [p.lng, p.lat]; });
            });
        });
    }""")
    web = ds.web("medium")
    for code, rings in zip(data["districts"]["code"], got, strict=True):
        shape = shapely.Polygon()
        for ring in rings:
            shape = shape.symmetric_difference(shapely.Polygon(ring))
        assert shape.symmetric_difference(web.districts[code]).area < 1e-9, code
    page.context.close()
