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

if TYPE_CHECKING:
    from .figure import Layout

HATCH = "////"
HATCH_COLOUR = "#555555"
INK = "#222222"


def _swatch_status(style: StatusStyle) -> DrawingArea:
    area = DrawingArea(22, 12)
    area.add_artist(Rectangle((0, 0), 22, 12, facecolor=style.colour, edgecolor="#555555",
                              linewidth=0.6, hatch=HATCH if style.pattern == "hatch" else None,
                              hatchcolor=HATCH_COLOUR))
    return area


def _swatch_site(glyph: str, *, dashed: bool = False, ring: str = "") -> DrawingArea:
    area = DrawingArea(22, 16)
    area.add_artist(Circle((11, 8), 6, facecolor="white", edgecolor=INK, linewidth=0.8,
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
                     font: float) -> list[Artist]:
    """Districts (with counts on each date), the site kinds drawn, and the position ring."""
    wrap = 34 if layout.wide_legend else 36
    status_rows: list[Artist] = []
    for style in theatre.statuses:
        counts = [int((s.districts["status"] == style.status).sum()) for s in states]
        status_rows.append(_row(_swatch_status(style),
                                f"{style.label}: {_count_text(counts)}", font))
    used = {k for s in states for k in s.sites["kind"]}
    site_rows: list[Artist] = [_row(_swatch_site(k.symbol), k.label, font)
                               for k in theatre.kinds if k.id in used]
    if any((s.sites["precision"] != "exact").any() for s in states):
        site_rows.append(_row(_swatch_site("", dashed=True), "Dashed edge: approximate position",
                              font))
    per_column = 4 if layout.wide_legend else 99
    if any((s.districts["confidence"] == "low").any() for s in states):
        pale = DrawingArea(22, 12)
        pale.add_artist(Rectangle((0, 0), 22, 12, facecolor=theatre.statuses[0].colour,
                                  alpha=0.45, edgecolor="#555555", linewidth=0.6))
        status_rows.append(_row(pale, "Paler: low-confidence record", font))
    sections: list[Artist] = [_section("Districts", status_rows, font, 99)]
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


def draw_legend(ax: Axes, states: Sequence[ControlState], theatre: Theatre,
                layout: Layout) -> None:
    """The first arrangement that fits the legend's axes, at the largest font that fits."""
    ax.set_axis_off()
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    space = ax.get_window_extent(renderer)
    anchored = None
    for font in (layout.font, layout.font - 1, layout.font - 2):
        for box in _legend_arrangements(_legend_sections(states, theatre, layout, font),
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
