"""Static figures (mapgen.render.figure): sizes, searchable text, legend counts, errors, writing.

Each figure takes a second or two, so each is rendered once per module and shared.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from PIL import Image

import mapgen
from mapgen.api import export_figure
from mapgen.render.figure import SIZES, _spread

from .conftest import STATUS_STYLES

DAY, LATER = "2021-08-08", "2021-08-15"
DAY_TEXT, LATER_TEXT = "8 August 2021", "15 August 2021"
TITLE = "Territorial control \u2014 Northern Afghanistan"
SVG_TEXT = "{http://www.w3.org/2000/svg}text"


def svg_texts(data: bytes) -> list[str]:
    """Every ``<text>`` element's text (svg.fonttype none keeps text as text)."""
    root = ET.fromstring(data)  # noqa: S314  (our own output)
    return ["".join(el.itertext()) for el in root.iter(SVG_TEXT)]


def _unescape(raw: bytes) -> bytes:
    simple = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}

    def one(m: re.Match[bytes]) -> bytes:
        esc = m.group(1)
        if esc[:1].isdigit():
            return bytes([int(esc, 8)])
        return simple.get(esc, esc)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, raw, flags=re.S)


def pdf_strings(data: bytes) -> list[str]:
    """The text of each ``TJ`` array of an uncompressed PDF, kerning gaps removed (the fonts
    are embedded TrueType with two-byte codes)."""
    out = []
    for array in re.findall(rb"\[((?:\\.|[^\]])*)\]\s*TJ", data, re.S):
        parts = re.findall(rb"\(((?:\\.|[^\\)])*)\)", array, re.S)
        out.append(b"".join(_unescape(p) for p in parts).decode("utf-16-be"))
    return out


def expected_counts(ds: mapgen.Dataset, day: str) -> dict[str, int]:
    counts = mapgen.status_on(ds, day).districts["status"].value_counts()
    return {s.status: int(counts.get(s.status, 0)) for s in STATUS_STYLES}


def cited_sources(ds: mapgen.Dataset, *days: str) -> int:
    cited: set[str] = set()
    for day in days:
        state = mapgen.status_on(ds, day)
        for frame in (state.districts, state.sites):
            for sources in frame["sources"]:
                cited.update(sources)
    return len(cited)


@pytest.fixture(scope="module")
def png(ds: mapgen.Dataset) -> bytes:
    data = export_figure(ds, DAY)
    assert isinstance(data, bytes)
    return data


@pytest.fixture(scope="module")
def svg(ds: mapgen.Dataset) -> bytes:
    data = export_figure(ds, DAY, fmt="svg")
    assert isinstance(data, bytes)
    return data


@pytest.fixture(scope="module")
def pdf(ds: mapgen.Dataset) -> bytes:
    with matplotlib.rc_context({"pdf.compression": 0}):  # so the page text is readable
        data = export_figure(ds, DAY, fmt="pdf")
    assert isinstance(data, bytes)
    return data


@pytest.fixture(scope="module")
def pair_svg(ds: mapgen.Dataset) -> bytes:
    data = export_figure(ds, before=DAY, after=LATER, fmt="svg")
    assert isinstance(data, bytes)
    return data


