"""Print-quality static figures of the control map (PNG, SVG, PDF), drawn with matplotlib.

Maps are drawn in the boundaries' equal-area projection (:func:`mapgen.geography.equal_area_crs`,
an Albers cone fitted to their extent, whose scale stays within a fraction of a percent of
true over a country-sized extent), so one scale bar serves the whole map. Only matplotlib's
object-oriented API is used (no pyplot, no global figure state); the rcParams a figure needs
are set in an ``rc_context`` around drawing and saving.
"""

from __future__ import annotations

import io
import numbers
import os
import textwrap
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import shapely
import shapely.affinity
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Rectangle
from matplotlib.path import Path as MplPath
from pyproj import CRS, Transformer

from ..control import ControlState
from ..errors import InputError
from ..geography import Geography, WebGeometry
from ..records import Records
from ..theatre import Theatre
from .figure_legend import HATCH, HATCH_COLOUR, INK, NO_RECORD_HATCH, draw_legend
from .figure_names import (
    draw_capital_names,
    draw_district_names,
    focus_codes,
    text_half_size,
)
from .layers import date_label
from .style import CHANGE_COLOUR

#: Page sizes in inches: a 16:9 slide and landscape A4.
SIZES: dict[str, tuple[float, float]] = {"slide": (13.33, 7.5), "a4": (11.69, 8.27)}
FORMATS = ("png", "svg", "pdf")
DPI_RANGE = (50, 600)

# SVG text stays text (searchable, editable); fixed salt and no dates make the bytes stable.
# pdf.compression is left to the caller's rcParams.
_RC: dict[str, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "mapgen",
    "pdf.fonttype": 42,
    "font.family": "DejaVu Sans",
    "hatch.linewidth": 0.7,
    "axes.unicode_minus": False,
    # names, titles, captions and credits are data: a "$" is a dollar sign, never mathtext or TeX
    "text.parse_math": False,
    "text.usetex": False,
}

_CONTEXT_FILL, _CONTEXT_EDGE = "#F4F1EA", "#B9B4AA"  # as the interactive page's basemap
_OUTSIDE_FILL = "#E9E6DE"  # beyond the boundaries: land, as on the page (never water-blue)
_MARGIN = 0.04  # of the region's extent, on each side


@dataclass(frozen=True)
class _Scene:
    """The region's geometry in the equal-area CRS, shared by every map in a figure."""

    label: str
    codes: list[str]
    theatre: Theatre
    crs: CRS
    country_name: str
    districts: gpd.GeoSeries
    provinces: gpd.GeoSeries
    context: gpd.GeoSeries
    country: gpd.GeoSeries
    names: dict[str, str]
    extent: tuple[float, float, float, float]
    district_names: dict[str, str]
    focus: list[str]
    countries: tuple[tuple[str, float, float], ...] = ()  # neighbours: name, x, y (metres)


@dataclass(frozen=True)
class FigureText:
    """What a briefing adds to a figure: its own title and subtitle, a caption under the map,
    a classification or handling marking top and bottom, and which layers to leave out."""

    title: str | None = None
    subtitle: str | None = None
    caption: str | None = None
    marking: str | None = None
    sites: bool = True
    neighbours: bool = True
    gains: bool = False


@dataclass(frozen=True)
class Layout:
    """Axes rectangles in figure fractions and font sizes for one page size and map count."""

    maps: list[tuple[float, float, float, float]]
    inset: tuple[float, float, float, float] | None  # None: in a corner of the map
    legend: tuple[float, float, float, float]
    wide_legend: bool
    font: float
    caption: tuple[float, float, float, float] | None = None
    #: a single map's key when the locator needs the column's foot (no clear map corner)
    legend_short: tuple[float, float, float, float] | None = None


def draw_figure(
    states: Sequence[ControlState],
    *,
    geo: Geography,
    web: WebGeometry,
    records: Records,
    codes: list[str],
    label: str,
    fmt: str = "png",
    dpi: int = 200,
    size: str = "slide",
    text: FigureText | None = None,
) -> bytes:
    """The figure of ``states`` (one map, or two side by side, or with ``text.gains`` one map
    of what changed hands between them) of the provinces ``codes``, as the bytes of a ``fmt``
    file; :func:`mapgen.export_figure` is the public entry."""
    text = text or FigureText()
    scene = _scene(geo, web, records.theatre, codes, label)
    with mpl.rc_context(_RC):  # type: ignore[arg-type]  # stubs want literal keys
        fig = _compose(scene, states, size, _records_credit(records, states), text)
        return _save(fig, fmt, dpi, _title(scene, states, text))


