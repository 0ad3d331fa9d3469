"""Bad input: every kind of mistake gets its message, exit 2, no traceback, no output."""

from __future__ import annotations

import hashlib
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mapgen
from mapgen.cli import main
from mapgen.records import load_records

from .conftest import DATA, run_cli

BROKEN = Path(__file__).parent / "data" / "broken"
CASES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES)
def test_validate_reports_the_mistake(case: str) -> None:
    folder = BROKEN / case
    expected = (folder / "expected.txt").read_text(encoding="utf-8").strip()
    r = run_cli("validate", "--data", str(folder))
    assert r.code == 2, r.err
    assert "Traceback" not in r.err
    lines = [line.replace(str(folder) + "/", "") for line in r.err.splitlines()]
    assert any(line.startswith(expected) for line in lines), "\n".join(lines)
    assert lines[-1].endswith("warning(s)")


@pytest.mark.parametrize("case", CASES)
def test_render_writes_nothing_on_bad_input(case: str, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "map.html"
    code = main(["render", "--date", "2021-08-08", "--data", str(BROKEN / case),
                 "--out", str(out)])
    assert code == 2
    assert "the input has errors; nothing was written" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_bom_and_dari_round_trip(ds: mapgen.Dataset) -> None:
    recs = load_records(Path(__file__).parent / "data" / "good-bom-dari", ds.geo, ds.theatre)
    assert recs.control[0].note == "شهر کندز سقوط کرد"
    assert recs.sites["kunduz-airport"].name.endswith("میدان هوایی کندز")
    assert recs.sources["seed-tolonews-2021-08-08"].title == "Seed report"


def test_commands_never_rewrite_records(tmp_path: Path) -> None:
    def digests() -> dict[str, str]:  # every file of the theatre, research notes included
        return {str(p.relative_to(DATA)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(DATA.rglob("*")) if p.is_file()}

    before = digests()
    for args in (["validate"], ["status", "--date", "2021-08-08"],
                 ["render", "--date", "2021-08-08", "--out", str(tmp_path / "m.html")]):
        assert main([*args, "-q"]) == 0
    assert digests() == before
    assert "theatre.toml" in before and "control.csv" in before


def test_warnings_name_the_record(ds: mapgen.Dataset, data_copy: Path) -> None:
    path = data_copy / "control.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")
    recs = load_records(data_copy, ds.geo, ds.theatre)
    dup = [w for w in recs.warnings if w.field == "place"]
    assert len(dup) == 1
    assert dup[0].line == len(lines) + 1
    assert "repeats line 2 (same place, day and status); this line is ignored" in dup[0].message


# --- property-based: any record either validates and renders, or is reported ---------

_text = st.text(alphabet=string.printable + "کندز<>&\"'", max_size=30)
_status = st.sampled_from(["government", "taliban", "contested", "unknown", "Taliban", "", "x"])
_date = st.one_of(st.dates(min_value=__import__("datetime").date(1890, 1, 1),
                           max_value=__import__("datetime").date(2030, 1, 1)).map(str), _text)
_place = st.sampled_from(["AF", "AF1901", "AF19", "AF2201", "kunduz-airport", "AF9999", "Kunduz", ""])
_conf = st.sampled_from(["high", "medium", "low", "sure", ""])


def _csv_cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(_date, _place, _status, _text, _conf), min_size=1, max_size=4),
       url=st.sampled_from(["https://example.org/a", "javascript:alert(1)", "", "ftp://x"]),
       title=_text)
def test_generated_records_validate_or_report(ds: mapgen.Dataset, tmp_path_factory, rows, url,
                                               title) -> None:
    folder = tmp_path_factory.mktemp("gen")
    (folder / "sources.csv").write_text(
        "source_id,publisher,title,published,url\n"
        f"s1,Someone,{_csv_cell(title)},2021-08-10,{_csv_cell(url)}\n", encoding="utf-8")
    (folder / "sites.csv").write_text(
        "site_id,name,kind,lat,lon,district,precision\n"
        "kunduz-airport,Kunduz Airport,airport,36.665,68.91083,AF1901,exact\n", encoding="utf-8")
    body = "".join(",".join(_csv_cell(v) for v in (d, p, s, n, "s1", c)) + "\n"
                   for d, p, s, n, c in rows)
    (folder / "control.csv").write_text("date,place,status,note,sources,confidence\n" + body,
                                        encoding="utf-8")
    try:
        recs = load_records(folder, ds.geo, ds.theatre)
    except mapgen.DataError as err:
        assert err.problems and all(p.file.startswith(str(folder)) for p in err.problems)
        return
    dataset = mapgen.Dataset(ds.geo, recs)
    html = mapgen.map_html(mapgen.build_map(dataset, "2021-08-15", region="Kunduz"))
    assert "<script>alert" not in html
    for rec in recs.control:
        assert rec.status in ("government", "taliban", "contested", "unknown")
