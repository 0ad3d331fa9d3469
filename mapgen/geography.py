"""Boundaries: load the GeoPackage, choose a region, and prepare web-ready geometry."""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from .errors import DataError, InputError, MissingFileError, Problem
from .files import MAX_INPUT_BYTES, input_problem, installed
from .files import cache_dir as _cache_dir
from .files import input_digest as _input_digest
from .sanitize import control_chars
from .theatre import Theatre

log = logging.getLogger(__name__)


#: Simplification tolerances in degrees, by ``--detail`` level (see docs/GEOMETRY.md).
DETAIL_TOLERANCE = {"low": 0.01, "medium": 0.004, "high": 0.001}
#: Coordinates are rounded to this grid (degrees) after simplification: 1e-4° is about 11 m,
#: well under the displacement the simplification itself allows.
GRID = 1e-4

def equal_area_crs(bounds: tuple[float, float, float, float]) -> CRS:
    """An Albers equal-area cone fitted to a longitude/latitude extent: central meridian and
    origin at its centre, standard parallels at one sixth and five sixths of its height (the
    classic rule that keeps scale error smallest over the extent). Values are rounded to a
    tenth of a degree, so the same boundaries always give the same projection.

    >>> equal_area_crs((60.5, 29.4, 75.0, 38.5)).to_proj4()[:42]
    '+proj=aea +lat_0=34 +lon_0=67.8 +lat_1=30.9'
    """
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    height = max(maxy - miny, 1.0)  # a very flat extent still gets two distinct parallels
    mid = (miny + maxy) / 2
    lat1, lat2 = mid - height / 3, mid + height / 3
    lat1, lat2 = max(lat1, -89.0), min(lat2, 89.0)
    if lat1 < 0 < lat2 and abs(lat1 + lat2) < 0.2:  # a cone needs parallels not symmetric about the equator
        lat2 += 0.2

    def r(v: float) -> str:
        return f"{round(v, 1):g}"

    return CRS.from_proj4(
        f"+proj=aea +lat_0={r(mid)} +lon_0={r((minx + maxx) / 2)} +lat_1={r(lat1)} +lat_2={r(lat2)} "
        "+x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs")


REQUIRED_COLUMNS = {
    "country": ("pcode", "name"),
    "provinces": ("pcode", "name"),
    "districts": ("pcode", "name", "province_pcode"),
}
OPTIONAL_COLUMNS = ("name_local", "population", "area_km2")
#: Column names of OCHA's common operational datasets (COD-AB) in both conventions (the older
#: upper-case ``ADM2_PCODE``/``ADM2_EN`` and the current lower-case ``adm2_pcode``/
#: ``adm2_name``), and the shapefile-truncated ``province_p``, accepted for ours.
COLUMN_ALIASES = {
    "districts": {"ADM2_PCODE": "pcode", "adm2_pcode": "pcode", "ADM2_EN": "name",
                  "adm2_name": "name", "ADM1_PCODE": "province_pcode",
                  "adm1_pcode": "province_pcode", "province_p": "province_pcode",
                  "ADM1_EN": "province_name", "adm1_name": "province_name",
                  "ADM0_PCODE": "country_pcode", "adm0_pcode": "country_pcode",
                  "ADM0_EN": "country_name", "adm0_name": "country_name"},
    "provinces": {"ADM1_PCODE": "pcode", "adm1_pcode": "pcode", "ADM1_EN": "name",
                  "adm1_name": "name", "REG_EN": "region"},
    "country": {"ADM0_PCODE": "pcode", "adm0_pcode": "pcode", "ADM0_EN": "name",
                "adm0_name": "name"},
}
_LEVEL = {"country": 0, "provinces": 1, "districts": 2}
#: COD-AB name suffixes that are not the ISO 639-1 code of their language.
_SUFFIX_LANGUAGE = {"DA": "prs"}
#: Languages written right to left (ISO 639 codes), for the ``dir`` of second names.
RTL_LANGUAGES = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "ks", "ku", "prs", "ps", "sd",
                           "ug", "ur", "yi"})
_OUR_NAME = re.compile(r"name_([a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)")


@dataclass(frozen=True)
class Geography:
    """The three boundary layers, in EPSG:4326, indexed by P-code."""

    country: gpd.GeoDataFrame
    provinces: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame
    path: Path
    warnings: tuple[Problem, ...] = ()
    #: Language (ISO 639 code) of the second name, ``name_local``; "" when the file has none.
    local_lang: str = ""

    @property
    def equal_area(self) -> CRS:
        """The equal-area projection for areas, scale bars and figures, fitted to the
        boundaries' extent (see :func:`equal_area_crs`)."""
        return _equal_area_of(tuple(float(v) for v in self.country.total_bounds))  # type: ignore[arg-type]