def check_options(fmt: str, size: str, dpi: int, out: str | os.PathLike[str] | None) -> None:
    """Every problem with the figure options at once, before any drawing."""
    problems = []
    if fmt not in FORMATS:
        problems.append(f"fmt {fmt!r}: use png, svg or pdf")
    if size not in SIZES:
        problems.append(f"size {size!r}: use slide (16:9) or a4 (landscape)")
    whole = isinstance(dpi, numbers.Integral) and not isinstance(dpi, bool)
    if not whole or not DPI_RANGE[0] <= dpi <= DPI_RANGE[1]:
        problems.append(f"dpi {dpi!r}: use a whole number from {DPI_RANGE[0]} to {DPI_RANGE[1]}")
    if out is not None and fmt in FORMATS:
        suffix = Path(out).suffix.lower().lstrip(".")
        if suffix in FORMATS and suffix != fmt:
            problems.append(f"out {str(out)!r} ends in .{suffix} but fmt is {fmt!r}: "
                            f"give fmt={suffix!r} or rename the file")
    if problems:
        raise InputError("bad figure options: " + "; ".join(problems))


def _scene(geo: Geography, web: WebGeometry, theatre: Theatre, codes: list[str],
           label: str) -> _Scene:
    in_region = geo.districts.index[geo.districts["province_pcode"].isin(codes)]
    crs = geo.equal_area
    provinces = web.provinces.to_crs(crs)
    region_provinces = provinces.loc[codes]
    x0, y0, x1, y1 = region_provinces.total_bounds
    mx, my = (x1 - x0) * _MARGIN, (y1 - y0) * _MARGIN
    return _Scene(
        label=label,
        codes=list(codes),
        theatre=theatre,
        crs=crs,
        country_name=str(geo.country["name"].iloc[0]),
        districts=web.districts.loc[in_region].to_crs(crs),
        provinces=region_provinces,
        context=provinces.drop(index=codes),
        country=web.country.to_crs(crs),
        names=geo.provinces["name"].to_dict(),
        extent=(x0 - mx, y0 - my, x1 + mx, y1 + my),
        district_names=geo.districts["name"].to_dict(),
        focus=focus_codes(list(codes), theatre_focus(theatre)),
        countries=_countries(geo, crs),
    )


def theatre_focus(theatre: Theatre) -> list[str]:
    """The core provinces of the theatre's regions built around a few provinces (``north``:
    the three whose districts a figure always names)."""
    return [p for r in theatre.regions.values() if r.with_neighbours for p in r.provinces]


def _countries(geo: Any, crs: CRS) -> tuple[tuple[str, float, float], ...]:
    """The neighbouring countries listed beside the boundary file, projected."""
    from .labels import neighbour_labels

    named = neighbour_labels(geo.path, shapely.union_all(geo.country.geometry))
    if not named:
        return ()
    to_map = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    out = []
    for n, lat, lon in named:
        x, y = to_map.transform(lon, lat)
        out.append((n, float(x), float(y)))
    return tuple(out)


def _records_credit(records: Records, states: Sequence[ControlState]) -> str:
    """The sources behind what is drawn (records in force on the dates shown), as the
    interactive page counts them."""
    cited: set[str] = set()
    for state in states:
        for frame in (state.districts, state.sites):
            for sources in frame["sources"]:
                cited.update(sources)
    theatre = records.theatre
    folder = Path(records.folder).resolve()
    where = f"mapgen {theatre.id}" if folder == theatre.folder.resolve() else folder.name
    return f"Records: {len(cited)} cited sources ({where})"


def _heading(scene: _Scene, text: FigureText | None = None) -> str:
    if text is not None and text.title:
        return text.title
    return f"{scene.theatre.title} \u2014 {scene.label}"


def _title(scene: _Scene, states: Sequence[ControlState], text: FigureText | None = None) -> str:
    """The document title in the file's metadata."""
    return f"{_heading(scene, text)}, " + " and ".join(date_label(s.date) for s in states)


def _date_line(states: Sequence[ControlState], text: FigureText) -> str:
    if text.gains:
        dates = f"Gains since {date_label(states[0].date)}, as of {date_label(states[-1].date)}"
    else:
        dates = " \u2192 ".join(date_label(s.date) for s in states)
    return f"{text.subtitle}  \u00b7  {dates}" if text.subtitle else dates


# --- layout -----------------------------------------------------------------------------


