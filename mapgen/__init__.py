"""mapgen: dated, sourced control-status records to maps, comparisons, timelines and numbers.

>>> import mapgen
>>> ds = mapgen.load()
>>> mapgen.status_on(ds, "2021-08-08").districts.loc["AF1901", "status"]
'taliban'
"""

from importlib.metadata import PackageNotFoundError, version

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
from .errors import DataError, InputError, MapgenError, MissingFileError, Problem

try:
    __version__ = version("mapgen")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

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