@pytest.fixture(scope="module")
def a4_file(ds: mapgen.Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("figure") / "north-a4.png"
    target.write_bytes(b"an older figure")  # replaced whole, never partly
    result = export_figure(ds, DAY, size="a4", dpi=100, out=target)
    assert isinstance(result, Path)
    return result


# --- PNG -----------------------------------------------------------------------------------


def test_png_slide_is_16_9_and_at_least_1600_px(png: bytes) -> None:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(io.BytesIO(png)) as im:
        assert im.size == (2666, 1500)  # 13.33 x 7.5 in at 200 dpi
        assert im.size[0] / im.size[1] == pytest.approx(16 / 9, abs=0.002)


def test_png_shows_every_status_colour(png: bytes, ds: mapgen.Dataset) -> None:
    with Image.open(io.BytesIO(png)) as im:
        rgb = np.asarray(im.convert("RGB")).astype(np.int32)
    packed = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    present = set(mapgen.status_on(ds, DAY).districts["status"])
    assert len(present) >= 4
    for style in STATUS_STYLES:
        pixels = int((packed == int(style.colour[1:], 16)).sum())
        # districts in a status fill thousands of pixels; every status has its legend swatch
        assert pixels > (2000 if style.status in present else 100), style.status


def test_a4_png_written_to_path_is_landscape_a4(a4_file: Path) -> None:
    assert a4_file.name == "north-a4.png"
    with Image.open(a4_file) as im:
        assert im.size == (1169, 827)  # 11.69 x 8.27 in at 100 dpi
        assert im.size[0] / im.size[1] == pytest.approx(SIZES["a4"][0] / SIZES["a4"][1],
                                                        abs=0.002)


def test_writing_leaves_no_temporary_file(a4_file: Path) -> None:
    assert sorted(p.name for p in a4_file.parent.iterdir()) == ["north-a4.png"]
    assert a4_file.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --- SVG -----------------------------------------------------------------------------------


def test_svg_title_date_and_legend_are_text(svg: bytes) -> None:
    texts = svg_texts(svg)
    assert TITLE in texts
    assert DAY_TEXT in texts
    for label in ("Government", "Taliban", "Contested", "Unknown (no record)"):
        assert any(t.startswith(label + ":") for t in texts), label


def test_svg_legend_counts_districts(svg: bytes, ds: mapgen.Dataset) -> None:
    texts = svg_texts(svg)
    counts = expected_counts(ds, DAY)
    for style in STATUS_STYLES:
        n = counts[style.status]
        assert f"{style.label}: {n} district{'s' if n != 1 else ''}" in texts


def test_svg_names_focus_provinces_and_site_kinds(svg: bytes, ds: mapgen.Dataset) -> None:
    texts = svg_texts(svg)
    for name in ("Jawzjan", "Kunduz", "Sar-e-Pul"):  # provinces in capitals, as maps do
        assert name.upper() in texts
    for label in ("City / provincial capital", "Army base", "Airport"):
        assert label in texts
    # a wrapped label is one <text> per line, the lines in order
    label = ds.theatre.position_label
    start = next(i for i, t in enumerate(texts) if len(t) > 10 and label.startswith(t))
    lines = [texts[start]]
    while len(" ".join(lines)) < len(label):
        lines.append(texts[start + len(lines)])
    assert len(lines) > 1
    assert " ".join(lines) == label


def test_svg_scale_bar_north_arrow_and_credits(svg: bytes, ds: mapgen.Dataset) -> None:
    texts = svg_texts(svg)
    assert "100 km" in texts
    assert "N" in texts
    credit = next(t for t in texts if t.startswith("Boundaries:"))
    assert credit == (
        "Boundaries: AGCHO / OCHA (COD-AB, 2018)  \u00b7  "
        "Population: CSO/NSIA estimates 2019-20  \u00b7  "
        f"Records: {cited_sources(ds, DAY)} cited sources (mapgen afghanistan-2021)"
    )


def test_svg_has_no_date_and_is_stable(ds: mapgen.Dataset) -> None:
    one = export_figure(ds, DAY, region="Kondoz", fmt="svg", detail="low")
    two = export_figure(ds, DAY, region="Kondoz", fmt="svg", detail="low")
    assert isinstance(one, bytes)
    assert one == two
    assert b"<dc:date>" not in one
    assert "Territorial control \u2014 Kunduz" in svg_texts(one)


# --- PDF -----------------------------------------------------------------------------------


def test_pdf_is_a_pdf_with_the_date_as_text(pdf: bytes) -> None:
    assert pdf[:5] == b"%PDF-"
    strings = pdf_strings(pdf)
    assert DAY_TEXT in strings
    # the em dash comes from a second embedded font, so the title is three strings
    i = strings.index("Territorial control ")
    assert strings[i + 2] == " Northern Afghanistan"
    assert b"/CreationDate" not in pdf


# --- before and after ----------------------------------------------------------------------


def test_pair_has_both_dates_and_one_legend(pair_svg: bytes, ds: mapgen.Dataset) -> None:
    texts = svg_texts(pair_svg)
    assert texts.count(DAY_TEXT) == 1  # the left map's title
    assert texts.count(LATER_TEXT) == 1  # the right map's title
    assert f"{DAY_TEXT} \u2192 {LATER_TEXT}" in texts
    before, after = expected_counts(ds, DAY), expected_counts(ds, LATER)
    for style in STATUS_STYLES:
        label = (f"{style.label}: {before[style.status]} \u2192 {after[style.status]} "
                 f"district{'s' if after[style.status] != 1 else ''}")
        assert texts.count(label) == 1
    credits = [t for t in texts if t.startswith("Boundaries:")]
    assert len(credits) == 1
    assert credits[0].endswith(f"Records: {cited_sources(ds, DAY, LATER)} cited sources "
                               "(mapgen afghanistan-2021)")


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fmt": "gif"}, "fmt 'gif': use png, svg or pdf"),
        ({"size": "a3"}, "size 'a3': use slide \\(16:9\\) or a4 \\(landscape\\)"),
        ({"dpi": 10}, "dpi 10: use a whole number from 50 to 600"),
        ({"detail": "ultra"}, "unknown detail 'ultra': use low, medium or high"),
        ({"region": "Kandahaar"}, "unknown place 'Kandahaar' .*did you mean Kandahar"),
    ],
)
def test_bad_options_raise_input_error(ds: mapgen.Dataset, kwargs: dict[str, object],
                                       message: str) -> None:
    with pytest.raises(mapgen.InputError, match=message):
        export_figure(ds, DAY, **kwargs)  # type: ignore[arg-type]