def _layout(size: str, pair: bool, caption_lines: int = 0) -> Layout:
    """Rectangles in inches (left, bottom, right, top) turned into figure fractions. A
    single map has its key and, under it, the locator in a column of its own, so the locator
    covers nothing of the map; a pair has both in a band under the maps."""
    w, h = SIZES[size]
    line = 0.19
    cap_h = caption_lines * line + (0.08 if caption_lines else 0)
    top, bottom, side = h - 1.05, 0.45 + cap_h, 0.3

    def frac(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        return (x0 / w, y0 / h, (x1 - x0) / w, (y1 - y0) / h)

    caption = frac(side, 0.42, w - side, 0.42 + cap_h) if caption_lines else None
    if not pair:
        col = 3.2 if size == "slide" else 3.0
        inset_w = 2.0
        inset_h = inset_w * 0.8
        x0 = w - col - 0.1
        return Layout(
            maps=[frac(side, bottom, w - col - 0.45, top)],
            inset=frac(x0, bottom, x0 + inset_w, bottom + inset_h),
            legend=frac(x0, bottom, w - side, top),
            wide_legend=False, font=10.0 if size == "slide" else 9.0, caption=caption,
            legend_short=frac(x0, bottom + inset_h + 0.2, w - side, top),
        )
    band = 1.75
    gap = 0.25
    half = (w - 2 * side - gap) / 2
    maps_bottom = bottom + band + 0.1
    top -= 0.35  # room for each map's date
    inset_w = 2.2
    return Layout(
        maps=[frac(side, maps_bottom, side + half, top),
              frac(side + half + gap, maps_bottom, w - side, top)],
        inset=frac(side, bottom, side + inset_w, bottom + band),
        legend=frac(side + inset_w + 0.3, bottom, w - side, bottom + band),
        wide_legend=True, font=8.0, caption=caption,
    )


def _changed(before: ControlState, after: ControlState) -> tuple[set[str], set[str]]:
    """Districts and sites whose status differs between two states."""
    def diff(a: Any, b: Any) -> set[str]:
        common = a.index.intersection(b.index)
        return set(common[(a.loc[common, "status"] != b.loc[common, "status"]).to_numpy()])
    return diff(before.districts, after.districts), diff(before.sites, after.sites)


def _compose(scene: _Scene, states: Sequence[ControlState], size: str, records: str,
             text: FigureText | None = None) -> Figure:
    text = text or FigureText()
    w, h = SIZES[size]
    fig = Figure(figsize=(w, h), facecolor="white")
    FigureCanvasAgg(fig)
    caption = textwrap.wrap(text.caption, width=int((w - 0.6) * 72 / 9.5 * 1.75)) \
        if text.caption else []
    pair = len(states) == 2 and not text.gains
    layout = _layout(size, pair, len(caption))
    fig.text(0.3 / w, 1 - 0.28 / h, _heading(scene, text),
             fontsize=20, fontweight="bold", color=INK, va="top")
    fig.text(0.3 / w, 1 - 0.72 / h, _date_line(states, text), fontsize=14, color=INK, va="top")
    if text.marking:
        for y, va in ((1 - 0.05 / h, "top"), (0.03 / h, "bottom")):
            fig.text(0.5, y, text.marking, fontsize=9, fontweight="bold", color=INK,
                     ha="center", va=va, gid="marking")
    if caption and layout.caption is not None:
        x, y, _, ch = layout.caption
        fig.text(x, y + ch, "\n".join(caption), fontsize=9.5, color=INK, va="top",
                 linespacing=1.35, gid="caption")
    axes = [fig.add_axes(rect) for rect in layout.maps]
    for ax in axes:
        _set_extent(ax, scene.extent)
    reserved: list[shapely.Geometry] = []
    inset = layout.inset
    assert inset is not None
    legend = layout.legend
    if layout.legend_short is not None:
        # a single map: the locator in a corner of the map that shows nothing of the region,
        # else at the foot of the key's column
        corner = _clear_corner(axes[0], scene, width_in=inset[2] * w)
        if corner is None:
            legend = layout.legend_short
        else:
            inset = corner
            reserved.append(_data_box(axes[0], inset))
    changes = _changed(states[0], states[-1]) if len(states) == 2 else None
    drawn = [states[-1]] if text.gains else list(states)
    for i, (ax, state) in enumerate(zip(axes, drawn, strict=True)):
        after = i == len(drawn) - 1 and changes is not None
        _draw_map(ax, scene, state, reserved, small=pair, text=text,
                  changes=changes if after else None)
        if pair:
            ax.set_title(date_label(state.date), fontsize=14, fontweight="bold", color=INK,
                         pad=6)
    _draw_inset(fig.add_axes(inset), scene, axes[0])
    draw_legend(fig.add_axes(legend), states, scene.theatre, layout, text=text)
    credit = "  \u00b7  ".join([*scene.theatre.credit_lines(), records])
    fig.text(0.3 / w, 0.16 / h, credit, fontsize=7.5, color="#444444", va="bottom")
    return fig


def _save(fig: Figure, fmt: str, dpi: int, title: str) -> bytes:
    metadata: dict[str, str | None]
    if fmt == "pdf":
        metadata = {"Title": title, "Creator": "mapgen", "CreationDate": None}
    elif fmt == "svg":
        metadata = {"Title": title, "Creator": "mapgen", "Date": None}
    else:
        metadata = {"Title": title, "Software": "mapgen (matplotlib)"}
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=int(dpi), metadata=metadata, facecolor="white")
    return buf.getvalue()


