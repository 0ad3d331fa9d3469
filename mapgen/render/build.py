"""Assemble folium pages: one map for a date, two synchronised maps, or a timeline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import folium
import xyzservices
from branca.element import Figure

from ..control import ControlState, TableDay
from ..errors import InputError
from ..geography import Geography, WebGeometry
from ..records import Records
from .layers import build_payload, date_label
from .page import Assets, DataElement, MapgenMap, ViewElement, mark_built

GROUP_NAMES = {
    "basemap": None,
    "districts": "Districts (status)",
    "provinces": "Province outlines and names",
    "labels": "Place names",
    "changes": "Changes between the dates",
    "sites": "Facilities",
    "positions": "",  # the theatre's name for its remaining positions
}


def tile_layer(name: str) -> folium.TileLayer:
    """An online basemap by its xyzservices name (``CartoDB.Positron``, ``OpenStreetMap.Mapnik``)."""
    try:
        provider = xyzservices.providers.query_name(name)
    except ValueError:
        raise InputError(
            f"unknown tile provider {name!r}: use an xyzservices name such as "
            "'CartoDB.Positron' or 'OpenStreetMap.Mapnik'"
        ) from None
    return folium.TileLayer(tiles=provider, name=provider.name, overlay=False, control=True)


def _add_view(
    m: folium.Map, data: DataElement, bounds: list[list[float]], *, tiles: str | None,
    view_class: str, options: dict[str, Any], positions: str, changes: bool = False,
) -> None:
    # a comparison has two maps side by side: their layer controls fold away
    if tiles:
        m.add_child(tile_layer(tiles))
    groups = {}
    for key, label in GROUP_NAMES.items():
        if key == "changes" and not changes:
            continue
        if key == "positions":
            label = positions
        group = folium.FeatureGroup(name=label or key, control=label is not None, show=True)
        m.add_child(group)
        groups[key] = group
    m.add_child(ViewElement(m, groups, data, bounds, view_class=view_class, options=options))
    folium.LayerControl(collapsed=changes, position="topright").add_to(m)


def build_page(
    records: Records,
    geo: Geography,
    web: WebGeometry,
    states: Sequence[ControlState | TableDay],
    *,
    provinces: list[str],
    region_label: str,
    title: str,
    mode: str = "single",
    tiles: str | None = None,
    online_assets: bool = False,
    extra: dict[str, Any] | None = None,
) -> folium.Map:
    """A page drawing ``states`` for ``provinces``.

    ``mode`` is ``single`` (one map of ``states[0]``), ``compare`` (two synchronised maps of
    ``states[0]`` and ``states[1]`` with a change table; the first map is returned, the page
    is its root figure) or ``timeline`` (one map with a date slider over all ``states``).
    ``extra`` is added to the page data (the change table, per-date counts).
    """
    minx, miny, maxx, maxy = web.provinces.loc[provinces].total_bounds
    bounds = [[round(miny, 3), round(minx, 3)], [round(maxy, 3), round(maxx, 3)]]
    centre = [(miny + maxy) / 2, (minx + maxx) / 2]
    payload = build_payload(
        records, geo, web, states, provinces=provinces, title=title, region_label=region_label,
        date_labels=[date_label(s.date) for s in states],
    )
    payload.update(extra or {})
    data = DataElement(payload)
    extra_js = {"single": (), "compare": ("compare.js",), "timeline": ("timeline.js",)}[mode]
    fig = Figure()
    fig.header.add_child(Assets(records.theatre.statuses, online=online_assets, extra_js=extra_js),
                         name="assets")
    positions = records.theatre.position_layer
    if mode == "compare":
        left = MapgenMap(location=centre, tiles=None, zoom_start=6, width="50%", height="62%")
        right = MapgenMap(location=centre, tiles=None, zoom_start=6, width="50%", height="62%",
                          left="50%")
        left.css_class, right.css_class = "mapgen-before", "mapgen-after"
        for m in (left, right):
            fig.add_child(m)
        left.add_child(data)
        _add_view(left, data, bounds, tiles=tiles, view_class="View",
                  options={"frame": 0, "side": "before", "legend": False}, positions=positions,
                  changes=True)
        _add_view(right, data, bounds, tiles=tiles, view_class="View",
                  options={"frame": 1, "side": "after", "compact": True}, positions=positions,
                  changes=True)
        fig.add_child(_CompareGlue(left, right))
        mark_built(fig)
        return left
    m = MapgenMap(location=centre, tiles=None, zoom_start=6)
    fig.add_child(m)
    m.add_child(data)
    view_class = "TimelineView" if mode == "timeline" else "View"
    _add_view(m, data, bounds, tiles=tiles, view_class=view_class, options={},
              positions=positions)
    mark_built(fig)
    return m


class _CompareGlue(folium.MacroElement):
    """Keeps the two maps of a comparison in step and writes the change table."""

    _template = folium.template.Template(
        """
        {% macro html(this, kwargs) %}
            <div id="mapgen-changes" class="mapgen-changes"></div>
        {% endmacro %}
        {% macro script(this, kwargs) %}
            mapgen.compare(mapgen.views[0], mapgen.views[1], document.getElementById("mapgen-changes"));
        {% endmacro %}
        """
    )

    def __init__(self, left: folium.Map, right: folium.Map) -> None:
        super().__init__()
        self._name = "mapgen_compare"
        self.left = left
        self.right = right