@lru_cache(maxsize=16)
def _equal_area_of(bounds: tuple[float, float, float, float]) -> CRS:
    return equal_area_crs(bounds)


def _local_name(frame: pd.DataFrame, level: int, ours: bool = True) -> tuple[str, str] | None:
    """The column holding a second name at admin ``level`` and its language: ours
    (``name_prs``), COD-AB upper case (``ADM2_AR``) or lower case (``adm2_name1`` with ``lang1``)."""
    if ours:
        for col in frame.columns:
            m = _OUR_NAME.fullmatch(str(col))
            if m and col != "name_local":
                return str(col), m.group(1)
    upper = re.compile(rf"ADM{level}_([A-Z]{{2}})")
    for col in frame.columns:
        m = upper.fullmatch(str(col))
        if m and m.group(1) != "EN":
            return str(col), _SUFFIX_LANGUAGE.get(m.group(1), m.group(1).lower())
    col = f"adm{level}_name1"
    if col in frame.columns:
        langs = frame["lang1"].dropna().astype(str) if "lang1" in frame.columns else pd.Series([])
        return col, (str(langs.iloc[0]).lower() if len(langs) else "")
    return None


def load_boundaries(path: str | os.PathLike[str] | None = None, *,
                    max_input_bytes: int = MAX_INPUT_BYTES) -> Geography:
    """Read the boundary GeoPackage (or any file GDAL reads with the same layers).

    Parameters
    ----------
    path
        The file; the default theatre's boundaries when omitted.

    Raises
    ------
    MissingFileError
        The file does not exist.
    DataError
        A layer or column is missing, the CRS is missing, a feature's geometry or attributes
        are unusable, or the districts do not form a coverage that can be repaired; lists
        every problem found.
    """
    if path is None:
        from .theatre import default_folder, read_theatre

        path = read_theatre(default_folder()).boundaries
        assert path is not None
    file = Path(path)
    if not file.exists():
        raise MissingFileError(f"{file}: boundary file not found (give boundaries= / --boundaries FILE)")
    why = input_problem(file, max_bytes=max_input_bytes)
    if why:
        raise DataError([Problem(str(file), 0, "file", file.name, why,
                                 "give a GeoPackage, shapefile or GeoJSON file")])
    prepared = _read_prepared(file)
    if prepared is not None:
        return prepared
    geo = _load_checked_boundaries(file)
    _write_prepared(geo)
    return geo


def _load_checked_boundaries(file: Path) -> Geography:
    """:func:`load_boundaries` of an existing file of a size it accepts, every check run."""
    import pyogrio  # GDAL: loaded only when a boundary file is read, not for the caches

    try:
        layers = [name for name, _ in pyogrio.list_layers(file)]
    except Exception as exc:  # GDAL's own errors come in several classes
        raise DataError(
            [Problem(str(file), 0, "file", file.name, f"GDAL cannot read it: {exc}",
                     "give a GeoPackage, shapefile or GeoJSON of the districts")]
        ) from None
    problems: list[Problem] = []
    # a single-layer file (shapefile, GeoJSON) is taken as the districts layer
    names = {"districts": "districts" if "districts" in layers else
             (layers[0] if len(layers) == 1 else None),
             "provinces": "provinces" if "provinces" in layers else None,
             "country": "country" if "country" in layers else None}
    if names["districts"] is None:
        raise DataError([Problem(str(file), 0, "layer", "districts", "layer is missing",
                                 f"the file has layers {layers}; name one 'districts'")])
    frames: dict[str, gpd.GeoDataFrame] = {}
    langs: dict[str, str] = {}
    for layer, source in names.items():
        if source is None:
            continue
        try:
            frame = gpd.read_file(file, layer=source)
        except Exception as exc:  # GDAL's own errors come in several classes
            problems.append(Problem(str(file), 0, f"{layer} layer", source,
                                    f"GDAL cannot read it: {exc}"))
            continue
        if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame.columns:
            problems.append(Problem(str(file), 0, f"{layer} layer", source, "has no geometry",
                                    "give polygons (GeoPackage, shapefile, GeoJSON), not a table"))
            continue
        renames = {k: v for k, v in COLUMN_ALIASES[layer].items()
                   if k in frame.columns and v not in frame.columns}
        local = _local_name(frame, _LEVEL[layer])
        if local is not None and "name_local" not in frame.columns:
            renames[local[0]] = "name_local"
            langs[layer] = local[1]
        if layer == "districts" and names["provinces"] is None:
            # a single layer: the provinces' own second names, if any, come along for deriving
            upper = _local_name(frame, 1, ours=False)
            if upper is not None:
                renames[upper[0]] = "province_local"
        frame = frame.rename(columns=renames)
        missing = [c for c in REQUIRED_COLUMNS[layer] if c not in frame.columns]
        if missing:
            problems.append(Problem(
                str(file), 0, f"{layer} columns", ", ".join(missing), "columns are missing",
                f"layer {source!r} needs columns {', '.join(REQUIRED_COLUMNS[layer])} "
                f"(it has {', '.join(c for c in frame.columns if c != 'geometry')})"))
            continue
        _unknown_columns(frame, file, layer, problems)
        frames[layer] = _normalise(frame, file, layer, problems)
    if "districts" in frames and "provinces" in frames:
        known = set(frames["provinces"].index)
        for code, prov in frames["districts"]["province_pcode"].items():
            if prov not in known:
                problems.append(Problem(str(file), 0, "districts province_pcode", str(prov),
                                        f"district {code}: no such province in the provinces layer"))
    if not any(p.severity == "error" for p in problems):
        frames["districts"] = _clean_coverage(frames["districts"], file, problems)
    if any(p.severity == "error" for p in problems):
        raise DataError(problems)
    districts = frames["districts"]
    provinces = frames.get("provinces")
    if provinces is None:
        provinces = _derive(districts, "province_pcode", "province_name", "province_local")
        problems.append(Problem(str(file), 0, "layer", "provinces", "no provinces layer",
                                "provinces derived by dissolving districts by province_pcode",
                                "warning"))
    country = frames.get("country")
    if country is None:
        if "country_pcode" not in districts.columns:
            # no country code in the file: one neutral code for country-wide records
            districts = districts.assign(country_pcode="ADM0")
        country = _derive(districts, "country_pcode", "country_name", "")
    for p in problems:
        log.debug("%s", p)
    drop = [c for c in ("province_name", "province_local", "country_pcode", "country_name")
            if c in districts.columns]
    return Geography(_complete(country), _complete(provinces),
                     _complete(districts.drop(columns=drop)), file, tuple(problems),
                     langs.get("districts", langs.get("provinces", "")))