# --- geometry ---------------------------------------------------------------------------


def _path(geom: shapely.Geometry) -> MplPath:
    """A polygon or multipolygon as one compound path, holes wound the other way."""
    verts: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    geom = shapely.orient_polygons(geom)
    for poly in getattr(geom, "geoms", [geom]):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)[:, :2]
            code = np.full(len(xy), MplPath.LINETO, dtype=MplPath.code_type)
            code[0], code[-1] = MplPath.MOVETO, MplPath.CLOSEPOLY
            verts.append(xy)
            codes.append(code)
    if not verts:
        return MplPath(np.empty((0, 2)))
    return MplPath(np.concatenate(verts), np.concatenate(codes))


def _shapes(ax: Axes, geoms: Iterable[shapely.Geometry], zorder: float, **style: Any) -> None:
    paths = [_path(g) for g in geoms]
    ax.add_collection(PathCollection(paths, zorder=zorder, **style), autolim=False)


def _clear_point(geom: shapely.Geometry, obstacles: list[shapely.Geometry],
                 half: tuple[float, float], avoid: shapely.Geometry | None = None,
                 ) -> tuple[float, float] | None:
    """The visual centre of the part of ``geom`` where a label of half-size ``half`` (metres)
    touches none of ``obstacles`` (discs as ``Point(x, y, radius)``, or label boxes) nor the
    area ``avoid``; None when no part is clear.

    A label centred outside the obstacles grown by the label's half-size cannot touch them
    (a rectangle's Minkowski sum with a box is a bigger box, with a disc a rounded box; an
    area is grown by shifting it to the label's corners and edge midpoints)."""
    hx, hy = half
    label = shapely.box(-hx, -hy, hx, hy)
    grown = []
    if avoid is not None:
        grown += [shapely.affinity.translate(avoid, dx, dy)
                  for dx in (-hx, 0, hx) for dy in (-hy, 0, hy)]
    for obstacle in obstacles:
        if obstacle.geom_type == "Point":  # a disc: x, y and its radius as z
            x, y, r = obstacle.coords[0]
            grown.append(shapely.affinity.translate(label.buffer(r), x, y))
        else:
            bx0, by0, bx1, by1 = obstacle.bounds
            grown.append(shapely.box(bx0 - hx, by0 - hy, bx1 + hx, by1 + hy))
    free = shapely.difference(geom, shapely.union_all(grown)) if grown else geom
    if free.is_empty or free.area <= 0:
        return None
    return _label_point(free)


def _label_point(geom: shapely.Geometry) -> tuple[float, float]:
    centre = shapely.maximum_inscribed_circle(geom, 1000.0).coords[0]  # visual centre
    return float(centre[0]), float(centre[1])


# --- the map ----------------------------------------------------------------------------


def _draw_map(ax: Axes, scene: _Scene, state: ControlState,
              reserved: list[shapely.Geometry], *, small: bool, text: FigureText | None = None,
              changes: tuple[set[str], set[str]] | None = None) -> None:
    """One map; ``reserved`` are boxes (map metres) that names must keep clear of;
    ``changes`` (districts, sites) are outlined, or with ``text.gains`` the only places
    coloured."""
    text = text or FigureText()
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor(_OUTSIDE_FILL)
    for spine in ax.spines.values():
        spine.set_linewidth(0.8)
        spine.set_color("#555555")
    if text.neighbours:
        _shapes(ax, scene.context.values, 1, facecolor=_CONTEXT_FILL, edgecolor=_CONTEXT_EDGE,
                linewidth=0.6)
    else:
        _shapes(ax, scene.country.values, 1, facecolor=_CONTEXT_FILL, edgecolor="none")
    gains = changes[0] if (text.gains and changes is not None) else None
    _draw_districts(ax, scene, state, gains=gains)
    if changes is not None and not text.gains:
        outlined = [c for c in scene.districts.index if c in changes[0]]
        if outlined:
            _shapes(ax, scene.districts.loc[outlined].values, 4.5, facecolor="none",
                    edgecolor=CHANGE_COLOUR, linewidth=1.8, linestyle=(0, (4, 2)))
    _shapes(ax, scene.provinces.values, 4, facecolor="none", edgecolor="#333333",
            linewidth=1.2 if small else 1.4)
    _shapes(ax, scene.country.values, 4, facecolor="none", edgecolor="#666666", linewidth=1.0)
    furniture = [_scale_bar(ax, small=small), _north_arrow(ax, scene.crs)]
    ppm = _points_per_metre(ax)
    if text.sites:
        discs, by_id, anchors = _draw_sites(ax, scene, state, small=small,
                                            changed=changes[1] if changes else set())
    else:
        discs, by_id, anchors = [], {}, _capital_points(ax, scene, state)
    obstacles: list[shapely.Geometry] = [*reserved, *furniture,
                                         *(shapely.Point(x, y, r) for x, y, r in discs)]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    view = shapely.box(x0, y0, x1, y1)
    font = _name_font(ax)
    # capitals first, then the focus provinces' districts (always named where they fit),
    # then province names where room is left
    draw_capital_names(ax, state, by_id, anchors, obstacles, view, ppm, font)
    focus = scene.districts.index[state.districts["province"].reindex(scene.districts.index)
                                  .isin(scene.focus).to_numpy()]
    draw_district_names(ax, scene.districts.loc[focus], scene.district_names, obstacles, view,
                        ppm, font * 0.8)
    _draw_province_names(ax, scene, obstacles, small=small, neighbours=text.neighbours)
    if text.neighbours:
        _draw_countries(ax, scene, obstacles, view)


