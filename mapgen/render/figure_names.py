"""Names on the static figures: capitals beside their site discs and districts inside their
shapes, each placed where it touches no disc, no panel and no name placed before it (a name
with no free place is shrunk once, then left out).

Text is data: it is drawn as plain text (the figure's ``text.parse_math`` is off)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.text import Text

from ..control import ControlState

INK = "#222222"
_HALO = {"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none", "alpha": 0.8}


def _free(box: shapely.Geometry, obstacles: Sequence[shapely.Geometry],
          view: shapely.Geometry) -> bool:
    if not view.contains(box):
        return False
    for ob in obstacles:
        if ob.geom_type == "Point":
            x, y, r = ob.coords[0]
            if box.distance(shapely.Point(x, y)) < r:
                return False
        elif box.intersects(ob):
            return False
    return True


def text_half_size(ax: Axes, text: str, font: float, *, weight: str = "normal",
                   style: str = "normal", pad: float = 0.0) -> tuple[float, float]:
    """Half-width and half-height of ``text`` at ``font`` points in ``ax``'s data units,
    measured by the renderer (plus ``pad`` points on each side, for a halo box)."""
    fig = ax.get_figure(root=True)
    assert fig is not None
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    probe = Text(0, 0, text, fontsize=font, fontweight=weight, fontstyle=style)
    probe.set_figure(fig)  # type: ignore[arg-type]
    box = probe.get_window_extent(renderer)
    ppm = _ppm(ax)
    scale = 72 / fig.dpi
    return ((box.width * scale / 2 + pad) / ppm, (box.height * scale / 2 + pad) / ppm)


def _ppm(ax: Axes) -> float:
    fig = ax.get_figure(root=True)
    assert fig is not None
    width_in = ax.get_position().width * fig.get_figwidth()
    x0, x1 = ax.get_xlim()
    return width_in * 72 / (x1 - x0)


def draw_capital_names(ax: Axes, state: ControlState, discs: dict[str, tuple[float, float, float]],
                       anchors: dict[str, tuple[float, float]], obstacles: list[shapely.Geometry],
                       view: shapely.Geometry, ppm: float, font: float) -> list[str]:
    """Each capital's name beside the discs drawn for its point (right, left, above, below);
    returns the names drawn. ``discs`` and ``anchors`` are by site id, in map metres."""
    drawn = []
    sites = state.sites
    capitals = sites.index[sites["capital"] != ""]  # seats of a province or the country
    for code in sorted(capitals, key=lambda c: (sites.loc[c, "lon"], c)):
        name = str(sites.loc[code, "name"])
        ax0, ay0 = anchors.get(code, (np.nan, np.nan))
        if np.isnan(ax0):
            continue
        # the cluster: every disc whose site shares the capital's point
        group = [discs[s] for s, a in anchors.items() if s in discs
                 and abs(a[0] - ax0) < 1 and abs(a[1] - ay0) < 1]
        xs = [d[0] - d[2] for d in group] + [ax0]
        xe = [d[0] + d[2] for d in group] + [ax0]
        ys = [d[1] - d[2] for d in group] + [ay0]
        ye = [d[1] + d[2] for d in group] + [ay0]
        x0, x1, y0, y1 = min(xs), max(xe), min(ys), max(ye)
        for size in (font, font * 0.85):
            hx, hy = text_half_size(ax, name, size, weight="bold", pad=1.5)
            g = 2.5 / ppm
            cy, cx = (y0 + y1) / 2, (x0 + x1) / 2
            candidates = [(x1 + g + hx, cy), (x0 - g - hx, cy), (cx, y1 + g + hy),
                          (cx, y0 - g - hy), (x1 + g + hx, y1 + hy), (x1 + g + hx, y0 - hy),
                          (x0 - g - hx, y1 + hy), (x0 - g - hx, y0 - hy)]
            spot = next((c for c in candidates
                         if _free(shapely.box(c[0] - hx, c[1] - hy, c[0] + hx, c[1] + hy),
                                  obstacles, view)), None)
            if spot is not None:
                ax.text(*spot, name, ha="center", va="center", fontsize=size, fontweight="bold",
                        color=INK, zorder=9.5, clip_on=True, bbox=_HALO, gid=f"capital-{code}")
                obstacles.append(shapely.box(spot[0] - hx, spot[1] - hy, spot[0] + hx,
                                             spot[1] + hy))
                drawn.append(name)
                break
    return drawn


def draw_district_names(ax: Axes, districts: gpd.GeoSeries, names: dict[str, str],
                        obstacles: list[shapely.Geometry], view: shapely.Geometry, ppm: float,
                        font: float) -> list[str]:
    """District names at their visual centres where they fit inside the district (a little
    over its inscribed circle) and clear everything placed before; larger districts first."""
    from .labels import label_point

    drawn = []
    spots: list[tuple[float, str, float, float, float]] = []
    for code, geom in districts.items():
        x, y, r = label_point(geom, 200.0)
        spots.append((r, str(code), x, y, r))
    for _, code, x, y, r in sorted(spots, key=lambda s: (-s[0], s[1])):
        name = names.get(code, code)
        for size in (font, font * 0.8):
            hx, hy = text_half_size(ax, name, size, style="italic", pad=0.5)
            if hx > 1.4 * r or hy > r:
                continue
            placed = False
            for cy in (y, y - 2 * hy, y + 2 * hy):
                box = shapely.box(x - hx, cy - hy, x + hx, cy + hy)
                if _free(box, obstacles, view) and districts[code].contains(shapely.Point(x, cy)):
                    ax.text(x, cy, name, ha="center", va="center", fontsize=size,
                            fontstyle="italic", color="#333333", zorder=5.5, clip_on=True,
                            gid=f"district-{code}")
                    obstacles.append(box)
                    drawn.append(name)
                    placed = True
                    break
            if placed:
                break
    return drawn


def focus_codes(region: Sequence[str], focus: Sequence[str]) -> list[str]:
    """The provinces of a figure whose districts are always named: the region's focus
    provinces, or the whole region when it is three provinces or fewer."""
    inside = [c for c in region if c in set(focus)]
    if not inside and len(region) <= 3:
        return list(region)
    return inside


def text_kwargs(**extra: Any) -> dict[str, Any]:
    return {"color": INK, **extra}
