"""Print the Markdown tables of GAPS.md: unknown districts counted on sample days, then every
district still unknown on some day of a period.

    python scripts/gaps_table.py [--start 2021-05-01] [--end 2021-08-15] [--data DIR] [--region R]

The first table counts, for the region (the theatre's default) and for the rest of the
country, the districts unknown on the first of each month, mid-month days and the end, and the
most on any one day. The second has one row per district: province, the unknown spans (first
and last day of each run of unknown days) and the number of unknown days. Read with the
research logs in data/events/research/.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import mapgen
from mapgen import api


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--start", default="2021-05-01")
    p.add_argument("--end", default="2021-08-15")
    p.add_argument("--data")
    p.add_argument("--region", help="the region counted apart (default: the theatre's default)")
    p.add_argument("--write", metavar="GAPS_MD",
                   help="replace the two tables in this file (data/events/GAPS.md) instead of printing")
    args = p.parse_args()
    out: list[str] = []
    ds = mapgen.load(args.data)
    days = mapgen.date_range(args.start, args.end, "1d")
    states = [s.districts for s in api.states_on(ds, days, ds.region("all")[0])]
    names = ds.geo.provinces["name"].to_dict()
    region = args.region or ds.theatre.default_region
    inside = set(mapgen.status_on(ds, days[0], region=region).districts.index)
    counts = {k: [] for k in ("in", "out")}
    for s in states:
        unknown = set(s.index[s["status"] == "unknown"])
        counts["in"].append(len(unknown & inside))
        counts["out"].append(len(unknown - inside))
    shown = [k for k, d in enumerate(days) if d.day in (1, 16) or k in (0, len(days) - 1)]
    shown = sorted(set(shown))
    total = len(states[0])
    label = ds.theatre.regions[region].label if region in ds.theatre.regions else region
    out.append("| area | districts | " + " | ".join(f"{days[k]:%d %b}" for k in shown)
          + " | most on one day |")
    out.append("|---|--:|" + "--:|" * len(shown) + "--:|")
    for key, name, n in (("in", f"{label} region", len(inside)),
                         ("out", "rest of the country", total - len(inside))):
        most = max(counts[key])
        when = days[counts[key].index(most)]
        out.append(f"| {name} | {n} | " + " | ".join(str(counts[key][k]) for k in shown)
              + f" | {most} ({most / n:.0%}, {when:%d %b}) |")
    out.append("")
    out.append("| district | P-code | province | unknown days | unknown spans |")
    out.append("|---|---|---|--:|---|")
    first = states[0]
    for code in first.index:
        flags = [s.loc[code, "status"] == "unknown" for s in states]
        if not any(flags):
            continue
        spans: list[tuple[dt.date, dt.date]] = []
        for day, unknown in zip(days, flags, strict=True):
            if unknown:
                if spans and spans[-1][1] == day - dt.timedelta(days=1):
                    spans[-1] = (spans[-1][0], day)
                else:
                    spans.append((day, day))
        text = "; ".join(f"{a:%d %b}\u2013{b:%d %b}" if a != b else f"{a:%d %b}" for a, b in spans)
        out.append(f"| {first.loc[code, 'name']} | {code} | {names[first.loc[code, 'province']]} | "
              f"{sum(flags)} | {text} |")


    text = "\n".join(out)
    if not args.write:
        print(text)
        return
    tables = text.split("\n\n")
    path = Path(args.write)
    lines = path.read_text(encoding="utf-8").split("\n")
    result: list[str] = []
    k = 0
    i = 0
    while i < len(lines):
        if lines[i].startswith("|") and k < len(tables):
            while i < len(lines) and lines[i].startswith("|"):
                i += 1
            result.extend(tables[k].split("\n"))
            k += 1
            continue
        result.append(lines[i])
        i += 1
    if k != len(tables):
        raise SystemExit(f"{path}: expected {len(tables)} tables, found {k}")
    path.write_text("\n".join(result), encoding="utf-8")


if __name__ == "__main__":
    main()
