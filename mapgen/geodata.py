"""The control state as geodata: a GeoDataFrame, GeoJSON, GeoPackage (with QGIS styles) and
GeoParquet, and a timeline as one long table of spans for tools with a time slider."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .control import UNKNOWN, ControlState, History, resolve
from .errors import InputError
from .geography import Geography
from .records import Records

#: Columns of every geodata output, in order (``geometry`` last).
COLUMNS = ("place", "level", "kind", "name", "province", "district", "status", "status_label",
           "status_colour", "since", "held_since", "confidence", "via", "sources", "source_urls",
           "note")
FORMATS = ("geojson", "gpkg", "parquet")
LAYERS = ("provinces", "districts", "sites")


def _iso(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date) else ""


def state_frame(state: ControlState, geo: Geography, records: Records,
                styles: dict[str, tuple[str, str]]) -> gpd.GeoDataFrame:
    """One row per province and district (polygons) and site (points) in EPSG:4326.

    ``styles`` maps a status to its ``(label, colour)``. Dates are ISO text, ``sources`` the
    ``;``-joined source ids and ``source_urls`` their addresses in the same order."""
    urls = {sid: s.url for sid, s in records.sources.items()}
    rows: list[dict[str, object]] = []
    geoms: list[object] = []

    def add(place: str, level: str, kind: str, province: str, district: str,
            r: pd.Series, geom: object) -> None:
        label, colour = styles.get(r["status"], (r["status"], ""))
        rows.append({
            "place": place, "level": level, "kind": kind, "name": r["name"],
            "province": province, "district": district, "status": r["status"],
            "status_label": label, "status_colour": colour, "since": _iso(r["since"]),
            "held_since": _iso(r["held_since"]), "confidence": r["confidence"], "via": r["via"],
            "sources": ";".join(r["sources"]),
            "source_urls": ";".join(urls.get(s, "") for s in r["sources"]),
            "note": r["note"],
        })
        geoms.append(geom)

    for code, r in state.provinces.iterrows():
        add(str(code), "province", "province", str(code), "", r, geo.provinces.geometry[code])
    for code, r in state.districts.iterrows():
        add(str(code), "district", "district", str(r["province"]), str(code), r,
            geo.districts.geometry[code])
    from shapely import Point

    for code, r in state.sites.iterrows():
        add(str(code), "site", str(r["kind"]), str(r["province"]), str(r["district"]), r,
            Point(float(r["lon"]), float(r["lat"])))
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"))


def qml_style(styles: dict[str, tuple[str, str]], geometry: str) -> str:
    """A QGIS layer style (QML) that colours features by ``status`` as the page does.

    Built as XML with escaped values, so labels from the data stay text."""
    qgis = ET.Element("qgis", version="3.28.0", styleCategories="Symbology")
    renderer = ET.SubElement(qgis, "renderer-v2", type="categorizedSymbol", attr="status",
                             symbollevels="0", enableorderby="0", forceraster="0")
    cats = ET.SubElement(renderer, "categories")
    symbols = ET.SubElement(renderer, "symbols")
    point = geometry == "point"
    for i, (status, (label, colour)) in enumerate(styles.items()):
        ET.SubElement(cats, "category", value=status, label=label, symbol=str(i), render="true")
        sym = ET.SubElement(symbols, "symbol", name=str(i), type="marker" if point else "fill",
                            alpha="1", clip_to_extent="1", force_rhr="0")
        layer = ET.SubElement(sym, "layer", {"enabled": "1", "locked": "0", "pass": "0",
                                             "class": "SimpleMarker" if point else "SimpleFill"})
        opts = ET.SubElement(layer, "Option", type="Map")
        rgb = ",".join(str(int(colour.lstrip("#")[k:k + 2], 16)) for k in (0, 2, 4)) + ",255"
        props = {"color": rgb, "outline_color": "35,35,35,255", "outline_width": "0.26",
                 "outline_width_unit": "MM", "style": "solid"}
        if point:
            props.update({"name": "circle", "size": "3", "size_unit": "MM"})
        for key, value in props.items():
            ET.SubElement(opts, "Option", name=key, value=value, type="QString")
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(
        qgis, encoding="unicode")


def _add_styles(path: Path, styles: dict[str, tuple[str, str]], layers: Iterable[str]) -> None:
    """Store a default QGIS style per layer in the GeoPackage's ``layer_styles`` table, the
    table QGIS itself writes and reads (registered in ``gpkg_contents`` as attributes)."""
    con = sqlite3.connect(path)
    try:
        con.execute(
            "CREATE TABLE IF NOT EXISTS layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT, "
            "f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256), "
            "f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT, "
            "useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30), "
            "update_time DATETIME DEFAULT CURRENT_TIMESTAMP)")
        con.execute(
            "INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier) "
            "VALUES ('layer_styles', 'attributes', 'layer_styles')")
        for layer in layers:
            geom = "point" if layer == "sites" else "polygon"
            con.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
                "owner, ui, update_time) VALUES ('', '', ?, 'geom', ?, ?, '', 1, ?, '', '', "
                "'2000-01-01T00:00:00')",
                (layer, f"{layer} by status", qml_style(styles, geom),
                 "coloured by control status, as on the mapgen page"))
        con.commit()
    finally:
        con.close()


def write_geodata(frame: gpd.GeoDataFrame, path: str | os.PathLike[str], fmt: str,
                  styles: dict[str, tuple[str, str]]) -> Path:
    """Write ``frame`` (from :func:`state_frame`) as ``geojson``, ``gpkg`` (one layer per
    level, with QGIS styles) or ``parquet`` (GeoParquet), through a temporary file renamed
    into place."""
    import tempfile

    from .files import write_atomic

    if fmt not in FORMATS:
        raise InputError(f"unknown geodata format {fmt!r}: use {', '.join(FORMATS)}")
    target = Path(path)
    if fmt == "geojson":
        return write_atomic(target, frame.to_json(drop_id=True, ensure_ascii=False))
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise InputError("writing GeoParquet needs pyarrow: pip install 'mapgen[geo]'") from None
        import io

        buf = io.BytesIO()
        frame.to_parquet(buf, index=False)
        return write_atomic(target, buf.getvalue())
    import pyogrio

    # GDAL writes the GeoPackage in a private folder; the finished file then goes through the
    # same checked, atomic write as every other output
    with tempfile.TemporaryDirectory(prefix="mapgen-gpkg-") as folder:
        tmp = Path(folder) / "out.gpkg"
        present = []
        for level in ("province", "district", "site"):
            part = frame[frame["level"] == level]
            if part.empty:
                continue
            layer = level + "s"
            pyogrio.write_dataframe(part.reset_index(drop=True), tmp, layer=layer,
                                    driver="GPKG", promote_to_multi=level != "site")
            present.append(layer)
        _add_styles(tmp, styles, present)
        return write_atomic(target, tmp.read_bytes())


def spans(records: Records, geo: Geography, start: dt.date, end: dt.date,
          provinces: list[str]) -> pd.DataFrame:
    """The timeline as one long table: ``place, level, name, status, date_from, date_to``,
    one row per unbroken run of a status between ``start`` and ``end`` (both inclusive).

    Runs change only on days with a record, so the table grows with changes, not days."""
    if end < start:
        raise InputError(f"end {end} is before start {start}")
    hist = History(records)
    change = [d for d in hist.change_dates() if start < d <= end]
    days = [start, *change]
    runs: dict[str, list[list[object]]] = {}
    names: dict[str, tuple[str, str]] = {}
    for day in days:
        state = resolve(records, geo, day, provinces=provinces, history=hist)
        for level, table in (("province", state.provinces), ("district", state.districts),
                             ("site", state.sites)):
            for code, status, name in zip(table.index, table["status"], table["name"],
                                          strict=True):
                names[code] = (level, str(name))
                cur = runs.setdefault(code, [])
                if cur and cur[-1][0] == status:
                    continue
                if cur:
                    cur[-1][2] = day - dt.timedelta(days=1)
                cur.append([status, day, None])
    rows = []
    for code, seq in runs.items():
        level, name = names[code]
        for status, d_from, d_to in seq:
            assert isinstance(d_from, dt.date)
            last = d_to if isinstance(d_to, dt.date) else end
            rows.append({"place": code, "level": level, "name": name, "status": status,
                         "date_from": d_from.isoformat(), "date_to": last.isoformat()})
    out = pd.DataFrame(rows, columns=["place", "level", "name", "status", "date_from", "date_to"])
    return out.sort_values(["level", "place", "date_from"]).reset_index(drop=True)


__all__ = ["FORMATS", "UNKNOWN", "qml_style", "spans", "state_frame", "write_geodata"]
