"""The rendered page, read as text and as folium objects: layers, legend, popups' data,
offline assets, stable bytes, atomic writes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import folium
import pytest

import mapgen
from mapgen import files as files_mod
from mapgen.render import page as page_mod
from mapgen.render.layers import decode_texts, encode_geometry, encode_texts

from .conftest import THEATRE, run_cli


@pytest.fixture(scope="module")
def north_map(ds: mapgen.Dataset) -> folium.Map:
    return mapgen.build_map(ds, "2021-08-08")


@pytest.fixture(scope="module")
def north_html(north_map: folium.Map) -> str:
    return mapgen.map_html(north_map)


def _payload(html: str) -> dict:
    m = re.search(r"var mapgen_data_\d+ = (\{.*?\});\n", html, re.S)
    assert m, "page data not found"
    return json.loads(m.group(1))


def test_layers_in_layer_control(north_map: folium.Map) -> None:
    groups = [c for c in north_map._children.values() if isinstance(c, folium.FeatureGroup)]
    controlled = [g.layer_name for g in groups if g.control]
    assert controlled == ["Districts (status)", "Province outlines and names", "Place names",
                          "Facilities", THEATRE.position_layer]
    controls = [c for c in north_map._children.values() if isinstance(c, folium.LayerControl)]
    assert len(controls) == 1


def test_payload_holds_districts_statuses_and_sources(north_html: str, ds: mapgen.Dataset) -> None:
    data = decode_texts(_payload(north_html))
    state = mapgen.status_on(ds, "2021-08-08")
    assert data["districts"]["code"] == list(state.districts.index)
    assert [s["id"] for s in data["legend"]["statuses"]] == list(ds.theatre.status_ids)
    frame = data["frames"][0]
    assert frame["date"] == "2021-08-08" and frame["label"] == "8 August 2021"
    refs = dict(zip(frame["d"]["i"], frame["d"]["ref"], strict=True))
    i = data["districts"]["code"].index("AF1901")
    recs, r = data["records"], refs[i]
    assert recs["since"][r] == "2021-08-08"
    assert data["legend"]["statuses"][recs["status"][r]]["id"] == "taliban"
    assert recs["sources"][r] == list(state.districts.loc["AF1901", "sources"])
    for sid in recs["sources"][r]:
        assert data["sources"][sid]["url"] == ds.records.sources[sid].url
    # the second name, tagged with its language (Dari, from the boundaries' name_prs column),
    # and population travel with the district for its popup
    assert data["districts"]["local"][i] == "کندز"
    assert (data["legend"]["local_lang"], data["legend"]["local_dir"]) == ("prs", "rtl")
    assert data["version"] == 3
    assert data["districts"]["pop"][i] == int(ds.geo.districts.loc["AF1901", "population"])
    # credits
    assert "Boundaries: AGCHO / OCHA (COD-AB, 2018)" in data["legend"]["credits"]
    assert "Population: CSO/NSIA estimates 2019-20" in data["legend"]["credits"]


def test_no_remote_assets_by_default(north_html: str) -> None:
    assert re.findall(r"""<(?:script|link|img)[^>]+(?:src|href)=["']?https?:""", north_html) == []
    assert "cdn.jsdelivr" not in north_html
    assert "bootstrap" not in north_html.lower() and "jquery" not in north_html.lower()
    assert 'user-scalable=no' not in north_html  # pinch zoom allowed
    assert "@media print" in north_html


def test_online_assets_link_leaflet(ds: mapgen.Dataset) -> None:
    html = mapgen.map_html(mapgen.build_map(ds, "2021-08-08", online_assets=True))
    assert f'<script src="{page_mod.LEAFLET_CDN}/leaflet.js"></script>' in html
    assert len(html) < len(mapgen.map_html(mapgen.build_map(ds, "2021-08-08"))) - 100_000


def test_same_inputs_same_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    assert run_cli("render", "--date", "2021-08-08", "--out", str(a), "-q").code == 0
    assert run_cli("render", "--date", "2021-08-08", "--out", str(b), "-q").code == 0
    assert a.read_bytes() == b.read_bytes()
    assert re.search(r"[0-9a-f]{32}", a.read_text(encoding="utf-8")) is None  # no uuid ids


