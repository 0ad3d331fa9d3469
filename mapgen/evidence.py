"""How old the evidence is: the age of the record in force, whether it has gone stale, and
whether a place's status comes from an area-wide record rather than its own.

A record says who held a place from its date on; later days inherit it until a newer record.
A ``contested`` place (no side holds it) or a low-confidence record tells less the longer no
newer report confirms it: past the theatre's ``[evidence] stale_after_days`` such a record is
*stale* — maps draw it apart and ``stats`` counts it apart. And when the status comes from a
province- or country-wide record (``via`` is not the place itself), that record's date is when
the area as a whole was reported, not when the place changed hands: it changed hands *by* then.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from .control import ControlState
from .theatre import Theatre


def _annotate(frame: pd.DataFrame, day: dt.date, theatre: Theatre) -> pd.DataFrame:
    out = frame.copy()
    since = out["since"]
    age = [(day - s).days if isinstance(s, dt.date) else None for s in since]
    out["age_days"] = pd.array(age, dtype="Int64")
    limit = theatre.stale_after_days
    if limit is None:
        out["stale"] = False
    else:
        sided = theatre.sides
        weak = (~out["status"].isin(sided) & (out["status"] != "unknown")) | (out["confidence"] == "low")
        out["stale"] = (weak & (out["age_days"].fillna(0) > limit)).astype(bool)
    own = out.index.to_series(index=out.index).astype(str)
    out["by_area"] = ((out["via"] != "") & (out["via"] != own)).to_numpy()
    return out


def annotate(state: ControlState, theatre: Theatre) -> ControlState:
    """``state`` with ``age_days`` (days since the record in force, <NA> for none), ``stale``
    and ``by_area`` (decided by a province- or country-wide record) on its districts, provinces
    and sites."""
    return ControlState(state.date, _annotate(state.districts, state.date, theatre),
                        _annotate(state.provinces, state.date, theatre),
                        _annotate(state.sites, state.date, theatre), state.table, state.column)
