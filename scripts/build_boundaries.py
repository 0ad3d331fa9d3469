"""Build data/boundaries/ from the raw AGCHO/OCHA boundaries and CSO population estimates.

Run from the repository root (``make data``)::

    python scripts/build_boundaries.py --raw ../shared/data --out data/boundaries

The result is one GeoPackage, ``afghanistan.gpkg``, with three layers (``country``,
``provinces``, ``districts``) in EPSG:4326 and normalised columns, plus ``SOURCE.md``
recording licences, credit lines, checksums of the raw files and the population-join report.
The package never reads the raw folder at run time.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

# Kept in step with mapgen.geography.EQUAL_AREA_CRS (an Albers equal-area cone fitted to
# Afghanistan); the script does not import mapgen so that it runs before the package exists.
EQUAL_AREA_CRS = (
    "+proj=aea +lat_1=30 +lat_2=38 +lat_0=34 +lon_0=67 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
)

ZIPS = {
    "country": "agcho-2018/afg_admbnda_adm0_agcho_20180522.zip",
    "provinces": "agcho-2018/afg_admbnda_adm1_agcho_20180522.zip",
    "districts": "agcho-2018/afg_admbnda_adm2_agcho_20180522.zip",
}
POP_FILE = "cso-population/district_data_analysis_14_18_19.csv"
KEY_FILE = "cso-population/district_code_keyfile_2019.csv"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_zipped_shapefile(path: Path) -> gpd.GeoDataFrame:
    with zipfile.ZipFile(path) as zf:
        shp = next(n for n in zf.namelist() if n.endswith(".shp"))
    return gpd.read_file(f"zip://{path}!{shp}")


def population_by_district(raw: Path, district_codes: list[str]) -> tuple[pd.Series, list[str]]:
    """CSO 2019-20 settled population per AGCHO district, with a report of every rule applied.

    Rules, applied in order to each of the 403 CSO rows (IEC 2019 district codes):
    1. the keyfile names a 2018 UNOCHA/AGCHO P-code for it: the row counts for that district;
    2. it names none (``NA``: a district the IEC created after 2018 by splitting an AGCHO one):
       the row counts for the district it was carved from
       (``2019_matched_to_UNOCHA_district_code``), so the parent's figure covers both;
    3. no row reaches an AGCHO district: its population is left empty (never zero) and listed.
    """
    pop = pd.read_csv(raw / POP_FILE, dtype={"district_code": str})
    key = pd.read_csv(raw / KEY_FILE, dtype=str)
    key = key.set_index("2019_IEC_district_code")
    report: list[str] = []
    targets: list[str] = []
    for row in pop.itertuples():
        code = row.district_code
        if code not in key.index:
            raise SystemExit(f"{POP_FILE}: district_code {code!r} is not in {KEY_FILE}")
        k = key.loc[code]
        direct = k["2018_UNOCHA_district_code"]
        if isinstance(direct, str) and direct != "NA":
            targets.append(direct)
        else:
            parent = "AF" + k["2019_matched_to_UNOCHA_district_code"]
            targets.append(parent)
            report.append(
                f"IEC {code} {row.district_name_eng.title()} (no 2018 P-code): "
                f"population {row.total_pop_19:,} added to its parent {parent}"
            )
    pop["pcode"] = targets
    summed = pop.groupby("pcode")["total_pop_19"].sum()
    unknown = sorted(set(summed.index) - set(district_codes))
    if unknown:
        raise SystemExit(f"population rows map to P-codes that are not AGCHO districts: {unknown}")
    missing = sorted(set(district_codes) - set(summed.index))
    for code in missing:
        report.append(f"{code}: no CSO row reaches this district; population left empty")
    counts = pop.groupby("pcode").size()
    shared = counts[counts > 1]
    for code, n in shared.items():
        report.append(f"{code}: {n} CSO rows summed")
    return summed.reindex(district_codes), report


DARI = "name_prs (Dari, ISO 639-3 `prs`)"


def build(raw: Path, out: Path) -> None:
    country = read_zipped_shapefile(raw / ZIPS["country"])
    prov = read_zipped_shapefile(raw / ZIPS["provinces"])
    dist = read_zipped_shapefile(raw / ZIPS["districts"])
    for name, frame in (("country", country), ("provinces", prov), ("districts", dist)):
        if frame.crs is None or frame.crs.to_epsg() != 4326:
            raise SystemExit(f"{ZIPS[name]}: expected EPSG:4326, found {frame.crs}")

    country = gpd.GeoDataFrame(
        {
            "pcode": country["ADM0_PCODE"],
            "name": country["ADM0_EN"],
            "name_prs": country["ADM0_DA"],
        },
        geometry=country.geometry.make_valid(),
        crs="EPSG:4326",
    )
    districts = gpd.GeoDataFrame(
        {
            "pcode": dist["ADM2_PCODE"],
            "name": dist["ADM2_EN"],
            "name_prs": dist["ADM2_DA"],
            "province_pcode": dist["ADM1_PCODE"],
        },
        geometry=dist.geometry.make_valid(),
        crs="EPSG:4326",
    ).sort_values("pcode", ignore_index=True)
    provinces = gpd.GeoDataFrame(
        {
            "pcode": prov["ADM1_PCODE"],
            "name": prov["ADM1_EN"],
            "name_prs": prov["ADM1_DA"],
            "region": prov["REG_EN"],
        },
        geometry=prov.geometry.make_valid(),
        crs="EPSG:4326",
    ).sort_values("pcode", ignore_index=True)

    population, report = population_by_district(raw, districts["pcode"].tolist())
    districts["population"] = population.to_numpy()
    districts["population"] = districts["population"].astype("Int64")
    provinces["population"] = (
        districts.groupby("province_pcode")["population"].sum().reindex(provinces["pcode"]).to_numpy()
    )
    country["population"] = [int(districts["population"].sum())]
    for frame in (country, provinces, districts):
        frame["area_km2"] = (frame.to_crs(EQUAL_AREA_CRS).area / 1e6).round(1)

    out.mkdir(parents=True, exist_ok=True)
    gpkg = out / "afghanistan.gpkg"
    tmp = gpkg.with_suffix(".tmp.gpkg")
    tmp.unlink(missing_ok=True)
    for layer, frame in (("country", country), ("provinces", provinces), ("districts", districts)):
        pyogrio.write_dataframe(frame, tmp, layer=layer, driver="GPKG")
    tmp.replace(gpkg)

    lines = [
        "# data/boundaries — provenance",
        "",
        "Built by `scripts/build_boundaries.py` (`make data`) from the raw files below; the package",
        "never reads the raw folder at run time.",
        "",
        "| layer | features | columns |",
        "|---|---|---|",
        f"| country | {len(country)} | pcode, name, {DARI}, population, area_km2 |",
        f"| provinces | {len(provinces)} | pcode, name, {DARI}, region, population, area_km2 |",
        f"| districts | {len(districts)} | pcode, name, {DARI}, province_pcode, population, area_km2 |",
        "",
        "`area_km2` is computed in an Albers equal-area projection fitted to Afghanistan",
        f"(`{EQUAL_AREA_CRS}`), never in degrees.",
        "",
        "## Boundaries",
        "Afghanistan Geodesy and Cartography Head Office (AGCHO), published by UN OCHA as the",
        "Common Operational Dataset (COD-AB), version 2018-05-22, on the Humanitarian Data Exchange.",
        "Licence: Creative Commons Attribution for Intergovernmental Organisations (CC BY-IGO).",
        'Use limitation in the metadata: "This dataset is strictly for humanitarian purposes."',
        "Credit line: **Boundaries: AGCHO / OCHA (COD-AB, 2018)**.",
        "",
        "## Population",
        "Afghan Central Statistics Organization (CSO, now NSIA) settled-population estimates for",
        "1398 (2019-20), column `total_pop_19`, as compiled with the IEC 2019 district codes and",
        "the code keyfile in the public repository `colincookman/afghanistan_presidential_election_2019`.",
        "Credit line: **Population: CSO/NSIA estimates 2019-20**.",
        "",
        "### How the population join is made",
        "Each CSO row (IEC 2019 district) is assigned to the AGCHO P-code the keyfile gives it",
        "(`2018_UNOCHA_district_code`). Rows without one are districts the IEC split off after",
        "2018; their population is added to the AGCHO district they were carved from",
        "(`2019_matched_to_UNOCHA_district_code`). Nothing is dropped: the build stops if a row",
        "maps to no AGCHO district. Every rule applied:",
        "",
        *[f"- {line}" for line in report],
        "",
        f"Districts with a population figure: {int(districts['population'].notna().sum())} of "
        f"{len(districts)}; national total {int(districts['population'].sum()):,}.",
        "",
        "## Raw files (SHA-256)",
        "",
        *[
            f"- `{rel}`: `{sha256(raw / rel)}`"
            for rel in (*ZIPS.values(), POP_FILE, KEY_FILE)
        ],
        "",
    ]
    (out / "SOURCE.md").write_text("\n".join(lines), encoding="utf-8")
    buf = io.StringIO()
    buf.write(f"wrote {gpkg} ({gpkg.stat().st_size:,} bytes)\n")
    sys.stdout.write(buf.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("data/boundaries"))
    args = parser.parse_args()
    build(args.raw, args.out)


if __name__ == "__main__":
    main()