def _draw_countries(ax: Axes, scene: _Scene, obstacles: list[shapely.Geometry],
                    view: shapely.Geometry) -> None:
    """Neighbouring countries named on the land outside the boundaries, where clear."""
    country = shapely.union_all(scene.country.values)
    (vx0, vx1), (vy0, vy1) = ax.get_xlim(), ax.get_ylim()
    for name, x, y in scene.countries:
        label = name.upper()
        hx, hy = text_half_size(ax, label, 10, weight="bold", pad=1.0)
        # a country beyond the view is named at the nearest edge of the view, if on its land
        pad = 6 / _points_per_metre(ax)
        x = min(max(x, vx0 + hx + pad), vx1 - hx - pad)
        y = min(max(y, vy0 + hy + pad), vy1 - hy - pad)
        box = shapely.box(x - hx, y - hy, x + hx, y + hy)
        if not view.contains(box) or box.intersects(country):
            continue
        if any(box.intersects(o) if o.geom_type != "Point" else
               box.distance(shapely.Point(*o.coords[0][:2])) < o.coords[0][2]
               for o in obstacles):
            continue
        ax.text(x, y, label, ha="center", va="center", fontsize=10, fontweight="bold",
                color="#8A857B", zorder=1.6, clip_on=True, gid=f"country-{name}")
        obstacles.append(box)


def _name_font(ax: Axes) -> float:
    """Names sized for the map: about 9.5 pt on a full-slide map, less on half a slide."""
    fig = _figure(ax)
    width_in = ax.get_position().width * fig.get_figwidth()
    return float(np.clip(width_in * 1.0, 7.0, 10.0))


def _capital_points(ax: Axes, scene: _Scene, state: ControlState
                    ) -> dict[str, tuple[float, float]]:
    """Where each capital is when no site symbols are drawn: a small dot at its point."""
    sites = state.sites[state.sites["capital"] != ""]
    if sites.empty:
        return {}
    to_map = Transformer.from_crs("EPSG:4326", scene.crs, always_xy=True)
    mx, my = to_map.transform(sites["lon"].to_numpy(), sites["lat"].to_numpy())
    ax.scatter(mx, my, s=14, color=INK, zorder=7, linewidths=0.8, edgecolors="white")
    return {str(c): (float(x), float(y)) for c, x, y in zip(sites.index, mx, my, strict=True)}


def _draw_districts(ax: Axes, scene: _Scene, state: ControlState,
                    gains: set[str] | None = None) -> None:
    """Districts in status colours: paler for a low-confidence record, dotted grey for no
    record at all; with ``gains``, only those districts coloured and the rest neutral."""
    statuses = state.districts["status"].reindex(scene.districts.index).fillna("unknown")
    low = (state.districts["confidence"].reindex(scene.districts.index) == "low").to_numpy()
    since = state.districts["since"].reindex(scene.districts.index)
    none = since.isna().to_numpy()
    # a low-confidence record is drawn paler, as on the interactive page
    styles = {s.status: s for s in scene.theatre.statuses}
    colours = [mpl.colors.to_rgba(styles[s].colour, 0.45 if weak else 1.0)
               for s, weak in zip(statuses, low, strict=True)]
    if gains is not None:  # who gained a place, at full strength; the rest neutral
        keep = scene.districts.index.isin(list(gains))
        colours = [mpl.colors.to_rgba(styles[st].colour) if k else mpl.colors.to_rgba(_CONTEXT_FILL)
                   for st, k in zip(statuses, keep, strict=True)]
        none = none & keep
        statuses = statuses.where(keep, "")
    _shapes(ax, scene.districts.values, 2, facecolor=colours,
            edgecolor="white" if gains is None else "#CCC6B8", linewidth=0.5)
    hatched = [s for s in styles.values() if s.pattern == "hatch"]
    for style in hatched:
        geoms = scene.districts.values[(statuses == style.status).to_numpy()]
        if len(geoms):
            _shapes(ax, geoms, 3, facecolor="none", edgecolor="none", hatch=HATCH,
                    hatchcolor=HATCH_COLOUR, linewidth=0)
    if none.any():  # no record: dots, so it never reads as a pale colour in grey-scale
        _shapes(ax, scene.districts.values[none], 3, facecolor="none", edgecolor="none",
                hatch=NO_RECORD_HATCH, hatchcolor="#777777", linewidth=0)


