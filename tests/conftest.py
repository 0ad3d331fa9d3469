"""Shared fixtures: the shipped dataset, a CLI runner, a real Chromium through Playwright and
the default page it opens."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
import traceback
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import mapgen
from mapgen.theatre import read_theatre

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "events"
#: The Afghanistan theatre's statuses, in legend order (unknown last).
THEATRE = read_theatre(DATA)
STATUSES = THEATRE.status_ids
STATUS_STYLES = THEATRE.statuses
OUTPUTS = ROOT / "outputs"
CHROMIUM = os.environ.get("MAPGEN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions",
]


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    # the geometry cache goes to a fresh folder, so tests also exercise building it
    old = os.environ.get("MAPGEN_CACHE")
    os.environ["MAPGEN_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if old is None:
        os.environ.pop("MAPGEN_CACHE", None)
    else:
        os.environ["MAPGEN_CACHE"] = old


@pytest.fixture(scope="session")
def ds() -> mapgen.Dataset:
    return mapgen.load()


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_cli(*args: str, cwd: Path | None = None, process: bool = False) -> Run:
    """Run the command line as a user would: in this process (``mapgen.cli.main`` with its
    own stdout, stderr and working directory), or with ``process=True`` as ``python -m
    mapgen`` in a separate process (the smoke tests). Warnings are ignored in both, as a
    user's Python does by default; an unexpected exception is exit 1 with its traceback."""
    if process:
        proc = subprocess.run(
            [sys.executable, "-m", "mapgen", *args], capture_output=True, text=True,
            cwd=cwd or ROOT, timeout=300, env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        return Run(proc.returncode, proc.stdout, proc.stderr)
    from mapgen.cli import main

    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    os.chdir(cwd or ROOT)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse: --help, --version, usage errors
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
            except Exception:
                err.write(traceback.format_exc())
                code = 1
    finally:
        os.chdir(here)
    return Run(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli() -> type[Run]:
    return run_cli  # type: ignore[return-value]


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped records, to break on purpose (its theatre.toml finds
    the boundaries at ../boundaries, as in the repository)."""
    dest = tmp_path / "events"
    shutil.copytree(DATA, dest)
    (tmp_path / "boundaries").symlink_to(ROOT / "data" / "boundaries", target_is_directory=True)
    return dest


def _browser_missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return (f"Chromium not found at {CHROMIUM}: install it with "
                "'apt-get install chromium' (or set MAPGEN_CHROMIUM)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed: pip install -e '.[test]'"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    missing = _browser_missing()
    if missing:
        if os.environ.get("MAPGEN_REQUIRE_BROWSER") == "1":
            pytest.fail(missing + " (MAPGEN_REQUIRE_BROWSER=1: browser tests may not skip)")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="session")
def north_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default page (the theatre's default region on 8 August 2021), rendered once by
    the command line for the browser tests, which only read it."""
    out = tmp_path_factory.mktemp("pages") / "north.html"
    r = run_cli("render", "--date", "2021-08-08", "--out", str(out), "-q")
    assert r.code == 0, r.err
    return out