def test_failed_write_leaves_earlier_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "map.html"
    out.write_text("earlier map", encoding="utf-8")

    class Boom(RuntimeError):
        pass

    real_fdopen = files_mod.os.fdopen

    class HalfWriter:
        def __init__(self, fd: int, mode: str) -> None:
            self.fh = real_fdopen(fd, mode)

        def __enter__(self) -> HalfWriter:
            return self

        def __exit__(self, *exc: object) -> None:
            self.fh.close()

        def write(self, data: bytes) -> int:
            self.fh.write(data[: len(data) // 2])
            self.fh.flush()
            raise Boom("disk full halfway")

    monkeypatch.setattr(files_mod.os, "fdopen", HalfWriter)
    with pytest.raises(Boom):
        page_mod.write_atomic(out, "new map " * 1000)
    monkeypatch.undo()
    assert out.read_text(encoding="utf-8") == "earlier map"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.html"]


def test_geometry_encoding_round_trips() -> None:
    import shapely

    poly = shapely.Polygon([(66.1, 36.2), (66.3, 36.2), (66.3, 36.4), (66.1, 36.2)])
    enc = encode_geometry(poly)
    assert enc == [[[661000, 362000, 2000, 0, 0, 2000]]]


def test_text_from_records_is_escaped_in_script() -> None:
    text = page_mod.to_script_json({"note": "</script><script>alert(1)</script>&'"})
    assert "<" not in text and ">" not in text and "'" not in text and "&" not in text
    assert json.loads(text) == {"note": "</script><script>alert(1)</script>&'"}


def test_showing_a_map_then_saving_it_writes_one_map(ds: mapgen.Dataset, tmp_path: Path) -> None:
    m = mapgen.build_map(ds, "2021-08-08", region="Kunduz")
    first = mapgen.map_html(m)
    m._repr_html_()  # what a notebook does to show it: renders the caller's figure
    saved = mapgen.save_map(m, tmp_path / "m.html").read_text(encoding="utf-8")
    assert saved == first == mapgen.map_html(mapgen.build_map(ds, "2021-08-08", region="Kunduz"))
    assert saved.count("new mapgen.View(") == 1
    assert saved.count('"version":3') == 1


def test_records_string_table_round_trips() -> None:
    recs = {"since": ["2021-08-08", "2021-08-08", "2021-08-09"], "status": [1, 1, 0],
            "via": ["AF19", "AF19", "AF1901"], "note": ["same note", "same note", ""],
            "sources": [["a", "b"], ["a", "b"], ["gone", "b"]],
            "confidence": ["high", "high", "low"],
            "held_since": ["2021-08-01", "2021-08-08", "2021-08-09"]}
    srcs = {"id": ["a", "b"], "publisher": ["AFP", "AFP"], "title": ["T", "U"],
            "published": ["2021-08-08", "2021-08-09"], "url": ["https://a", ""]}
    enc = encode_texts(recs, srcs)
    data = decode_texts({**enc, "version": 3})
    assert data["records"] == recs and data["version"] == 3
    assert data["sources"] == {"a": {"publisher": "AFP", "title": "T", "published": "2021-08-08",
                                     "url": "https://a"},
                               "b": {"publisher": "AFP", "title": "U", "published": "2021-08-09",
                                     "url": ""}}
    # each distinct text once, each distinct list of sources once; a source id the page has
    # no entry for stays text
    texts = {v for c in ("since", "held_since", "via", "note", "confidence") for v in recs[c]}
    assert sorted(enc["strings"]) == sorted(texts | {"AFP", "2021-08-09"})
    assert enc["lists"] == [[0, 1], ["gone", 1]]
    assert enc["records"]["note"] == [enc["strings"].index("same note")] * 2 + \
        [enc["strings"].index("")]


def test_payload_records_decode_to_every_record_in_force(ds: mapgen.Dataset) -> None:
    """The timeline's string table decodes to the text of the records each frame shows."""
    m = mapgen.build_timeline(ds, "2021-08-06", "2021-08-09", region="north")
    raw = _payload(mapgen.map_html(m))
    data = decode_texts(raw)
    recs = data["records"]
    states = [mapgen.status_on(ds, d, region="north")
              for d in ("2021-08-06", "2021-08-07", "2021-08-08", "2021-08-09")]
    refs = [-1] * len(data["districts"]["code"])
    for frame, state in zip(data["frames"], states, strict=True):
        for i, ref in zip(frame["d"]["i"], frame["d"]["ref"], strict=True):
            refs[i] = ref
        for i, code in enumerate(data["districts"]["code"]):
            row = state.districts.loc[code]
            if refs[i] < 0:
                assert row["since"] is None
                continue
            r = refs[i]
            assert (recs["note"][r], recs["sources"][r], recs["via"][r]) == \
                (row["note"], list(row["sources"]), row["via"])
            assert recs["since"][r] == row["since"].isoformat()
            for sid in recs["sources"][r]:
                assert data["sources"][sid]["publisher"] == ds.records.sources[sid].publisher
    # fewer distinct texts than text cells: repeats are written once
    assert len(raw["strings"]) < sum(len(recs[c]) for c in ("since", "held_since", "via", "note",
                                                            "confidence"))
