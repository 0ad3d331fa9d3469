"""Write (or check) the datapackage.json of a theatre folder from its theatre.toml.

    python scripts/datapackage.py data/events          # rewrite data/events/datapackage.json
    python scripts/datapackage.py data/events --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mapgen.schema import datapackage_json
from mapgen.theatre import read_theatre


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a theatre folder (records + theatre.toml)")
    parser.add_argument("--check", action="store_true", help="only check, write nothing")
    args = parser.parse_args()
    text = datapackage_json(read_theatre(args.folder), args.folder)
    target = args.folder / "datapackage.json"
    if args.check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{target} is out of date: run python scripts/datapackage.py {args.folder}",
                  file=sys.stderr)
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
