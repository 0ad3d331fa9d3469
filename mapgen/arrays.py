"""The record in force as arrays: the vectorised core of as-of resolution, with numpy alone.

:mod:`mapgen.control` builds the places and their chains (district, province, country) from
the boundaries and the records and wraps the result in a :class:`~mapgen.control.Resolution`;
:mod:`mapgen.prepared` runs the same core on a theatre it kept as arrays, so a warm
``mapgen render`` loads neither the boundaries nor the data-frame libraries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np

from .theatre import UNKNOWN

if TYPE_CHECKING:
    from .model import Record

#: "No record": earlier than any date.
NONE = np.iinfo(np.int64).min // 4


class RecordIndex:
    """The records sorted by (place, date), for vectorised "latest record of place P on or
    before day D" look-ups (one ``searchsorted`` for any number of places and days).

    ``place`` holds each record's place id (-1: a place outside the table), ``date`` its day
    as an ordinal, ``status`` its status's legend index."""

    def __init__(self, place: np.ndarray, date: np.ndarray, status: np.ndarray) -> None:
        self.place = np.asarray(place, dtype=np.int64)
        self.date = np.asarray(date, dtype=np.int64)
        self.status = np.asarray(status, dtype=np.int64)
        order = np.lexsort((self.date, self.place))
        self.order = order
        self.keys = self.place[order] * (1 << 32) + self.date[order]

    @classmethod
    def of(cls, recs: tuple[Record, ...], place_ids: Mapping[str, int],
           status_index: Mapping[str, int]) -> RecordIndex:
        """The records ``recs`` over places numbered by ``place_ids`` (another place: -1)."""
        n = len(recs)
        return cls(np.fromiter((place_ids.get(r.place, -1) for r in recs), np.int64, n),
                   np.fromiter((r.date.toordinal() for r in recs), np.int64, n),
                   np.fromiter((status_index[r.status] for r in recs), np.int64, n))

    def latest(self, place: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Index (into the records) of the latest record of ``place`` dated on or before
        ``day``, or -1; ``place`` and ``day`` broadcast."""
        q = place * (1 << 32) + day
        if len(self.keys) == 0:
            return np.full(q.shape, -1, dtype=np.int64)
        i = np.searchsorted(self.keys, q, side="right") - 1
        ok = (i >= 0) & (place >= 0)
        i = np.where(ok, i, 0)
        ok &= (self.keys[i] >> 32) == place
        return np.where(ok, self.order[i], -1)

    def decide(self, chain: np.ndarray, day: np.ndarray) -> np.ndarray:
        """The deciding record for rows of ``chain`` (places, most specific first; -1 pads)
        on ``day``: the latest-dated, and of the same date the most specific."""
        best = np.full(np.broadcast_shapes(chain.shape[:1] + (1,) * (day.ndim - 1), day.shape),
                       -1, dtype=np.int64)
        best_date = np.full(best.shape, NONE)
        if len(self.date) == 0:
            return best
        for level in range(chain.shape[1]):
            place = chain[:, level].reshape((-1,) + (1,) * (day.ndim - 1))
            rec = self.latest(place, day)
            rdate = np.where(rec >= 0, self.date[rec], NONE)
            later = rdate > best_date
            best = np.where(later, rec, best)
            best_date = np.where(later, rdate, best_date)
        return best


def held(index: RecordIndex, chain: np.ndarray, rec: np.ndarray) -> np.ndarray:
    """Ordinal of the first day of the unbroken run of each deciding record's status (see
    :func:`mapgen.control.held_since`), for each (chain row, column); computed once per
    distinct pair and stepped back a record at a time for all pairs together."""
    rows = np.broadcast_to(np.arange(chain.shape[0])[:, None], rec.shape)
    has = rec >= 0
    out = np.zeros(rec.shape, dtype=np.int64)
    if not has.any():
        return out
    pair = np.stack([rows[has], rec[has]], axis=1)
    uniq, inverse = np.unique(pair, axis=0, return_inverse=True)
    r_row, cur = uniq[:, 0], uniq[:, 1].copy()
    start = index.date[cur].copy()
    active = np.arange(len(uniq))
    while len(active):
        prev = index.decide(chain[r_row[active]], start[active] - 1)
        same = (prev >= 0) & (index.status[np.maximum(prev, 0)] == index.status[cur[active]])
        active = active[same]
        prev = prev[same]
        cur[active] = prev
        start[active] = index.date[prev]
    out[has] = start[inverse.ravel()]
    return out


def columns(index: RecordIndex, ords: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The table's columns for days ``ords`` (ordinals): one per distinct *effective day*
    (the latest record date on or before a requested day), and the column of each day. The
    deciding record changes only on days that have records, so the cost grows with the
    changes, not with the number of days."""
    rec_days = np.unique(index.date)
    i = np.searchsorted(rec_days, ords, side="right") - 1
    eff = np.where(i >= 0, rec_days[np.maximum(i, 0)], NONE) if len(rec_days) else \
        np.full(len(ords), NONE)
    cols, column = np.unique(eff, return_inverse=True)
    # a day before every record still resolves (to nothing): keep it a real day
    cols = np.where(cols == NONE, ords.min() if len(ords) else 0, cols)
    return cols, column.ravel()


def table(index: RecordIndex, chain: np.ndarray, cols: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``chain`` and each column day: the deciding record (-1: none) and the
    ordinal of the day its status began."""
    if len(chain) == 0:
        return np.zeros((0, len(cols)), np.int64), np.zeros((0, len(cols)), np.int64)
    rec = index.decide(chain, cols[None, :])
    return rec, held(index, chain, rec)


def status_legend(index: RecordIndex, status_index: Mapping[str, int]) -> np.ndarray:
    """Legend index of each record's status, and ``unknown``'s last (for -1: no record)."""
    return np.append(index.status, status_index[UNKNOWN])


def side_legend(status_index: Mapping[str, int], sides: Iterable[str]) -> np.ndarray:
    """Legend indices of the statuses ``sides`` that mean a side holds a place."""
    return np.array(sorted(status_index[x] for x in sides), dtype=np.int64)


def positions(status: np.ndarray, sides: np.ndarray, s_rec: np.ndarray, d_rec: np.ndarray,
              site_district: np.ndarray) -> np.ndarray:
    """Remaining positions in one column (see :func:`mapgen.control.is_position`): sites
    held by a side other than the one holding their district, in a district whose status is
    known. ``status`` maps a record (and, last, -1) to its legend index."""
    site_status = status[s_rec]
    dist_status = status[d_rec[site_district]]
    unknown = status[-1]
    return (np.isin(site_status, sides) & (dist_status != unknown)
            & (dist_status != site_status))