def _draw_province_names(
    ax: Axes, scene: _Scene, obstacles: list[shapely.Geometry], *, small: bool,
    neighbours: bool = True,
) -> None:
    """Region names in spaced capitals, then context names in grey, each where it clears
    ``obstacles`` (site symbols, furniture and every name placed before, which it joins;
    largest provinces first); a name with no clear place inside its province and the view
    is left out."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    ppm = _points_per_metre(ax)
    crowded = len(scene.codes) > 15
    size = (8.5 if small else 10) * (0.85 if crowded else 1)
    box = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
           "alpha": 0.6}
    style: dict[str, Any] = {"fontsize": size * 0.9, "fontweight": "bold", "color": "#444444",
                             "zorder": 6, "bbox": box}
    grey: dict[str, Any] = {"fontsize": size * 0.8, "fontstyle": "italic", "color": "#888888",
                            "zorder": 1.5}
    # simplified to a point's width: the outline only has to keep grey names off the region
    region = shapely.simplify(shapely.union_all(scene.provinces.values), 1 / ppm)
    series_list: list[tuple[Any, dict[str, Any], Any, bool]] = [
        (scene.provinces, style, None, True)]
    if neighbours:
        series_list.append((scene.context, grey, region, False))
    for series, text_style, avoid, upper in series_list:
        for code in series.area.sort_values(ascending=False, kind="stable").index:
            name = scene.names[code]
            label = name.upper() if upper else name
            for scale in (1.0, 0.8):  # a crowded province gets a smaller name, or none
                font = float(text_style["fontsize"]) * scale
                hx, hy = text_half_size(ax, label, font, weight=text_style.get("fontweight",
                                                                             "normal"),
                                        style=text_style.get("fontstyle", "normal"), pad=2.0)
                view = shapely.box(x0 + hx, y0 + hy, x1 - hx, y1 - hy)
                point = _clear_point(shapely.intersection(series[code], view), obstacles,
                                     (hx, hy), avoid)
                if point is not None:
                    ax.text(*point, label, ha="center", va="center", clip_on=True,
                            gid=f"province-{code}", **{**text_style, "fontsize": font})
                    obstacles.append(shapely.box(point[0] - hx, point[1] - hy,
                                                 point[0] + hx, point[1] + hy))
                    break


def _set_extent(ax: Axes, extent: tuple[float, float, float, float]) -> None:
    """Show at least ``extent``, widened in one direction to fill the axes at 1:1, so the
    limits are final before anything is sized in points."""
    fig = _figure(ax)
    box = ax.get_position()
    box_ratio = (box.height * fig.get_figheight()) / (box.width * fig.get_figwidth())
    x0, y0, x1, y1 = extent
    cx, cy, w, h = (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0
    if h / w > box_ratio:
        w = h / box_ratio
    else:
        h = w * box_ratio
    ax.set_xlim(cx - w / 2, cx + w / 2)
    ax.set_ylim(cy - h / 2, cy + h / 2)
    ax.set_aspect("equal", adjustable="box")


def _figure(ax: Axes) -> Figure:
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)
    return fig


def _data_box(ax: Axes, rect: tuple[float, float, float, float]) -> shapely.Geometry:
    """A rectangle in figure fractions as a box in ``ax``'s data coordinates."""
    to_data = ax.transData.inverted()
    fig = _figure(ax)
    corners = fig.transFigure.transform([(rect[0], rect[1]),
                                         (rect[0] + rect[2], rect[1] + rect[3])])
    (x0, y0), (x1, y1) = to_data.transform(corners)
    return shapely.box(x0, y0, x1, y1)


def _points_per_metre(ax: Axes) -> float:
    fig = _figure(ax)
    width_in = ax.get_position().width * fig.get_figwidth()
    x0, x1 = ax.get_xlim()
    return width_in * 72 / (x1 - x0)


