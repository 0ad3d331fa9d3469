"""mapgen: dated, sourced control-status records to maps, comparisons, timelines and numbers.

Every status is one of the theatre's (``theatre.toml``), never a word of the code:

>>> import mapgen
>>> ds = mapgen.load()
>>> set(mapgen.status_on(ds, "2021-08-08").districts["status"]) <= set(ds.theatre.status_ids)
True
"""

from typing import TYPE_CHECKING

from .errors import DataError, InputError, MapgenError, MissingFileError, Problem

if TYPE_CHECKING:
    __version__: str
    from .api import (
        Dataset,
        as_date,
        build_comparison,
        build_map,
        build_timeline,
        change_table,
        coverage,
        date_range,
        embed_snippet,
        export_figure,
        load,
        map_html,
        propose_from_acled,
        render_many,
        save_geodata,
        save_map,
        stats_plot,
        stats_table,
        status_geodata,
        status_on,
        status_spans,
        status_table,
    )
    from .control import ControlState, changes, resolve

# Imported on first use, so ``mapgen --version``, ``--help`` and a mistyped argument do not
# pay for pandas and geopandas, and no command pays for folium or matplotlib unless it draws.
_LAZY = {
    **dict.fromkeys(
        ("Dataset", "as_date", "build_comparison", "build_map", "build_timeline",
         "change_table", "coverage", "date_range", "embed_snippet", "load", "map_html",
         "propose_from_acled", "render_many", "save_geodata", "save_map", "stats_plot",
         "stats_table", "status_geodata", "status_on", "status_spans", "status_table"),
        "api"),
    **dict.fromkeys(("ControlState", "changes", "resolve"), "control"),
    "export_figure": "api",
}


def __getattr__(name: str) -> object:
    if name == "__version__":  # importlib.metadata costs a tenth of a second: on demand
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("mapgen")
        except PackageNotFoundError:  # running from a source tree that is not installed
            found = "0.0.0"
        globals()["__version__"] = found
        return found
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mapgen' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))



__all__ = [
    "ControlState",
    "DataError",
    "Dataset",
    "InputError",
    "MapgenError",
    "MissingFileError",
    "Problem",
    "__version__",
    "as_date",
    "build_comparison",
    "build_map",
    "build_timeline",
    "change_table",
    "changes",
    "coverage",
    "date_range",
    "embed_snippet",
    "export_figure",
    "load",
    "map_html",
    "propose_from_acled",
    "render_many",
    "resolve",
    "save_geodata",
    "save_map",
    "stats_plot",
    "stats_table",
    "status_geodata",
    "status_on",
    "status_spans",
    "status_table",
]
