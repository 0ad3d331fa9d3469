"""Start-up: a command imports only what its work needs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

HEAVY = ("folium", "branca", "jinja2", "matplotlib", "geopandas", "pandas", "shapely", "pyogrio")


def _imported_after(*argv: str, cache: Path | None = None) -> set[str]:
    code = (
        "import json, sys\n"
        "import mapgen.cli\n"
        "try:\n"
        f"    mapgen.cli.main({list(argv)!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        # a module bound lazily (importlib.util.LazyLoader) but never used is not loaded
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules and "
        "type(sys.modules[m]).__name__ != '_LazyModule')))\n"
    )
    env = {**os.environ, **({"MAPGEN_CACHE": str(cache)} if cache else {})}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=300, check=True, env=env)
    return set(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_version_and_help_import_no_data_libraries() -> None:
    assert _imported_after("--version") == set()
    assert _imported_after("render", "--help") == set()


@pytest.mark.parametrize("command", [["status", "--date", "2021-08-08", "-q"],
                                     ["validate", "-q"]])
def test_commands_that_read_records_do_not_import_page_or_figure_code(command) -> None:
    loaded = _imported_after(*command)
    assert {"pandas", "geopandas"} <= loaded  # they did the work
    assert not loaded & {"folium", "branca", "jinja2", "matplotlib"}


def test_render_does_not_import_matplotlib(tmp_path) -> None:
    loaded = _imported_after("render", "--date", "2021-08-08", "--out",
                             str(tmp_path / "m.html"), "-q", cache=tmp_path / "cache")
    assert "folium" in loaded and "matplotlib" not in loaded


def test_render_from_the_cache_loads_no_data_library(tmp_path) -> None:
    """Once a page of the same inputs has been built the full way (boundaries checked,
    geometry simplified, the page kept: mapgen.prepared), a render of another date imports
    none of the data-frame, geometry or template libraries, nor GDAL."""
    out = str(tmp_path / "m.html")
    first = _imported_after("render", "--date", "2021-08-08", "--out", out, "-q",
                            cache=tmp_path / "cache")
    again = _imported_after("render", "--date", "2021-08-09", "--out", out, "-q",
                            cache=tmp_path / "cache")
    assert {"folium", "pandas", "pyogrio"} <= first
    assert again == set()
