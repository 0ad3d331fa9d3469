"""Print the Markdown table of districts still unknown on some day of a period, for GAPS.md.

    python scripts/gaps_table.py [--start 2021-05-01] [--end 2021-08-15] [--data DIR]

One row per district: province, the unknown spans (first and last day of each run of unknown
days) and the number of unknown days. Read with the research logs in data/events/research/.
"""

from __future__ import annotations

import argparse
import datetime as dt

import mapgen


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--start", default="2021-05-01")
    p.add_argument("--end", default="2021-08-15")
    p.add_argument("--data")
    args = p.parse_args()
    ds = mapgen.load(args.data)
    days = mapgen.date_range(args.start, args.end, "1d")
    states = [mapgen.status_on(ds, d, region="all").districts for d in days]
    names = ds.geo.provinces["name"].to_dict()
    print("| district | P-code | province | unknown days | unknown spans |")
    print("|---|---|---|--:|---|")
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
        print(f"| {first.loc[code, 'name']} | {code} | {names[first.loc[code, 'province']]} | "
              f"{sum(flags)} | {text} |")


if __name__ == "__main__":
    main()
