"""The legend of the static figures: status swatches with counts, site symbols, the
position ring, laid out to fit the space the page layout gives it."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.offsetbox import (
    AnchoredOffsetbox,
    DrawingArea,
    HPacker,
    OffsetBox,
    TextArea,
    VPacker,
)
from matplotlib.patches import Circle, Rectangle
from matplotlib.text import Text

from ..control import ControlState
from ..theatre import StatusStyle, Theatre
from .style import CHANGE_COLOUR

if TYPE_CHECKING:
    from .figure import FigureText, Layout

HATCH = "////"
HATCH_COLOUR = "#555555"
NO_RECORD_HATCH = ".."  # dots: no record, distinct from a pale colour in grey-scale
INK = "#222222"


def _swatch_status(style: StatusStyle, *, pale: bool = False, no_record: bool = False
                   ) -> DrawingArea:
    """A status swatch, with its low-confidence (paler) twin beside it when ``pale``."""
    area = DrawingArea(48 if pale else 22, 12)
    for x, alpha in ((0, 1.0), (26, 0.45))[:2 if pale else 1]:
        area.add_artist(Rectangle((x, 0), 22, 12, facecolor=style.colour, alpha=alpha,
                                  edgecolor="none"))
        area.add_artist(Rectangle((x, 0), 22, 12, facecolor="none", edgecolor="#555555",
                                  linewidth=0.6,
                                  hatch=HATCH if style.pattern == "hatch" else
                                  (NO_RECORD_HATCH if no_record else None),
                                  hatchcolor="#777777" if no_record else HATCH_COLOUR))
    return area


def _swatch_line(colour: str) -> DrawingArea:
    area = DrawingArea(22, 12)
    area.add_artist(Rectangle((1, 1), 20, 10, facecolor="none", edgecolor=colour,
                              linewidth=1.8, linestyle=(0, (4, 2))))
    return area


def _swatch_site(glyph: str, *, dashed: bool = False, ring: str = "",
                 fill: str = "white") -> DrawingArea:
    area = DrawingArea(22, 16)
    area.add_artist(Circle((11, 8), 6, facecolor=fill, edgecolor=INK, linewidth=0.8,
                           linestyle=(0, (2.2, 1.4)) if dashed else "solid"))
    if glyph:
        area.add_artist(Text(11, 8, glyph, fontsize=7, fontweight="bold", color="#111111",
                             ha="center", va="center_baseline"))
    if ring:
        area.add_artist(Circle((11, 8), 7.9, facecolor="none", edgecolor=ring, linewidth=2.4))
    return area


def _row(swatch: OffsetBox, label: str, font: float) -> HPacker:
    text = TextArea(label, textprops={"fontsize": font, "color": INK})
    return HPacker(children=[swatch, text], align="center", pad=0, sep=5)


def _section(title: str, rows: list[Artist], font: float, per_column: int) -> VPacker:
    columns: list[Artist] = [VPacker(children=rows[i:i + per_column], align="left", pad=0,
                                     sep=3) for i in range(0, len(rows), per_column)]
    head = TextArea(title, textprops={"fontsize": font + 1, "fontweight": "bold", "color": INK})
    body = HPacker(children=columns, align="top", pad=0, sep=12)
    return VPacker(children=[head, body], align="left", pad=0, sep=5)


def _count_text(counts: list[int]) -> str:
    unit = "district" if counts[-1] == 1 else "districts"
    return " \u2192 ".join(str(c) for c in counts) + f" {unit}"


def _legend_sections(states: Sequence[ControlState], theatre: Theatre, layout: Layout,
                     font: float, text: FigureText | None = None,
                     columns: int | None = None) -> list[Artist]:
    """Districts (with counts on each date, and a paler twin swatch for low confidence),
    the site kinds drawn, and the position ring."""
    wrap = 34 if layout.wide_legend else 36
    status_rows: list[Artist] = []
    low_any = any((s.districts["confidence"] == "low").any() for s in states)
    last = theatre.statuses[-1].status
    gains = text is not None and text.gains and len(states) == 2
    if gains:
        a, b = states[0].districts["status"], states[1].districts["status"]
        common = a.index.intersection(b.index)
        moved = b.loc[common][(a.loc[common] != b.loc[common]).to_numpy()]
        for style in theatre.statuses:
            n = int((moved == style.status).sum())
            if n:
                unit = "district" if n == 1 else "districts"
                status_rows.append(_row(_swatch_status(style),
                                        f"Now {style.label}: {n} {unit} changed hands", font))
        neutral = DrawingArea(22, 12)
        neutral.add_artist(Rectangle((0, 0), 22, 12, facecolor="#F4F1EA", edgecolor="#555555",
                                     linewidth=0.6))
        status_rows.append(_row(neutral, "No change", font))
        sections_gains: list[Artist] = [_section("Districts that changed hands", status_rows,
                                                 font, 99)]
        return sections_gains + _site_sections(states, theatre, layout, font, wrap, changes=True,
                                               sites=text is None or text.sites,
                                               columns=columns)
    for style in theatre.statuses:
        counts = [int((s.districts["status"] == style.status).sum()) for s in states]
        status_rows.append(_row(_swatch_status(style, pale=low_any and
                                               style.status != last,
                                               no_record=style.status == last),
                                f"{style.label}: {_count_text(counts)}", font))
    if low_any:
        status_rows.append(_row(DrawingArea(22, 4), "Second swatch, paler: low-confidence record",
                                font * 0.9))
    if len(states) == 2:
        status_rows.append(_row(_swatch_line(CHANGE_COLOUR),
                                textwrap.fill("Changed between the dates (right-hand map)",
                                              wrap), font))
    sections: list[Artist] = [_section("Districts", status_rows, font, 99)]
    return sections + _site_sections(states, theatre, layout, font, wrap, changes=len(states) == 2,
                                     sites=text is None or text.sites, columns=columns)


def _site_sections(states: Sequence[ControlState], theatre: Theatre, layout: Layout,
                   font: float, wrap: int,
                   *, changes: bool, sites: bool = True,
                   columns: int | None = None) -> list[Artist]:
    if not sites:
        return []
    used = {k for s in states for k in s.sites["kind"]}
    site_rows: list[Artist] = [_row(_swatch_site(k.symbol), k.label, font)
                               for k in theatre.kinds if k.id in used]
    if any((s.sites["precision"] != "exact").any() for s in states):
        site_rows.append(_row(_swatch_site("", dashed=True), "Dashed edge: approximate position",
                              font))
    per_column = columns or (4 if layout.wide_legend else 99)
    if any((s.sites["since"].isna()).any() for s in states):
        site_rows.append(_row(_swatch_site("", fill=theatre.statuses[-1].colour),
                              "Grey disc: no record for the site", font))
    if changes and any(len(s.sites) for s in states):
        ring = DrawingArea(22, 16)
        ring.add_artist(Circle((11, 8), 7.2, facecolor="white", edgecolor=CHANGE_COLOUR,
                               linewidth=1.6))
        ring.add_artist(Circle((11, 8), 6, facecolor="white", edgecolor=INK, linewidth=0.8))
        site_rows.append(_row(ring, "Ringed in the change colour: site changed", font))
    sections: list[Artist] = []
    if site_rows:
        sections.append(_section("Sites (disc colour = status)", site_rows, font, per_column))
    if any(s.sites["position"].any() for s in states):
        position = _row(_swatch_site("", ring=theatre.position_colour),
                        textwrap.fill(theatre.position_label, wrap), font)
        sections.append(_section("Positions", [position], font, 99))
    return sections


def _legend_arrangements(sections: list[Artist], wide: bool) -> list[OffsetBox]:
    if not wide:
        return [VPacker(children=sections, align="left", pad=0, sep=12)]
    options: list[OffsetBox] = [HPacker(children=sections, align="top", pad=0, sep=22)]
    if len(sections) == 3:  # the position ring under the districts
        first = VPacker(children=[sections[0], sections[2]], align="left", pad=0, sep=8)
        options.append(HPacker(children=[first, sections[1]], align="top", pad=0, sep=22))
    return options


def draw_legend(ax: Axes, states: Sequence[ControlState], theatre: Theatre, layout: Layout,
                text: FigureText | None = None) -> None:
    """The first arrangement that fits the legend's axes, at the largest font that fits."""
    ax.set_axis_off()
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    space = ax.get_window_extent(renderer)
    anchored = None
    tries: list[tuple[float, int | None]] = [(f, None) for f in (layout.font, layout.font - 1,
                                                                 layout.font - 2)]
    if not layout.wide_legend:  # a narrow column: the site kinds in two columns
        tries += [(layout.font - 1, 5), (layout.font - 2, 5), (layout.font - 3, 5)]
    for font, columns in tries:
        for box in _legend_arrangements(_legend_sections(states, theatre, layout, font, text,
                                                         columns),
                                        layout.wide_legend):
            if anchored is not None:
                anchored.remove()
            anchored = AnchoredOffsetbox(loc="upper left", child=box, pad=0, borderpad=0,
                                         frameon=False, bbox_to_anchor=(0, 1),
                                         bbox_transform=ax.transAxes)
            ax.add_artist(anchored)
            extent = anchored.get_window_extent(renderer)
            if extent.width <= space.width and extent.height <= space.height:
                return