def _spread(xy: np.ndarray, radii: np.ndarray, gap: float = 1.0) -> np.ndarray:
    """Centres (in points) near ``xy`` where discs of ``radii`` do not overlap: overlapping
    pairs are pushed apart while each disc is pulled back towards its true place, which packs
    sites that share a place into a tight cluster around it. Deterministic."""
    pos = xy.astype(float).copy()
    keys = [tuple(p) for p in np.round(xy, 1)]
    totals, seen = Counter(keys), Counter[tuple[float, ...]]()
    for i, key in enumerate(keys):  # shared places start fanned out, in site-id order
        if totals[key] > 1:
            angle = np.pi / 2 + 2 * np.pi * seen[key] / totals[key]
            pos[i] += radii[i] * np.array([np.cos(angle), np.sin(angle)])
        seen[key] += 1
    need = radii[:, None] + radii[None, :] + gap
    for step in range(400):
        if step < 300:
            pos += 0.08 * (xy - pos)
        diff = pos[:, None, :] - pos[None, :, :]
        dist = np.hypot(diff[..., 0], diff[..., 1])
        np.fill_diagonal(dist, np.inf)
        push = np.clip(need - dist, 0, None) / np.where(dist > 0, dist, 1)
        pos += 0.3 * (push[..., None] * diff).sum(axis=1)
    return pos


def _site_radius(ax: Axes) -> float:
    """Disc radius in points, sized for the map: about 9 pt on a full-slide map, 6 on half."""
    fig = _figure(ax)
    width_in = ax.get_position().width * fig.get_figwidth()
    return float(np.clip(width_in * 0.95, 5.5, 9.0))


def _draw_sites(ax: Axes, scene: _Scene, state: ControlState, *, small: bool,
                changed: set[str] | None = None,
                ) -> tuple[list[tuple[float, float, float]], dict[str, tuple[float, float, float]],
                           dict[str, tuple[float, float]]]:
    """Lettered discs in status colours, packed around their places with a leader line back
    to each place; a changed site ringed in the change colour, a remaining position in the
    position colour, each round its own disc. Returns each disc as ``(x, y, outer radius)``
    in metres, the same by site id, and each site's true point by id."""
    sites = state.sites
    if sites.empty:
        return [], {}, {}
    changed = changed or set()
    ppm = _points_per_metre(ax)
    theatre = scene.theatre
    symbols = {k.id: k.symbol for k in theatre.kinds}
    to_map = Transformer.from_crs("EPSG:4326", scene.crs, always_xy=True)
    mx, my = to_map.transform(sites["lon"].to_numpy(), sites["lat"].to_numpy())
    true = np.column_stack([mx, my]) * ppm
    r = _site_radius(ax)
    ring = sites["position"].to_numpy(dtype=bool)
    moved = np.array([c in changed for c in sites.index])
    extra = np.where(moved, 1.8, 0.0)
    radii = np.where(ring, r + 3.4, r + 0.8) + extra
    centres = _spread(true, radii) / ppm
    anchors = true / ppm
    far = np.hypot(*(centres - anchors).T) * ppm > 1.0
    if far.any():
        ax.add_collection(LineCollection(list(np.stack([anchors[far], centres[far]], axis=1)),
                                         colors="#444444", linewidths=0.7, zorder=7))
        ax.scatter(anchors[far, 0], anchors[far, 1], s=6, color=INK, zorder=7, linewidths=0)
    for (code, site), (cx, cy), has_ring, ext in zip(sites.iterrows(), centres, ring, extra,
                                                     strict=True):
        dashed = site["precision"] != "exact"
        # a white halo parts the disc from a field of the same colour; a changed site's
        # halo is the change colour
        ax.add_patch(Circle((cx, cy), (r + 1.0 + ext) / ppm, facecolor="white",
                            edgecolor=CHANGE_COLOUR if ext else "none", linewidth=1.6,
                            zorder=7.9))
        ax.add_patch(Circle((cx, cy), r / ppm, facecolor=theatre.style(site["status"]).colour,
                            edgecolor=INK, linewidth=0.8, zorder=8,
                            linestyle=(0, (2.2, 1.4)) if dashed else "solid"))
        ax.text(cx, cy, symbols[site["kind"]], fontsize=r * 1.15, fontweight="bold",
                color="#111111", ha="center", va="center_baseline", zorder=9, clip_on=True,
                gid=f"site-{code}")
        if has_ring:
            ax.add_patch(Circle((cx, cy), (r + 2.0 + ext) / ppm, facecolor="none",
                                edgecolor=theatre.position_colour, linewidth=2.4, zorder=8.5))
    discs = [(float(x), float(y), float(rad) / ppm) for (x, y), rad in zip(centres, radii,
                                                                           strict=True)]
    ids = [str(c) for c in sites.index]
    return (discs, dict(zip(ids, discs, strict=True)),
            {c: (float(x), float(y)) for c, (x, y) in zip(ids, anchors, strict=True)})


def _nice_length(target_m: float) -> float:
    steps = (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)
    fitting = [s for s in steps if s * 1000 <= target_m]
    return (fitting[-1] if fitting else steps[0]) * 1000.0


