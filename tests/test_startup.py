"""Start-up: a command imports only what its work needs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import ROOT

HEAVY = ("folium", "branca", "jinja2", "matplotlib", "geopandas", "pandas", "shapely", "pyogrio")


def _imported_after(*argv: str) -> set[str]:
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
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=300, check=True)
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
                             str(tmp_path / "m.html"), "-q")
    assert "folium" in loaded and "matplotlib" not in loaded


def test_render_from_the_cache_does_not_load_gdal(tmp_path) -> None:
    """Once the boundary file has been checked (and the geometry simplified), a render reads
    the cache with SQLite: pyogrio, and the GDAL it loads, are not imported."""
    out = str(tmp_path / "m.html")
    first = _imported_after("render", "--date", "2021-08-08", "--out", out, "-q")
    again = _imported_after("render", "--date", "2021-08-09", "--out", out, "-q")
    assert "pyogrio" not in again and {"folium", "pandas"} <= again
    assert first >= again