def test_every_option_problem_is_reported_at_once(ds: mapgen.Dataset, tmp_path: Path) -> None:
    target = tmp_path / "map.svg"
    with pytest.raises(mapgen.InputError) as info:
        export_figure(ds, DAY, fmt="png", size="letter", dpi=5000, out=target)
    message = str(info.value)
    assert "size 'letter'" in message
    assert "dpi 5000" in message
    assert "ends in .svg but fmt is 'png'" in message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("after", "before", "message"),
    [
        ("2021-8-8", None, "bad date '2021-8-8'"),
        (DAY, LATER, "after 2021-08-08 must be later than before 2021-08-15"),
        (DAY, DAY, "after 2021-08-08 must be later than before 2021-08-08"),
    ],
)
def test_bad_dates_raise_input_error(ds: mapgen.Dataset, after: str, before: str | None,
                                     message: str) -> None:
    with pytest.raises(mapgen.InputError, match=message):
        if before is None:
            export_figure(ds, after)
        else:
            export_figure(ds, before=before, after=after)


# --- site packing --------------------------------------------------------------------------


def test_sites_sharing_a_place_are_packed_without_overlap() -> None:
    places = np.array([[0.0, 0.0]] * 6 + [[30.0, 5.0]] * 4 + [[200.0, 200.0]])
    radii = np.array([7.0, 9.7, 7.0, 7.0, 7.0, 7.0, 7.0, 9.7, 7.0, 7.0, 7.0])
    pos = _spread(places, radii, gap=1.0)
    gaps = [np.hypot(*(pos[i] - pos[j])) - radii[i] - radii[j]
            for i in range(len(pos)) for j in range(i + 1, len(pos))]
    assert min(gaps) > 0.5
    assert np.hypot(*(pos[-1] - places[-1])) < 1e-6  # a lone site stays on its place
    assert np.abs(pos[:6] - places[:6]).max() < 40  # the cluster stays around its place
    assert np.array_equal(pos, _spread(places, radii, gap=1.0))  # deterministic
