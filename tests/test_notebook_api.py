"""The README's notebook examples run, type-check with mypy, and behave as a notebook user expects."""

from __future__ import annotations

import re
import subprocess
import sys
import typing
from pathlib import Path

import pytest

import mapgen

from .conftest import ROOT

PUBLIC_FUNCTIONS = [n for n in mapgen.__all__ if callable(getattr(mapgen, n))
                    and not isinstance(getattr(mapgen, n), type)]


def _readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### In a notebook", 1)[1]
    return re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)  # type: ignore[union-attr]


def test_readme_example_runs(tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(_readme_example(), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    for name in ("afghanistan.html", "control-2021-08-08.gpkg"):
        assert (tmp_path / name).stat().st_size > 10_000


def test_readme_example_type_checks(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    script = tmp_path / "example.py"
    script.write_text(_readme_example() + "\nreveal_type(state)\nreveal_type(figure)\nreveal_type(m)\n",
                      encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", "--strict",
                           "--ignore-missing-imports", "--follow-imports=silent", str(script)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:]
    # mapgen's own types are real ones, not Any or object (geopandas ships no types)
    assert 'Revealed type is "mapgen.control.ControlState"' in done.stdout
    assert re.search(r'Revealed type is "(builtins\.)?bytes \| pathlib\.Path"', done.stdout)
    assert 'Revealed type is "folium.folium.Map"' in done.stdout


@pytest.mark.parametrize("name", PUBLIC_FUNCTIONS)
def test_public_functions_are_typed_and_documented(name: str) -> None:
    func = getattr(mapgen, name)
    hints = typing.get_type_hints(func)
    assert "return" in hints, name
    assert func.__doc__ and len(func.__doc__.strip()) > 40, name


def test_mapgen_errors_are_value_errors(ds: mapgen.Dataset) -> None:
    for call in (lambda: mapgen.status_on(ds, "8 Aug"),
                 lambda: mapgen.status_on(ds, "2021-08-08", region="Atlantis"),
                 lambda: mapgen.change_table(ds, "2021-08-09", "2021-08-06"),
                 lambda: mapgen.export_figure(ds, "2021-08-08", before="2021-08-06"),
                 lambda: mapgen.export_figure(ds)):
        with pytest.raises(mapgen.MapgenError) as info:
            call()
        assert isinstance(info.value, ValueError)
        assert "--" not in str(info.value), str(info.value)  # Python terms, not CLI flags


def test_notebook_display_then_save_writes_one_map(ds: mapgen.Dataset, tmp_path: Path) -> None:
    m = mapgen.build_map(ds, "2021-08-08")
    shown = m._repr_html_()
    assert "iframe" in shown
    path = mapgen.save_map(m, tmp_path / "m.html")
    html = path.read_text(encoding="utf-8")
    assert html.count("L.map(") == 1
    assert html.count("<html") == 1