# --- the prepared boundaries: checked and repaired once per file ---------------------------

#: The modules whose code decides what a boundary file loads as: a change to any of them
#: (or to the libraries that read and repair it) makes every prepared copy stale.
_CHECKING_CODE = ("geography.py", "topology.py", "sanitize.py", "errors.py", "files.py")
_LAYERS = ("country", "provinces", "districts")


@lru_cache(maxsize=1)
def _code_digest() -> str:
    h = hashlib.sha256()
    here = Path(__file__).parent
    for name in _CHECKING_CODE:
        try:
            h.update((here / name).read_bytes())
        except OSError:  # running without sources: the version stands for them
            from importlib.metadata import version

            h.update(version("mapgen").encode())
    # the libraries as installed (pyogrio with the GDAL it carries), without loading GDAL
    for name in ("geopandas", "shapely", "pandas", "pyogrio"):
        h.update(installed(name, name).encode() + b"\0")
    return h.hexdigest()


def _gpkg_layer(path: Path, layer: str) -> tuple[dict[str, list[Any]], list[bytes]]:
    """A layer of a GeoPackage that mapgen wrote (a cache), read with SQLite alone: its
    attribute columns, in order, and its geometries as WKB (none for a table). Loading GDAL
    costs more than reading a cache of a few megabytes; the files mapgen reads from users
    still go through GDAL."""
    import sqlite3

    if layer not in (*_LAYERS, "meta"):  # our own table names, never text from elsewhere
        raise ValueError(layer)
    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        found = con.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?",
                            (layer,)).fetchone()
        cur = con.execute(f'SELECT * FROM "{layer}" ORDER BY fid')  # noqa: S608
        names = [d[0] for d in cur.description]
        rows = cur.fetchall()
    finally:
        con.close()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    values = {n: list(c) for n, c in zip(names, columns, strict=True) if n != "fid"}
    wkb = [_gpkg_wkb(b) for b in values.pop(found[0])] if found else []
    return values, wkb


def _gpkg_wkb(blob: bytes) -> bytes:
    """The WKB of a GeoPackage geometry: after the 8-byte header ('GP', version, flags,
    SRS id) and the envelope the flags announce (0, 32, 48 or 64 bytes)."""
    if blob[:2] != b"GP":
        raise ValueError("not a GeoPackage geometry")
    envelope = (0, 32, 48, 48, 64)[(blob[3] >> 1) & 7]
    return bytes(blob[8 + envelope:])


def _layer_checksum(frame: pd.DataFrame, wkb: list[bytes]) -> str:
    """The checksum of a prepared layer as read back: its columns, dtypes and index, its
    attribute values and its geometry's WKB."""
    h = hashlib.sha256()
    h.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    h.update(repr(list(frame.index)).encode())
    h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    for blob in wkb:
        h.update(blob)
    return h.hexdigest()


