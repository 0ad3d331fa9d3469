"""The Frictionless Data Package describing a theatre's record files, made from its vocabulary.

``datapackage.json`` beside the records is generated here (``scripts/datapackage.py``), so its
allowed statuses and site kinds are always the theatre's; a test checks the shipped file.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from .records import CAPITAL, COLUMNS, CONFIDENCE, OPTIONAL_FILES, PRECISION
from .theatre import Theatre

_ID_PATTERN = "[a-z0-9][a-z0-9._-]*"


def _header(folder: Path, name: str) -> list[str]:
    path = folder / name
    if not path.is_file():
        return list(COLUMNS[name])
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [h.strip() for h in next(csv.reader(fh), [])]


def _required(**extra: Any) -> dict[str, Any]:
    return {"required": True, **extra}


def _fields(theatre: Theatre) -> dict[str, dict[str, dict[str, Any]]]:
    """Every known column of each file, by name, as a Table Schema field."""
    statuses = list(theatre.status_ids)
    return {
        "sources.csv": {
            "source_id": {"type": "string", "constraints": _required(unique=True, pattern=_ID_PATTERN)},
            "publisher": {"type": "string", "constraints": _required()},
            "title": {"type": "string",
                      "description": "headline as published; empty where it could not be seen"},
            "published": {"type": "date", "format": "%Y-%m-%d", "constraints": _required()},
            "url": {"type": "string", "format": "uri", "constraints": {"pattern": "https?://\\S+"}},
        },
        "sites.csv": {
            "site_id": {"type": "string", "constraints": _required(unique=True, pattern=_ID_PATTERN)},
            "name": {"type": "string", "constraints": _required()},
            "kind": {"type": "string", "constraints": _required(enum=list(theatre.kind_ids))},
            "lat": {"type": "number", "constraints": _required(minimum=-90, maximum=90)},
            "lon": {"type": "number", "constraints": _required(minimum=-180, maximum=180)},
            "district": {"type": "string", "description": "P-code of the district the point lies in",
                         "constraints": _required()},
            "precision": {"type": "string", "constraints": _required(enum=list(PRECISION))},
            "capital": {"type": "string",
                        "description": "the seat of a province or of the country; empty otherwise",
                        "constraints": {"enum": [c for c in CAPITAL if c]}},
        },
        "control.csv": {
            "date": {"type": "date", "format": "%Y-%m-%d",
                     "description": "local date from which the status holds",
                     "constraints": _required()},
            "place": {"type": "string",
                      "description": "country, province or district P-code, or a site_id",
                      "constraints": _required()},
            "status": {"type": "string", "constraints": _required(enum=statuses)},
            "note": {"type": "string", "description": "one-line paraphrase of what the sources say"},
            "sources": {"type": "string", "description": "';'-separated source_ids",
                        "constraints": _required(pattern="[a-z0-9._-]+(;[a-z0-9._-]+)*")},
            "confidence": {"type": "string", "constraints": _required(enum=list(CONFIDENCE))},
        },
        "trackers.csv": {
            "date": {"type": "date", "format": "%Y-%m-%d", "constraints": _required()},
            "tracker": {"type": "string", "description": "who published the count",
                        "constraints": _required()},
            "unit": {"type": "string", "description": "what the tracker counts",
                     "constraints": _required()},
            "total": {"type": "integer", "constraints": _required(minimum=1)},
            "status": {"type": "string",
                       "constraints": _required(enum=[*statuses[:-1], "other"])},
            "count": {"type": "integer", "constraints": _required(minimum=0)},
            "source": {"type": "string", "description": "a source_id of sources.csv",
                       "constraints": _required()},
            "note": {"type": "string"},
        },
        "aliases.csv": {
            "alias": {"type": "string", "constraints": _required()},
            "place": {"type": "string", "description": "P-code or site_id", "constraints": _required()},
        },
    }


_KEYS = {"sources.csv": ["source_id"], "sites.csv": ["site_id"], "control.csv": ["place", "date"]}


def datapackage(theatre: Theatre, folder: Path | None = None) -> dict[str, Any]:
    """The Data Package of ``folder`` (the theatre's own by default): one resource per record
    file present, its fields in the file's column order (optional columns such as
    ``capital`` or ``name_*`` only where the file has them)."""
    root = folder or theatre.folder
    known = _fields(theatre)
    resources = []
    for name in COLUMNS:
        if name in OPTIONAL_FILES and not (root / name).is_file():
            continue
        fields = []
        for col in _header(root, name):
            spec = known[name].get(col) or {
                "type": "string", "description": "another name of the site, searchable"
                if col.startswith("name_") else "not read by mapgen"}
            fields.append({"name": col, **spec})
        schema: dict[str, Any] = {"fields": fields}
        if name in _KEYS:
            schema["primaryKey"] = _KEYS[name]
        resources.append({"name": name.removesuffix(".csv"), "path": name,
                          "profile": "tabular-data-resource", "format": "csv",
                          "encoding": "utf-8", "schema": schema})
    package: dict[str, Any] = {
        "profile": "tabular-data-package",
        "name": f"mapgen-{theatre.id}",
        "title": f"{theatre.name}: dated, sourced control records",
    }
    if theatre.records_licence:
        package["licenses"] = [{"name": theatre.records_licence,
                                "title": "the records and notes; cited articles belong to "
                                         "their publishers"}]
    package["resources"] = resources
    return package


def datapackage_json(theatre: Theatre, folder: Path | None = None) -> str:
    """:func:`datapackage` as the text of ``datapackage.json``."""
    return json.dumps(datapackage(theatre, folder), ensure_ascii=False, indent=2) + "\n"
