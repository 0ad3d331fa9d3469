"""Boundaries: load the GeoPackage, choose a region, and prepare web-ready geometry."""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from .errors import DataError, InputError, MissingFileError, Problem

log = logging.getLogger(__name__)

#: The GeoPackage shipped with the project (built by scripts/build_boundaries.py).
DEFAULT_BOUNDARIES = Path(__file__).resolve().parent.parent / "data" / "boundaries" / "afghanistan.gpkg"

#: Albers equal-area cone fitted to Afghanistan (standard parallels 30 and 38 N): areas in
#: km² are computed here, never in degrees.
EQUAL_AREA_CRS = CRS.from_proj4(
    "+proj=aea +lat_1=30 +lat_2=38 +lat_0=34 +lon_0=67 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
)

#: Provinces the default region is built around (Sar-e-Pul, Kunduz, Jawzjan).
FOCUS_PROVINCES = ("AF22", "AF19", "AF28")

#: Simplification tolerances in degrees, by ``--detail`` level (see docs/GEOMETRY.md).
DETAIL_TOLERANCE = {"low": 0.01, "medium": 0.004, "high": 0.001}
#: Coordinates are rounded to this grid (degrees) after simplification: 1e-4° is about 11 m,
#: well under the displacement the simplification itself allows.
GRID = 1e-4

REQUIRED_COLUMNS = {
    "country": ("pcode", "name"),
    "provinces": ("pcode", "name"),
    "districts": ("pcode", "name", "province_pcode"),
}
OPTIONAL_COLUMNS = ("name_dari", "population", "area_km2")
#: Column names of OCHA's common operational datasets (COD-AB), and the shapefile-truncated
#: ``province_p``, accepted for the normalised ones.
COLUMN_ALIASES = {
    "districts": {"ADM2_PCODE": "pcode", "ADM2_EN": "name", "ADM2_DA": "name_dari",
                  "ADM1_PCODE": "province_pcode", "province_p": "province_pcode"},
    "provinces": {"ADM1_PCODE": "pcode", "ADM1_EN": "name", "ADM1_DA": "name_dari",
                  "REG_EN": "region"},
    "country": {"ADM0_PCODE": "pcode", "ADM0_EN": "name", "ADM0_DA": "name_dari"},
}


@dataclass(frozen=True)
class Geography:
    """The three boundary layers, in EPSG:4326, indexed by P-code."""

    country: gpd.GeoDataFrame
    provinces: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame
    path: Path
    warnings: tuple[Problem, ...] = ()


def load_boundaries(path: str | os.PathLike[str] | None = None) -> Geography:
    """Read the boundary GeoPackage (or any file GDAL reads with the same layers).

    Parameters
    ----------
    path
        The file; the shipped ``data/boundaries/afghanistan.gpkg`` when omitted.

    Raises
    ------
    MissingFileError
        The file does not exist.
    DataError
        A layer or column is missing, or the CRS is missing; lists every problem found.
    """
    file = Path(path) if path is not None else DEFAULT_BOUNDARIES
    if not file.exists():
        raise MissingFileError(f"{file}: boundary file not found (give --boundaries FILE)")
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
    for layer, source in names.items():
        if source is None:
            continue
        frame = gpd.read_file(file, layer=source)
        renames = {k: v for k, v in COLUMN_ALIASES[layer].items()
                   if k in frame.columns and v not in frame.columns}
        frame = frame.rename(columns=renames)
        missing = [c for c in REQUIRED_COLUMNS[layer] if c not in frame.columns]
        if missing:
            problems.append(Problem(
                str(file), 0, f"{layer} columns", ", ".join(missing), "columns are missing",
                f"layer {source!r} needs columns {', '.join(REQUIRED_COLUMNS[layer])} "
                f"(it has {', '.join(c for c in frame.columns if c != 'geometry')})"))
            continue
        frames[layer] = _normalise(frame, file, layer, problems)
    if any(p.severity == "error" for p in problems):
        raise DataError(problems)
    districts = frames["districts"]
    provinces = frames.get("provinces")
    if provinces is None:
        provinces = _derive(districts, "province_pcode")
        problems.append(Problem(str(file), 0, "layer", "provinces", "no provinces layer",
                                "provinces derived by dissolving districts by province_pcode",
                                "warning"))
    country = frames.get("country")
    if country is None:
        country = _derive(districts.assign(_all="AF"), "_all")
    for p in problems:
        log.debug("%s", p)
    return Geography(_complete(country), _complete(provinces), _complete(districts), file,
                     tuple(problems))


def _derive(frame: gpd.GeoDataFrame, by: str) -> gpd.GeoDataFrame:
    out = frame[[by, "geometry"]].dissolve(by=by).reset_index().rename(columns={by: "pcode"})
    out["name"] = out["pcode"]
    return out.set_index("pcode", drop=False)


