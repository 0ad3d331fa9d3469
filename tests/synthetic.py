"""A synthetic theatre built in code: 3 provinces x 3 districts on a COD-AB-style single layer
with lower-case columns, six statuses, its own labels, colours, credits and default region.

Nothing in it comes from the Afghanistan theatre, so any Afghan word in an output made from
it has leaked out of the code.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import shapely

#: Words of the Afghanistan theatre that must never appear in another theatre's output.
AFGHAN_WORDS = re.compile(
    r"(?i)\b(afghan\w*|taliban|dari|agcho|cso|nsia|kabul|kunduz|jawzjan|government|nds|unama|"
    r"prs)\b|\bAF\d{2,}\b")

STATUSES = [  # id, label, colour, pattern, side
    ("north", "Northern Front", "#1B9E77", "", True),
    ("south", "Southern Union", "#D95F02", "", True),
    ("river", "River Militia", "#7570B3", "", True),
    ("hills", "Hill Clans", "#E7298A", "", True),
    ("fighting", "Active fighting", "#66A61E", "hatch", False),
    ("truce", "Local truce", "#E6AB02", "", False),
]
PROVINCES = [("QQ1", "Lowland", "السهل"), ("QQ2", "Midland", "الوسط"), ("QQ3", "Upland", "الجبل")]

THEATRE_TOML = """\
id = "testland-2024"
name = "Testland 2024"
title = "Who holds Testland"
default_region = "west"
period = ["2024-01-01", "2024-03-31"]
boundaries = "testland.geojson"
population_note = "census 2020"
records_licence = "CC0-1.0"

{statuses}

[unknown]
label = "No report yet"
colour = "#BBBBBB"

[positions]
label = "Outpost held apart from its district"
layer = "Outposts"
tooltip = "Outpost"
colour = "#000066"

[regions.west]
label = "Western Testland"
provinces = ["Lowland"]
with_neighbours = true

[regions.uplands]
label = "The uplands"
provinces = ["QQ3"]

[capitals]
note = "dotted lines: a capital changed hands"

[credits]
boundaries = "Testland Survey Office (synthetic)"
records = "mapgen test suite"
"""

SOURCES = """\
source_id,publisher,title,published,url
s-one,Testland Herald,Fighting in the lowlands,2024-01-05,https://example.org/one
s-two,Upland Radio,Truce in the hills,2024-02-20,https://example.org/two
"""

SITES = """\
site_id,name,kind,lat,lon,district,precision,capital
lowtown,Lowtown,city,40.5,10.5,QQ101,exact,country
midtown,Midtown,city,40.5,11.5,QQ201,approximate,province
hill-fort,Hill Fort,base,42.5,12.5,QQ303,exact,
ferry,Ferry Landing,other,41.5,10.5,QQ102,centroid,
"""

CONTROL = """\
date,place,status,note,sources,confidence
2024-01-02,QQ1,north,Lowland held,s-one,high
2024-01-03,QQ2,south,Midland held,s-one,medium
2024-01-03,QQ3,hills,Upland held,s-one,high
2024-01-04,QQ102,fighting,Fighting at the ferry,s-one,low
2024-01-04,ferry,north,Landing still held,s-one,medium
2024-01-05,QQ203,river,Militia took the east of Midland,s-one,high
2024-02-01,QQ101,south,Lowtown fell,s-two,high
2024-02-01,lowtown,south,Lowtown fell,s-two,high
2024-02-10,QQ302,truce,Truce in the hills,s-two,medium
2024-02-15,QQ303,river,Militia in the hills,s-two,medium
2024-02-15,hill-fort,hills,The fort holds,s-two,high
"""


def _statuses_toml() -> str:
    out = []
    for sid, label, colour, pattern, side in STATUSES:
        out.append(f'[[statuses]]\nid = "{sid}"\nlabel = "{label}"\ncolour = "{colour}"')
        if pattern:
            out.append(f'pattern = "{pattern}"')
        if not side:
            out.append("side = false")
    return "\n".join(out)


def build(folder: Path) -> Path:
    """Write the theatre into ``folder`` (records, theatre.toml and boundaries); return it."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for p, (pcode, pname, pname_ar) in enumerate(PROVINCES):
        for d in range(3):
            rows.append({
                "adm2_pcode": f"{pcode}0{d + 1}", "adm2_name": f"{pname} {'ABC'[d]}",
                "adm2_name1": f"{pname_ar} {d + 1}", "lang": "en", "lang1": "ar",
                "adm1_pcode": pcode, "adm1_name": pname, "adm1_name1": pname_ar,
                "adm0_pcode": "QQ", "adm0_name": "Testland",
                "geometry": shapely.box(10 + p, 40 + d, 11 + p, 41 + d),
            })
    gpd.GeoDataFrame(rows, crs="EPSG:4326").to_file(folder / "testland.geojson", driver="GeoJSON")
    (folder / "theatre.toml").write_text(THEATRE_TOML.format(statuses=_statuses_toml()),
                                         encoding="utf-8")
    (folder / "sources.csv").write_text(SOURCES, encoding="utf-8")
    (folder / "sites.csv").write_text(SITES, encoding="utf-8")
    (folder / "control.csv").write_text(CONTROL, encoding="utf-8")
    return folder
