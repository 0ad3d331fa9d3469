"""Assemble a folium map for one or many dates from resolved states."""

from __future__ import annotations

from typing import Any

import folium
import xyzservices

from ..control import ControlState
from ..errors import InputError
from ..geography import Geography, WebGeometry
from ..records import Records
from .layers import build_payload, date_label
from .page import Assets, MapgenMap, ViewElement

GROUP_NAMES = {
    "basemap": None,
    "districts": "Districts (status)",
    "provinces": "Province outlines and names",
    "sites": "Facilities",
    "positions": "Remaining government positions",
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


def build_map(
    records: Records,
    geo: Geography,
    web: WebGeometry,
    states: list[ControlState],
    *,
    provinces: list[str],
    region_label: str,
    title: str = "Who controlled what",
    tiles: str | None = None,
    online_assets: bool = False,
    view_class: str = "View",
    extra_js: tuple[str, ...] = (),
    options: dict[str, Any] | None = None,
    width: str = "100%",
    height: str = "100%",
) -> folium.Map:
    """A :class:`folium.Map` that draws ``states`` (one or more dates) for ``provinces``."""
    minx, miny, maxx, maxy = web.provinces.loc[provinces].total_bounds
    m = MapgenMap(location=[(miny + maxy) / 2, (minx + maxx) / 2], tiles=None, zoom_start=6,
                  width=width, height=height)
    m.get_root().header.add_child(Assets(online=online_assets, extra_js=extra_js), name="assets")
    if tiles:
        m.add_child(tile_layer(tiles))
    groups = {}
    for key, label in GROUP_NAMES.items():
        group = folium.FeatureGroup(name=label or key, control=label is not None, show=True)
        m.add_child(group)
        groups[key] = group
    payload = build_payload(
        records, geo, web, states, provinces=provinces, title=title, region_label=region_label,
        date_labels=[date_label(s.date) for s in states],
    )
    bounds = [[round(miny, 3), round(minx, 3)], [round(maxy, 3), round(maxx, 3)]]
    m.add_child(ViewElement(m, groups, payload, bounds, view_class=view_class, options=options))
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    return m
