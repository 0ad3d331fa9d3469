"""The part of a page's data that changes with its dates: the records in force on each date
and the sources they cite, as plain JSON-able columns (text stays data, never markup).

With numpy and the standard library alone, so :mod:`mapgen.prepared` builds a page's data
from a kept theatre without loading the boundaries or the data-frame libraries; the rest of
the payload (geometry, names, legend, sites) is :func:`mapgen.render.layers.build_payload`'s.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..model import Record, Source

#: Per date: the deciding record of each district and site (rows; -1 none), the ordinal of
#: the day its status began, and the rows of the sites that are remaining positions.
Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[list[int]]]


def records_payload(
    recs: Sequence[Record], sources: Mapping[str, Source], status_index: Mapping[str, int],
    names: Mapping[str, str], dcodes: Sequence[str], pcodes: Sequence[str], arrays: Arrays,
    dates: Sequence[dt.date], date_labels: Sequence[str],
) -> dict[str, Any]:
    """The payload's ``records``, ``sources``, ``strings``, ``lists``, ``names`` and
    ``frames`` for the region's districts ``dcodes`` and provinces ``pcodes``: one payload
    record per (record in force, day its status began) pair in use, and per date the rows
    whose record changed. ``arrays`` index ``recs``; ``names`` names the places whose record
    can decide another (the country, provinces and districts)."""
    d_rec, d_held, s_rec, s_held, positions = arrays
    cells = np.concatenate([d_rec.ravel(), s_rec.ravel()])
    helds = np.concatenate([d_held.ravel(), s_held.ravel()])
    has = cells >= 0
    keys = cells[has] * (1 << 32) + helds[has]
    uniq, inverse = np.unique(keys, return_inverse=True)
    refs = np.full(len(cells), -1, dtype=np.int64)
    refs[has] = inverse.ravel()
    d_ref = refs[:d_rec.size].reshape(d_rec.shape)
    s_ref = refs[d_rec.size:].reshape(s_rec.shape)
    rows = [(recs[key >> 32], dt.date.fromordinal(key & 0xFFFFFFFF).isoformat())
            for key in uniq.tolist()]
    cited = sorted({sid for r, _ in rows for sid in r.sources} & set(sources))
    texts = encode_texts(
        {"since": [r.date.isoformat() for r, _ in rows],
         "status": [status_index[r.status] for r, _ in rows],
         "via": [r.place for r, _ in rows],
         "note": [r.note for r, _ in rows],
         "sources": [list(r.sources) for r, _ in rows],
         "confidence": [r.confidence for r, _ in rows],
         "held_since": [held for _, held in rows]},
        {"id": cited,
         "publisher": [sources[sid].publisher for sid in cited],
         "title": [sources[sid].title for sid in cited],
         "published": [sources[sid].published.isoformat() for sid in cited],
         "url": [sources[sid].url for sid in cited]})

    frames = []
    prev_d = np.full(len(d_ref), -1, dtype=np.int64)
    prev_s = np.full(len(s_ref), -1, dtype=np.int64)
    for k, (day, label) in enumerate(zip(dates, date_labels, strict=True)):
        cur_d, cur_s = d_ref[:, k], s_ref[:, k]
        frames.append({
            "date": day.isoformat(),
            "label": label,
            "d": _delta(cur_d, prev_d),
            "s": _delta(cur_s, prev_s),
            # remaining positions, decided once in Python (control.Resolution.positions)
            "p": positions[k],
        })
        prev_d, prev_s = cur_d, cur_s
    shown = {*dcodes, *pcodes}
    return {
        # names of the places whose record decides another; those the districts and
        # provinces tables already name are filled in by the page (mapgen.expand)
        "names": {c: names[c] for c in sorted({r.place for r, _ in rows} & set(names))
                  if c not in shown},
        **texts,  # records, sources, and the texts they share: strings, lists
        "frames": frames,
    }


def to_script_json(data: Any) -> str:
    """JSON that is safe inside ``<script>``: ``<``, ``>``, ``&`` and ``'`` are escaped as
    folium and Jinja do, and so are the two line separators JavaScript once rejected."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True,
                      allow_nan=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


