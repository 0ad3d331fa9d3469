"""Figures for briefings: own title, subtitle, caption and marking; names placed without
collisions; the locator over nothing of the region; a gains map; symbols sized for the map."""

from __future__ import annotations

import itertools

import matplotlib as mpl
import pytest
import shapely

import mapgen
from mapgen import export_figure
from mapgen.render import figure
from mapgen.render.figure import FigureText

from .conftest import run_cli
from .test_figure import svg_texts

DAY = "2021-08-08"


def _scene(ds: mapgen.Dataset, region: str) -> figure._Scene:
    codes, label = ds.region(region)
    return figure._scene(ds.geo, ds.web("low"), ds.records.theatre, codes, label)


def _figure(ds: mapgen.Dataset, region: str = "north", days: tuple[str, ...] = (DAY,),
            size: str = "slide", text: FigureText | None = None) -> mpl.figure.Figure:
    scene = _scene(ds, region)
    states = [mapgen.status_on(ds, d, region=region) for d in days]
    with mpl.rc_context(figure._RC):
        fig = figure._compose(scene, states, size, "Records: test", text or FigureText())
        fig.canvas.draw()
    return fig


def _texts(fig: mpl.figure.Figure, prefix: str) -> list[mpl.text.Text]:
    return [t for ax in fig.axes for t in ax.texts if (t.get_gid() or "").startswith(prefix)]


@pytest.fixture(scope="module")
def north(ds: mapgen.Dataset) -> mpl.figure.Figure:
    return _figure(ds)


def test_briefing_text_is_on_the_figure_as_plain_text(ds: mapgen.Dataset) -> None:
    svg = export_figure(ds, DAY, fmt="svg", detail="low", title="Gains in the north: $5 a_b",
                        subtitle="Districts and capitals", caption="Shaded by who holds them.",
                        marking="UNCLASSIFIED")
    texts = svg_texts(svg)
    assert "Gains in the north: $5 a_b" in texts  # no mathtext: the dollar stays a dollar
    assert "Districts and capitals  \u00b7  8 August 2021" in texts
    assert "Shaded by who holds them." in texts
    assert texts.count("UNCLASSIFIED") == 2  # top and bottom
    assert "Territorial control \u2014 Northern Afghanistan" not in texts


def test_focus_capitals_and_balkhab_named(north: mpl.figure.Figure) -> None:
    names = {t.get_text() for t in _texts(north, "capital-")}
    assert {"Sheberghan", "Kunduz", "Sar-e-Pul"} <= names
    assert "Balkhab" in {t.get_text() for t in _texts(north, "district-")}


@pytest.mark.parametrize("days", [(DAY,), ("2021-08-06", "2021-08-09")])
def test_names_and_discs_do_not_collide(ds: mapgen.Dataset, days: tuple[str, ...]) -> None:
    fig = _figure(ds, days=days)
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes[:len(days)]:
        labels = [t for t in ax.texts if (t.get_gid() or "").split("-")[0] in
                  ("capital", "district", "province") and t.get_visible()]
        boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in labels]
        for (a, ba), (b, bb) in itertools.combinations(boxes, 2):
            assert not ba.overlaps(bb), f"{a} overlaps {b}"
        glyphs = [t for t in ax.texts if (t.get_gid() or "").startswith("site-")]
        centres = [ax.transData.transform(t.get_position()) for t in glyphs]
        for name, box in boxes:
            for (x, y), g in zip(centres, glyphs, strict=True):
                assert not box.contains(x, y), f"{name} covers {g.get_gid()}"
        # discs never overlap: centres at least one disc apart (radius from the glyph size)
        r = glyphs[0].get_fontsize() / 1.15 * fig.dpi / 72
        for (p, q) in itertools.combinations(centres, 2):
            assert ((p - q) ** 2).sum() ** 0.5 >= 2 * r - 0.5


@pytest.mark.parametrize(("region", "size"), [("north", "slide"), ("Kunduz", "a4"),
                                              ("Sar-e-Pul", "slide")])