def _complete(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Fill the optional columns: Dari name empty, population unknown, area computed."""
    frame = frame.copy()
    if "name_dari" not in frame.columns:
        frame["name_dari"] = ""
    if "population" not in frame.columns:
        frame["population"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    if "area_km2" not in frame.columns:
        frame["area_km2"] = (frame.geometry.to_crs(EQUAL_AREA_CRS).area / 1e6).round(1)
    if "region" not in frame.columns:
        frame["region"] = ""
    return frame


def _normalise(
    frame: gpd.GeoDataFrame, file: Path, layer: str, problems: list[Problem]
) -> gpd.GeoDataFrame:
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
        frame = frame.to_crs("EPSG:4326")
    invalid = ~frame.geometry.is_valid
    if invalid.any():
        for code in frame.loc[invalid, "pcode"]:
            problems.append(
                Problem(str(file), 0, f"{layer} geometry", str(code), "invalid geometry",
                        "repaired with make_valid", "warning")
            )
        frame = frame.set_geometry(frame.geometry.make_valid())
    frame = frame.astype({"pcode": str})
    dup = frame["pcode"][frame["pcode"].duplicated()]
    for code in sorted(set(dup)):
        problems.append(Problem(str(file), 0, f"{layer} pcode", code, "P-code used twice",
                                "each feature needs its own pcode"))
    return frame.set_index("pcode", drop=False).sort_index()


def neighbours(geo: Geography, provinces: list[str]) -> list[str]:
    """P-codes of ``provinces`` plus every province that touches them, found spatially."""
    prov = geo.provinces.to_crs(EQUAL_AREA_CRS)
    core = prov.loc[provinces].union_all().buffer(500)  # bridges hairline gaps in the source
    touching = prov.index[prov.intersects(core)]
    return sorted(touching)


def region_provinces(geo: Geography, region: str, resolve_province) -> tuple[list[str], str]:  # type: ignore[no-untyped-def]
    """The province P-codes of a ``--region`` value and a label for titles.

    ``north`` is the focus provinces and their neighbours, ``all`` the whole country, anything
    else a comma list of province names or P-codes that ``resolve_province`` turns into codes.
    """
    spec = region.strip()
    if spec.lower() == "north":
        return neighbours(geo, list(FOCUS_PROVINCES)), "Northern Afghanistan"
    if spec.lower() == "all":
        return sorted(geo.provinces.index), "Afghanistan"
    parts = [part.strip() for part in spec.split(",") if part.strip()]
    if not parts:
        raise InputError(f"empty region {region!r}: give north, all, or province names")
    codes: list[str] = []
    for part in parts:
        if part.lower() in ("north", "all"):
            codes += region_provinces(geo, part, resolve_province)[0]
        else:
            codes.append(resolve_province(part))
    codes = sorted(dict.fromkeys(codes))
    names = ", ".join(geo.provinces.loc[c, "name"] for c in codes)
    return codes, names


@dataclass(frozen=True, eq=False)  # hashed by identity: page builders cache per object
class WebGeometry:
    """Simplified, grid-rounded geometry for pages: districts, provinces and country share edges."""

    districts: gpd.GeoSeries
    provinces: gpd.GeoSeries
    country: gpd.GeoSeries
    tolerance: float
    #: The cache key (boundary file digest and tolerance); empty when not cached.
    key: str = ""


def _cache_dir() -> Path:
    base = os.environ.get("MAPGEN_CACHE") or os.environ.get("XDG_CACHE_HOME")
    return Path(base) / "mapgen" if base else Path.home() / ".cache" / "mapgen"


def web_geometry(geo: Geography, *, detail: str = "medium") -> WebGeometry:
    """Districts simplified as one coverage, so shared borders stay shared; provinces and the
    country are the union of the simplified districts, so every outline lies on district edges.

    The result is cached on disk (``$MAPGEN_CACHE`` or ``~/.cache/mapgen``), keyed by the
    boundary file's content hash and the tolerance.
    """
    tolerance = DETAIL_TOLERANCE[detail]
    digest = hashlib.sha256()
    digest.update(_file_digest(geo.path).encode())
    digest.update(repr((tolerance, GRID, 1)).encode())
    cache = _cache_dir() / f"web-{digest.hexdigest()[:20]}.gpkg"
    if cache.exists():
        try:
            dist = gpd.read_file(cache, layer="districts").set_index("pcode")
            prov = gpd.read_file(cache, layer="provinces").set_index("pcode")
            ctry = gpd.read_file(cache, layer="country").set_index("pcode")
            if list(dist.index) == list(geo.districts.index):
                return WebGeometry(dist.geometry, prov.geometry, ctry.geometry, tolerance,
                                   digest.hexdigest()[:20])
        except Exception:  # a damaged cache is rebuilt, never trusted
            log.info("ignoring unreadable cache %s", cache)
    web = _simplify(geo, tolerance)
    web = WebGeometry(web.districts, web.provinces, web.country, tolerance,
                      digest.hexdigest()[:20])
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp.gpkg")
        for layer, series in (("districts", web.districts), ("provinces", web.provinces),
                              ("country", web.country)):
            frame = gpd.GeoDataFrame({"pcode": series.index}, geometry=series.values, crs="EPSG:4326")
            pyogrio.write_dataframe(frame, tmp, layer=layer, driver="GPKG")
        tmp.replace(cache)
    except OSError as exc:
        log.info("could not write geometry cache %s: %s", cache, exc)
    return web


_DIGESTS: dict[tuple[str, int, int], str] = {}


def _file_digest(path: Path) -> str:
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _DIGESTS:
        _DIGESTS[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return _DIGESTS[key]


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
        {str(code): shapely.coverage_union_all(simplified[rows])
         for code, rows in members.items()},
        crs="EPSG:4326",
    )
    country = gpd.GeoSeries(
        {str(geo.country.index[0]): shapely.coverage_union_all(districts.values)}, crs="EPSG:4326"
    )
    return WebGeometry(districts, provinces, country, tolerance)


def max_displacement_m(geo: Geography, web: WebGeometry) -> pd.Series:
    """Hausdorff distance in metres between each original and simplified district."""
    orig = geo.districts.geometry.to_crs(EQUAL_AREA_CRS)
    simp = web.districts.to_crs(EQUAL_AREA_CRS)
    return pd.Series(
        np.asarray(shapely.hausdorff_distance(orig.values, simp.values)), index=orig.index
    )