def _scale_bar(ax: Axes, *, small: bool) -> shapely.Geometry:
    """A bar of a round length in the lower left; returns the box it takes (map metres)."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    ppm = _points_per_metre(ax)
    length = _nice_length((x1 - x0) * 0.2)
    bx, by = x0 + (x1 - x0) * 0.03, y0 + (y1 - y0) * 0.045
    height = 5 / ppm
    pad = 6 / ppm
    back = Rectangle((bx - pad, by - pad), length + 2 * pad + 14 / ppm,
                     height + 2 * pad + 12 / ppm, facecolor="white", edgecolor="none",
                     alpha=0.8, zorder=10)
    ax.add_patch(back)
    for i, colour in enumerate((INK, "white")):
        ax.add_patch(Rectangle((bx + i * length / 2, by), length / 2, height, facecolor=colour,
                               edgecolor=INK, linewidth=0.8, zorder=11))
    size = 7.5 if small else 8.5
    km = round(length / 1000)
    for frac, text in ((0, "0"), (0.5, f"{km / 2:g}"), (1, f"{km} km")):
        ax.text(bx + frac * length, by + height + 2.5 / ppm, text, fontsize=size, color=INK,
                ha="center", va="bottom", zorder=11)
    (x, y), (w, h) = back.get_xy(), (back.get_width(), back.get_height())
    return shapely.box(x, y, x + w, y + h)


def _north_arrow(ax: Axes, crs: CRS) -> shapely.Geometry:
    """An arrow to true north at the arrow's own place (meridians converge in the Albers
    projection, so grid north is not quite true north away from the central meridian)."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    ppm = _points_per_metre(ax)
    bx, by = x0 + (x1 - x0) * 0.045, y1 - (y1 - y0) * 0.17
    to_geo = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    to_map = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    lon, lat = to_geo.transform(bx, by)
    nx, ny = to_map.transform(lon, lat + 0.1)
    unit = np.array([nx - bx, ny - by]) / np.hypot(nx - bx, ny - by)
    tip = np.array([bx, by]) + unit * 26 / ppm
    ax.annotate("", xy=tuple(tip), xytext=(bx, by), zorder=11,
                arrowprops={"arrowstyle": "-|>,head_length=0.7,head_width=0.35",
                            "color": INK, "linewidth": 1.8})
    label = tip + unit * 3 / ppm
    ax.text(label[0], label[1], "N", fontsize=12, fontweight="bold", color=INK,
            ha="center", va="bottom", zorder=11)
    reach = 10 / ppm
    return shapely.box(bx - reach, by - reach, bx + reach, label[1] + 2 * reach)


# --- inset and legend -------------------------------------------------------------------


def _clear_corner(ax: Axes, scene: _Scene, width_in: float
                  ) -> tuple[float, float, float, float] | None:
    """A rectangle (figure fractions) for the locator in a right-hand corner of the map
    (the scale bar and north arrow hold the left ones) that covers nothing of the region,
    or None when both corners would."""
    fig = _figure(ax)
    fw, fh = fig.get_figwidth(), fig.get_figheight()
    cx0, cy0, cx1, cy1 = scene.country.total_bounds
    height_in = width_in * (cy1 - cy0) / (cx1 - cx0)
    pos = ax.get_position()
    w, h, pad = width_in / fw, height_in / fh, 0.08
    right = pos.x1 - w - pad / fw
    region = shapely.union_all(scene.provinces.values)
    for corner in ((right, pos.y0 + pad / fh), (right, pos.y1 - h - pad / fh)):
        rect = (corner[0], corner[1], w, h)
        if not _data_box(ax, rect).buffer(2000).intersects(region):
            return rect
    return None


def _draw_inset(ax: Axes, scene: _Scene, main: Axes) -> None:
    allp = [*scene.provinces.values, *scene.context.values]
    _shapes(ax, allp, 1, facecolor="white", edgecolor="#CCCCCC", linewidth=0.4)
    _shapes(ax, scene.provinces.values, 2, facecolor="#BBBBBB", edgecolor="#999999",
            linewidth=0.4)
    _shapes(ax, scene.country.values, 3, facecolor="none", edgecolor="#555555", linewidth=0.8)
    (x0, x1), (y0, y1) = main.get_xlim(), main.get_ylim()
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, facecolor="none", edgecolor="#CC3311",
                           linewidth=1.4, zorder=4))
    cx0, cy0, cx1, cy1 = scene.country.total_bounds
    pad = 0.03 * (cx1 - cx0)
    _set_extent(ax, (min(cx0, x0) - pad, min(cy0, y0) - pad, max(cx1, x1) + pad,
                     max(cy1, y1) + pad))
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.6)
        spine.set_color("#999999")
    # the key sits in the lower right corner of the country's bounding box
    ax.text(0.97, 0.04, f"{scene.country_name}\nregion: grey\nthis map: red", fontsize=6.5,
            color="#444444", transform=ax.transAxes, ha="right", va="bottom", linespacing=1.3)