def _read_layer(cache: Path, layer: str, info: dict[str, Any]
                ) -> tuple[gpd.GeoDataFrame, str]:
    """One layer of a prepared file as the Geography holds it, and its checksum."""
    values, wkb = _gpkg_layer(cache, layer)
    attrs = pd.DataFrame(values)
    attrs = attrs.astype(info["dtypes"])[[c for c in info["columns"] if c != "geometry"]]
    attrs.index = pd.Index(attrs[info["index"]], name=info["index"])
    checksum = _layer_checksum(attrs, wkb)
    frame = gpd.GeoDataFrame(attrs, geometry=shapely.from_wkb(wkb), crs=info["crs"])
    return frame[info["columns"]], checksum


def _prepared_path(file: Path) -> tuple[Path, str]:
    digest = _input_digest(file)
    if digest is None:  # a format that reads other files: checked every time
        raise OSError(f"{file}: not kept (its format can read other files)")
    key = hashlib.sha256((digest + _code_digest()).encode()).hexdigest()
    return _cache_dir() / f"boundaries-{key[:20]}.gpkg", key


def _write_prepared(geo: Geography) -> None:
    """Keep the checked, repaired boundaries beside the geometry cache: a later load of the
    same file (same bytes, same code) reads them instead of checking and repairing again.
    Only a file that loaded without errors is kept, with its warnings, and only when what
    is read back is exactly what was loaded."""
    import json

    import pyogrio

    try:
        cache, key = _prepared_path(geo.path)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp.gpkg")
    except OSError:
        return
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        meta: dict[str, Any] = {"key": key, "local_lang": geo.local_lang,
                                "warnings": [list(vars(p).values()) for p in geo.warnings]}
        for layer in _LAYERS:
            frame = getattr(geo, layer)
            if frame.geometry.name != "geometry" or frame.crs is None:
                return
            pyogrio.write_dataframe(frame.reset_index(drop=True), tmp, layer=layer,
                                    driver="GPKG")
            info = {"columns": [str(c) for c in frame.columns],
                    "dtypes": {str(c): str(t) for c, t in frame.dtypes.items()
                               if c != "geometry"},
                    "index": frame.index.name, "crs": frame.crs.to_string()}
            back, info["checksum"] = _read_layer(tmp, layer, info)
            if not (back.drop(columns="geometry").equals(frame.drop(columns="geometry"))
                    and list(back.index) == list(frame.index)
                    and back.geometry.geom_equals_exact(frame.geometry, 0).all()):
                log.info("boundaries do not survive a GeoPackage round trip: not kept")
                return
            meta[layer] = info
        pyogrio.write_dataframe(pd.DataFrame({"meta": [json.dumps(meta)]}), tmp, layer="meta",
                                driver="GPKG")
        tmp.replace(cache)
    except Exception as exc:  # OSError, GDAL's errors, a column GPKG cannot hold: optional
        log.info("could not keep the checked boundaries in %s: %s", cache, exc)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def _read_prepared(file: Path) -> Geography | None:
    """The checked boundaries of ``file`` kept by :func:`_write_prepared`, or None when there
    are none or they are not exactly what was written (a damaged file, or one written by
    something else, is never trusted: each layer's attributes and geometry are checked
    against their checksum)."""
    import json

    try:
        cache, key = _prepared_path(file)
        if not cache.is_file():
            return None
        meta = json.loads(_gpkg_layer(cache, "meta")[0]["meta"][0])
        if meta.get("key") != key:
            return None
        frames = {}
        for layer in _LAYERS:
            frames[layer], checksum = _read_layer(cache, layer, meta[layer])
            if checksum != meta[layer]["checksum"]:
                return None
        warnings = tuple(Problem(*p) for p in meta["warnings"])
    except Exception:  # unreadable or unexpected: checked again from the file, never trusted
        return None
    for p in warnings:
        log.debug("%s", p)
    return Geography(frames["country"], frames["provinces"], frames["districts"], file,
                     warnings, str(meta["local_lang"]))


def _derive(frame: gpd.GeoDataFrame, by: str, name: str, local: str) -> gpd.GeoDataFrame:
    """Dissolve ``frame`` by ``by``; names (and second names) from columns ``name`` and
    ``local`` where the file has them, else the code."""
    keep = [c for c in (name, local) if c and c in frame.columns]
    out = frame[[by, *keep, "geometry"]].dissolve(by=by, aggfunc="first").reset_index()
    out = out.rename(columns={by: "pcode", **({name: "name"} if name in keep else {}),
                              **({local: "name_local"} if local in keep else {})})
    out["pcode"] = out["pcode"].astype(str)
    if "name" not in out.columns:
        out["name"] = out["pcode"]
    out["name"] = out["name"].fillna(out["pcode"]).astype(str)
    return out.set_index("pcode", drop=False)