def test_locator_covers_nothing_of_the_region(ds: mapgen.Dataset, region: str,
                                              size: str) -> None:
    fig = _figure(ds, region=region, size=size)
    main, inset = fig.axes[0], fig.axes[1]
    scene = _scene(ds, region)
    renderer = fig.canvas.get_renderer()
    box = inset.get_window_extent(renderer)
    rect = shapely.box(box.x0, box.y0, box.x1, box.y1)
    region_px = shapely.transform(shapely.union_all(scene.provinces.values),
                                  main.transData.transform)
    assert not rect.intersects(region_px)


def test_symbols_sized_for_the_map(ds: mapgen.Dataset, north: mpl.figure.Figure) -> None:
    pair = _figure(ds, days=("2021-08-06", "2021-08-09"))
    full = _texts(north, "site-")[0].get_fontsize()
    half = _texts(pair, "site-")[0].get_fontsize()
    assert full >= 9.5 and half < full  # letters about 10 pt on a full-slide map


def test_no_sites_and_no_neighbours(ds: mapgen.Dataset) -> None:
    texts = svg_texts(export_figure(ds, DAY, fmt="svg", detail="low", sites=False,
                                    neighbours=False))
    assert "Sheberghan" in texts  # capitals stay named without their symbols
    assert "Badghis" not in texts and "Kabul" not in texts  # the rest of the country is left out
    assert "Army base" not in texts
    full = svg_texts(export_figure(ds, DAY, fmt="svg", detail="low"))
    assert "Badghis" in full and "Army base" in full


def test_gains_map_counts_what_changed_hands(ds: mapgen.Dataset) -> None:
    texts = svg_texts(export_figure(ds, before="2021-08-06", after="2021-08-09", gains=True,
                                    fmt="svg", detail="low"))
    assert "Gains since 6 August 2021, as of 9 August 2021" in texts
    table = mapgen.change_table(ds, "2021-08-06", "2021-08-09")
    to_taliban = int(((table["level"] == "district") & (table["after"] == "taliban")).sum())
    assert to_taliban > 0
    assert f"Now Taliban: {to_taliban} districts changed hands" in texts


def test_gains_needs_two_dates(ds: mapgen.Dataset, tmp_path) -> None:
    with pytest.raises(mapgen.errors.InputError, match="before"):
        export_figure(ds, DAY, gains=True)
    out = tmp_path / "never.png"
    r = run_cli("export", "--date", DAY, "--gains", "--out", str(out))
    assert r.code == 2 and "--before" in r.err and not out.exists()


def test_export_title_from_the_command_line(tmp_path) -> None:
    out = tmp_path / "t.svg"
    r = run_cli("export", "--date", DAY, "--title", "Briefing: the north", "--marking", "DRAFT",
                "--no-neighbours", "--detail", "low", "--out", str(out), "-q")
    assert r.code == 0, r.err
    texts = svg_texts(out.read_bytes())
    assert "Briefing: the north" in texts and texts.count("DRAFT") == 2


def test_neighbouring_countries_named_outside_the_country(ds: mapgen.Dataset, tmp_path) -> None:
    from mapgen.render.labels import neighbour_labels

    (tmp_path / "neighbours.csv").write_text(
        "name,lat,lon\nInside,34.5,67.0\nOutside,38.0,67.2\nBroken,north,\n", encoding="utf-8")
    country = shapely.union_all(ds.geo.country.geometry)
    assert neighbour_labels(tmp_path / "b.gpkg", country) == (("Outside", 38.0, 67.2),)
    assert neighbour_labels(tmp_path / "elsewhere" / "b.gpkg", country) == ()
    texts = svg_texts(export_figure(ds, DAY, fmt="svg", detail="low"))
    assert "UZBEKISTAN" in texts
    assert "UZBEKISTAN" not in svg_texts(export_figure(ds, DAY, fmt="svg", detail="low",
                                                       neighbours=False))