#: Columns written as indices into the payload's ``strings``: of ``records``, and of
#: ``sources`` (publishers and days repeat; titles and URLs are left as they are).
STRING_COLUMNS = {"records": ("since", "held_since", "via", "note", "confidence"),
                  "sources": ("publisher", "published")}


def encode_texts(records: dict[str, list[Any]], sources: dict[str, list[Any]]
                 ) -> dict[str, Any]:
    """The records and sources tables (by column) with each repeated text written once.

    Returns the payload's ``records``, ``sources``, ``strings`` and ``lists``: the columns
    in :data:`STRING_COLUMNS` become indices into ``strings`` (every distinct text of those
    columns once, in order of first use), and the records' ``sources`` become indices into
    ``lists`` (every distinct list of sources once, each as positions in ``sources.id``; an
    id with no source there stays text). A record in force with several held-since days, or
    many records citing the same report with the same note, cost a few digits each, not
    their text again. ``mapgen.js`` expands the tables once, as the page loads
    (``mapgen.expand``), into the shapes its readers use; :func:`decode_texts` does the
    same in Python."""
    table: dict[str, int] = {}
    lists: dict[tuple[int | str, ...], int] = {}
    pos = {sid: i for i, sid in enumerate(sources["id"])}
    out: dict[str, Any] = {"records": {}, "sources": {}}
    for name, cols in (("records", records), ("sources", sources)):
        for col, values in cols.items():
            if col in STRING_COLUMNS[name]:
                out[name][col] = [table.setdefault(str(v), len(table)) for v in values]
            elif name == "records" and col == "sources":
                out[name][col] = [lists.setdefault(tuple(pos.get(s, s) for s in v), len(lists))
                                  for v in values]
            else:
                out[name][col] = list(values)
    out["strings"] = list(table)
    out["lists"] = [list(v) for v in lists]
    return out


def decode_texts(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` (a payload) with :func:`encode_texts` undone, as ``mapgen.expand`` leaves it
    in the page: text columns of ``records`` as text, its ``sources`` as lists of ids,
    ``sources`` as ``{id: {publisher, title, published, url}}``, and ``names`` holding the
    names of the districts and provinces too."""
    strings, lists = data["strings"], data["lists"]
    cols: dict[str, dict[str, list[Any]]] = {}
    for name in ("records", "sources"):
        cols[name] = {col: [strings[i] for i in values] if col in STRING_COLUMNS[name]
                      else list(values) for col, values in data[name].items()}
    ids = cols["sources"]["id"]
    cols["records"]["sources"] = [[ids[j] if isinstance(j, int) else j for j in lists[i]]
                                  for i in data["records"]["sources"]]
    fields = [c for c in cols["sources"] if c != "id"]
    sources = {sid: {f: cols["sources"][f][k] for f in fields} for k, sid in enumerate(ids)}
    out = {k: v for k, v in data.items() if k not in ("strings", "lists")}
    names = dict(data.get("names", {}))
    for table in ("districts", "provinces"):
        if table in data:
            for code, name in zip(data[table]["code"], data[table]["name"], strict=True):
                names.setdefault(code, name)
    return {**out, "records": cols["records"], "sources": sources, "names": names}


def _delta(cur: np.ndarray, prev: np.ndarray) -> dict[str, list[int]]:
    """The rows whose reference changed, and their new references."""
    changed = np.flatnonzero(cur != prev)
    return {"i": changed.tolist(), "ref": cur[changed].tolist()}


def date_label(day: dt.date) -> str:
    """``8 August 2021``: spelt out so no reader mistakes day and month."""
    return f"{day.day} {day:%B %Y}"
