"""Where place names go: label points of districts and the capitals among the sites.

The names themselves are data (boundaries and records); the page places them with
``textContent`` and the figures as plain text. Which names fit at a given zoom or size is
decided where the text is measured (``layout.js`` on the page, :mod:`.figure` for figures).
"""

from __future__ import annotations

import csv
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

import shapely

from ..files import NEIGHBOURS_FILE
from ..model import Site

log = logging.getLogger(__name__)

#: Beside the boundary file: names of the neighbouring countries with a label point each.


def label_point(geom: shapely.Geometry, tolerance: float) -> tuple[float, float, float]:
    """The visual centre of ``geom`` (the centre of its largest inscribed circle) and that
    circle's radius, in the geometry's units: a name centred there and no wider than about
    twice the radius sits well inside the shape."""
    circle = shapely.maximum_inscribed_circle(geom, tolerance)
    (x, y), (x1, y1) = circle.coords[0], circle.coords[1]
    return float(x), float(y), float(((x1 - x) ** 2 + (y1 - y) ** 2) ** 0.5)


@lru_cache(maxsize=16)
def _district_points(geoms: tuple[shapely.Geometry, ...]) -> list[list[float]]:
    out = []
    for g in geoms:
        x, y, r = label_point(g, 0.005)
        out.append([round(y, 4), round(x, 4), round(r, 4)])
    return out


def district_label_points(districts: Any, codes: list[str]) -> list[list[float]]:
    """``[lat, lon, radius°]`` per district of ``codes`` (web geometry, degrees)."""
    return _district_points(tuple(districts[c] for c in codes))


def capitals(sites: dict[str, Site], site_ids: list[str]) -> list[int]:
    """Indices (into ``site_ids``) of the capitals (a ``capital`` in ``sites.csv``), west to
    east."""
    picked = [i for i, s in enumerate(site_ids) if sites[s].capital]
    return sorted(picked, key=lambda i: (sites[site_ids[i]].lon, site_ids[i]))


@lru_cache(maxsize=4)
def _neighbours(path: Path, country: shapely.Geometry) -> tuple[tuple[str, float, float], ...]:
    out = []
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            for line, row in enumerate(csv.DictReader(fh), start=2):
                try:
                    name, lat, lon = row["name"].strip(), float(row["lat"]), float(row["lon"])
                except (KeyError, TypeError, ValueError, AttributeError):
                    log.warning("%s:%d: not a name, lat and lon: left out", path, line)
                    continue
                if not name or not (-90 <= lat <= 90 and -180 <= lon <= 180):
                    log.warning("%s:%d: no name or a point out of range: left out", path, line)
                elif country.contains(shapely.Point(lon, lat)):
                    log.warning("%s:%d: %s's label point is inside the country: left out",
                                path, line, name)
                else:
                    out.append((name, lat, lon))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        log.warning("%s: cannot be read (%s): neighbouring countries not named", path, exc)
    return tuple(out)


def neighbour_labels(boundaries: Path, country: shapely.Geometry
                     ) -> tuple[tuple[str, float, float], ...]:
    """``(name, lat, lon)`` of the neighbouring countries listed beside the boundary file
    (none when there is no such file); points inside the country are left out."""
    path = Path(boundaries).parent / NEIGHBOURS_FILE
    if not path.is_file():
        return ()
    return _neighbours(path, country)