def _complete(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Fill the optional columns: second name empty, population unknown, area computed."""
    frame = frame.copy()
    if "name_local" not in frame.columns:
        frame["name_local"] = ""
    frame["name_local"] = frame["name_local"].fillna("").astype(str)
    if "population" not in frame.columns:
        frame["population"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    else:
        frame["population"] = pd.to_numeric(frame["population"], errors="coerce").round().astype("Int64")
    if "area_km2" not in frame.columns:
        crs = _equal_area_of(tuple(float(v) for v in frame.total_bounds))  # type: ignore[arg-type]
        frame["area_km2"] = (frame.geometry.to_crs(crs).area / 1e6).round(1)
    if "region" not in frame.columns:
        frame["region"] = ""
    return frame


def _unknown_columns(frame: gpd.GeoDataFrame, file: Path, layer: str,
                     problems: list[Problem]) -> None:
    """A column named almost like one mapgen reads is an error: misspelt, it would be
    silently ignored."""
    known = (*REQUIRED_COLUMNS[layer], *OPTIONAL_COLUMNS, *(("region",) if layer == "provinces"
                                                              else ()))
    for col in frame.columns:
        if col in known or col == frame.geometry.name or col in COLUMN_ALIASES[layer]:
            continue
        close = difflib.get_close_matches(str(col), known, n=1, cutoff=0.8)
        if close:
            problems.append(Problem(str(file), 0, f"{layer} columns", str(col), "unknown column",
                                    f"did you mean {close[0]!r}? (a misspelt column is ignored)"))


def _feature_problem(problems: list[Problem], file: Path, layer: str, feature: object,
                     fld: str, value: object, message: str, hint: str = "",
                     severity: str = "error") -> None:
    problems.append(Problem(str(file), 0, f"{layer} feature {feature}: {fld}", str(value),
                            message, hint, severity))


def _missing(value: object) -> bool:
    """An empty cell: None, NA or NaN."""
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _check_text(frame: gpd.GeoDataFrame, file: Path, layer: str, labels: list[str],
                problems: list[Problem]) -> None:
    required = REQUIRED_COLUMNS[layer]
    for col in (*required, "name_local", "region"):
        if col not in frame.columns:
            continue
        for label, value in zip(labels, frame[col], strict=True):
            if _missing(value):
                if col in required:
                    _feature_problem(problems, file, layer, label, col, "", "empty",
                                     f"every feature needs a {col}")
                continue
            text = str(value)
            if col in required and not text.strip():
                _feature_problem(problems, file, layer, label, col, text, "empty",
                                 f"every feature needs a {col}")
            elif control_chars(text):
                _feature_problem(problems, file, layer, label, col, text,
                                 f"holds control characters ({control_chars(text)})",
                                 "remove them: they are not text")


def _check_numbers(frame: gpd.GeoDataFrame, file: Path, layer: str, labels: list[str],
                   problems: list[Problem]) -> gpd.GeoDataFrame:
    """``population`` (whole people) and ``area_km2`` must be numbers of at least 0, or empty."""
    for col, whole in (("population", True), ("area_km2", False)):
        if col not in frame.columns:
            continue
        for label, value in zip(labels, frame[col], strict=True):
            if _missing(value):
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer,
                                                                 np.floating)):
                _feature_problem(problems, file, layer, label, col, value,
                                 "not a number", "store it as a number, without separators")
                continue
            number = float(value)
            if not np.isfinite(number) or number < 0 or (whole and number != int(number)):
                _feature_problem(problems, file, layer, label, col, value,
                                 "not a whole number of at least 0" if whole else
                                 "not a number of at least 0")
    return frame


_POLYGONAL = ("Polygon", "MultiPolygon")


def _check_geometry(frame: gpd.GeoDataFrame, file: Path, layer: str, labels: list[str],
                    problems: list[Problem]) -> gpd.GeoDataFrame:
    """Polygons only, finite coordinates, repaired when invalid (each a warning)."""
    geoms = np.asarray(frame.geometry.values, dtype=object).copy()
    for i, (label, geom) in enumerate(zip(labels, geoms, strict=True)):
        if geom is None or shapely.is_empty(geom):
            _feature_problem(problems, file, layer, label, "geometry", "empty", "no geometry",
                             "every feature needs its polygon")
            continue
        if not np.isfinite(shapely.get_coordinates(geom)).all():
            _feature_problem(problems, file, layer, label, "geometry", geom.geom_type,
                             "coordinates that are not finite numbers")
            continue
        if geom.geom_type == "GeometryCollection":
            parts = [p for p in shapely.get_parts(geom) if p.geom_type in _POLYGONAL]
            if parts:
                geoms[i] = shapely.union_all(parts)
                _feature_problem(problems, file, layer, label, "geometry",
                                 "GeometryCollection", "mixed geometry",
                                 "its polygons are kept, the rest dropped", "warning")
        if geoms[i].geom_type not in _POLYGONAL:
            _feature_problem(problems, file, layer, label, "geometry", geoms[i].geom_type,
                             "not a polygon", "boundaries are polygons or multipolygons")
            continue
        if not shapely.is_valid(geoms[i]):
            fixed = shapely.make_valid(geoms[i])
            if fixed.geom_type not in _POLYGONAL:
                polys = [p for p in shapely.get_parts(fixed) if p.geom_type in _POLYGONAL]
                fixed = shapely.union_all(polys) if polys else shapely.Polygon()
            if shapely.is_empty(fixed):
                _feature_problem(problems, file, layer, label, "geometry", "invalid",
                                 "invalid geometry with no area once repaired")
                continue
            geoms[i] = fixed
            code = frame["pcode"].iloc[i]
            problems.append(Problem(str(file), 0, f"{layer} geometry", str(code),
                                    "invalid geometry", "repaired with make_valid", "warning"))
    return frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))


def _check_range(frame: gpd.GeoDataFrame, file: Path, layer: str, labels: list[str],
                 problems: list[Problem], crs_note: str) -> None:
    bounds = shapely.bounds(np.asarray(frame.geometry.values, dtype=object))
    for label, (x0, y0, x1, y1) in zip(labels, bounds, strict=True):
        if np.isnan(x0):
            continue
        if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90) or \
                not np.isfinite([x0, y0, x1, y1]).all():
            _feature_problem(problems, file, layer, label, "geometry",
                             f"{x0:.6g}, {y0:.6g} .. {x1:.6g}, {y1:.6g}",
                             "coordinates out of range for longitude/latitude", crs_note)


def _normalise(
    frame: gpd.GeoDataFrame, file: Path, layer: str, problems: list[Problem]
) -> gpd.GeoDataFrame:
    before = len(problems)
    labels = [f"{i + 1} ({v})" if isinstance(v, str) and v else str(i + 1)
              for i, v in enumerate(frame["pcode"])]
    _check_text(frame, file, layer, labels, problems)
    frame = _check_numbers(frame.copy(), file, layer, labels, problems)
    frame = _check_geometry(frame, file, layer, labels, problems)
    if any(p.severity == "error" for p in problems[before:]):
        return frame
    crs_note = ("the file states EPSG:4326; a GeoJSON without a 'crs' member is read as "
                "longitude/latitude (RFC 7946): reproject it or declare its CRS")
    if frame.crs is None:
        minx, miny, maxx, maxy = frame.total_bounds
        if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
            problems.append(Problem(
                str(file), 0, f"{layer} crs", "none",
                "no coordinate reference system, and the coordinates are not longitude/latitude",
                "set the file's CRS (for a shapefile, supply its .prj)"))
            return frame
        problems.append(
            Problem(str(file), 0, f"{layer} crs", "none", "no coordinate reference system",
                    "assumed EPSG:4326 (longitude/latitude); set the CRS in the file", "warning")
        )
        frame = frame.set_crs("EPSG:4326")
    elif not CRS(frame.crs).equals(CRS.from_epsg(4326)):
        problems.append(
            Problem(str(file), 0, f"{layer} crs", str(CRS(frame.crs).to_string()),
                    "not EPSG:4326", "reprojected to EPSG:4326 with pyproj", "warning")
        )
        crs_note = f"after reprojection from {CRS(frame.crs).to_string()}: check the file's CRS"
        try:
            frame = frame.to_crs("EPSG:4326")
        except Exception as exc:  # pyproj's errors come in several classes
            problems.append(Problem(str(file), 0, f"{layer} crs", str(frame.crs),
                                    f"cannot be reprojected to EPSG:4326: {exc}"))
            return frame
    _check_range(frame, file, layer, labels, problems, crs_note)
    frame = frame.astype({"pcode": str})
    dup = frame["pcode"][frame["pcode"].duplicated()]
    for code in sorted(set(dup)):
        problems.append(Problem(str(file), 0, f"{layer} pcode", code, "P-code used twice",
                                "each feature needs its own pcode"))
    for col in ("name", "province_pcode"):
        if col in frame.columns:
            frame[col] = frame[col].astype(str)
    return frame.set_index("pcode", drop=False).sort_index()


def _clean_coverage(districts: gpd.GeoDataFrame, file: Path,
                    problems: list[Problem]) -> gpd.GeoDataFrame:
    """The districts as a clean coverage (see :mod:`mapgen.topology`): each fix a warning
    with its size, what cannot be fixed an error."""
    from . import topology

    geoms = np.asarray(districts.geometry.values, dtype=object)
    fixed, fixes, refusals = topology.repair(geoms, [str(c) for c in districts.index])
    for fix in fixes:
        what = "overlap" if fix.kind == "overlap" else "gap"
        problems.append(Problem(
            str(file), 0, "districts coverage", ", ".join(fix.codes),
            f"{what} of {fix.km2 * 1e6:,.0f} m² fixed",
            f"given to {fix.codes[0]}, the larger district", "warning"))
    for ref in refusals:
        problems.append(Problem(str(file), 0, "districts coverage", ", ".join(ref.codes),
                                ref.message, "correct the boundaries in a GIS"))
    if fixed is geoms:  # already a clean coverage
        return districts
    if not refusals:
        problems.append(Problem(
            str(file), 0, "districts coverage", "borders",
            "shared borders did not match exactly", f"snapped to {topology.SNAP:g}° "
            "(about 0.1 m) and noded, so that every later step can merge them", "warning"))
    return districts.set_geometry(gpd.GeoSeries(fixed, index=districts.index, crs=districts.crs))


def neighbours(geo: Geography, provinces: list[str]) -> list[str]:
    """P-codes of ``provinces`` plus every province that touches them, found spatially."""
    prov = geo.provinces.to_crs(geo.equal_area)
    core = prov.loc[provinces].union_all().buffer(500)  # bridges hairline gaps in the source
    touching = prov.index[prov.intersects(core)]
    return sorted(touching)


def region_provinces(geo: Geography, region: str, resolve_province: Callable[[str], str],
                     theatre: Theatre) -> tuple[list[str], str]:
    """The province P-codes of a ``--region`` value and a label for titles.

    A region of the theatre (``[regions.NAME]``: its provinces, and their neighbours when it
    says so), ``all`` (the whole file, named after its country), or a comma list of province
    names or P-codes that ``resolve_province`` turns into codes.
    """
    spec = region.strip()
    key = spec.lower()
    if key in theatre.regions:
        reg = theatre.regions[key]
        listed = sorted(dict.fromkeys(_resolve_listed(reg.provinces, resolve_province, reg.key)))
        return (neighbours(geo, listed) if reg.with_neighbours else listed), reg.label
    if key == "all":
        return sorted(geo.provinces.index), str(geo.country["name"].iloc[0])
    parts = [part.strip() for part in spec.split(",") if part.strip()]
    if not parts:
        raise InputError(f"empty region {region!r}: give {_region_names(theatre)}, "
                         "or province names")
    codes: list[str] = []
    for part in parts:
        if part.lower() in (*theatre.regions, "all"):
            codes += region_provinces(geo, part, resolve_province, theatre)[0]
            continue
        try:
            codes.append(resolve_province(part))
        except InputError as exc:
            raise InputError(f"{exc}; regions of this theatre: {_region_names(theatre)}") from None
    codes = sorted(dict.fromkeys(codes))
    names = ", ".join(geo.provinces.loc[c, "name"] for c in codes)
    return codes, names


def _region_names(theatre: Theatre) -> str:
    return ", ".join([*theatre.regions, "all"])


def _resolve_listed(provinces: tuple[str, ...], resolve: Callable[[str], str], key: str) -> list[str]:
    out = []
    for name in provinces:
        try:
            out.append(resolve(name))
        except InputError as exc:
            raise InputError(f"region {key!r} of the theatre lists a province the boundaries "
                             f"lack: {exc}") from None
    return out


@dataclass(frozen=True, eq=False)  # hashed by identity: page builders cache per object
class WebGeometry:
    """Simplified, grid-rounded geometry for pages: districts, provinces and country share edges."""

    districts: gpd.GeoSeries
    provinces: gpd.GeoSeries
    country: gpd.GeoSeries
    tolerance: float
    #: The cache key (boundary file digest and tolerance); empty when not cached.
    key: str = ""


def web_geometry(geo: Geography, *, detail: str = "medium") -> WebGeometry:
    """Districts simplified as one coverage, so shared borders stay shared; provinces and the
    country are the union of the simplified districts, so every outline lies on district edges.

    The result is cached on disk (``$MAPGEN_CACHE`` or ``~/.cache/mapgen``), keyed by the
    checked districts (codes, provinces, geometry) and the tolerance. A cache file is used
    only if it holds that key, the checksum of its own geometry, and the expected places.
    """
    tolerance = DETAIL_TOLERANCE[detail]
    digest = hashlib.sha256()
    # keyed by the checked districts themselves, whatever files they were read from
    digest.update(repr((list(geo.districts.index),
                        geo.districts["province_pcode"].astype(str).tolist())).encode())
    for wkb in shapely.to_wkb(geo.districts.geometry.values):
        digest.update(wkb)
    digest.update(repr((tolerance, GRID, 3)).encode())
    key = digest.hexdigest()
    cache = _cache_dir() / f"web-{key[:20]}.gpkg"
    if cache.is_file():
        cached = _read_cache(cache, key, geo, tolerance)
        if cached is not None:
            return cached
        log.info("ignoring damaged or foreign cache %s", cache)
    web = _simplify(geo, tolerance)
    web = WebGeometry(web.districts, web.provinces, web.country, tolerance, key[:20])
    import pyogrio

    tmp = cache.with_suffix(f".{os.getpid()}.tmp.gpkg")
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        for layer, series in (("districts", web.districts), ("provinces", web.provinces),
                              ("country", web.country)):
            frame = gpd.GeoDataFrame({"pcode": series.index}, geometry=series.values, crs="EPSG:4326")
            pyogrio.write_dataframe(frame, tmp, layer=layer, driver="GPKG")
        meta = pd.DataFrame({"key": [key], "checksum": [_web_checksum(web)]})
        pyogrio.write_dataframe(meta, tmp, layer="meta", driver="GPKG")
        tmp.replace(cache)
    except Exception as exc:  # OSError, or GDAL's own errors: the cache is an optimisation
        log.info("could not write geometry cache %s: %s", cache, exc)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    return web


def _web_checksum(web: WebGeometry) -> str:
    h = hashlib.sha256()
    for series in (web.districts, web.provinces, web.country):
        for code, wkb in zip(series.index, shapely.to_wkb(series.values), strict=True):
            h.update(str(code).encode() + b"\0" + wkb)
    return h.hexdigest()


def _read_cache(cache: Path, key: str, geo: Geography, tolerance: float) -> WebGeometry | None:
    def series(layer: str) -> gpd.GeoSeries:
        values, wkb = _gpkg_layer(cache, layer)
        return gpd.GeoSeries(shapely.from_wkb(wkb), index=pd.Index(values["pcode"], name="pcode"),
                             crs="EPSG:4326", name="geometry")

    try:
        meta = _gpkg_layer(cache, "meta")[0]
        dist, prov, ctry = series("districts"), series("provinces"), series("country")
    except Exception:  # unreadable: rebuilt, never trusted
        return None
    web = WebGeometry(dist, prov, ctry, tolerance, key[:20])
    expected = (list(geo.districts.index), sorted(geo.districts["province_pcode"].unique()),
                [str(geo.country.index[0])])
    if (list(meta.get("key", [])) != [key]
            or list(meta.get("checksum", [])) != [_web_checksum(web)]
            or (list(dist.index), list(prov.index), list(ctry.index)) != expected):
        return None
    return web


def _union(geoms: np.ndarray) -> shapely.Geometry:
    """The union of adjacent polygons: the fast coverage union when their borders match
    exactly, else a full overlay on the page grid (rounding can leave borders that differ
    by a grid step)."""
    try:
        return shapely.coverage_union_all(geoms)
    except shapely.errors.GEOSException:
        return shapely.union_all(geoms, grid_size=GRID)


def _simplify(geo: Geography, tolerance: float) -> WebGeometry:
    simplified = shapely.coverage_simplify(geo.districts.geometry.values, tolerance)
    simplified = shapely.set_precision(simplified, GRID)
    # a district so small that the grid collapses it keeps its original shape, rounded
    empty = shapely.is_empty(simplified)
    if empty.any():
        simplified[empty] = shapely.set_precision(geo.districts.geometry.values[empty], GRID / 10)
    districts = gpd.GeoSeries(simplified, index=geo.districts.index, crs="EPSG:4326")
    # rows of each province's districts, found once (not one scan of all districts each)
    members = geo.districts.groupby("province_pcode", sort=True).indices
    provinces = gpd.GeoSeries(
        {str(code): _union(simplified[rows]) for code, rows in members.items()},
        crs="EPSG:4326",
    )
    country = gpd.GeoSeries(
        {str(geo.country.index[0]): _union(districts.values)}, crs="EPSG:4326"
    )
    return WebGeometry(districts, provinces, country, tolerance)


def max_displacement_m(geo: Geography, web: WebGeometry) -> pd.Series:
    """Hausdorff distance in metres between each original and simplified district."""
    orig = geo.districts.geometry.to_crs(geo.equal_area)
    simp = web.districts.to_crs(geo.equal_area)
    return pd.Series(
        np.asarray(shapely.hausdorff_distance(orig.values, simp.values)), index=orig.index
    )
