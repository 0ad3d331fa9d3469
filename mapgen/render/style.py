"""Legend data shared by every output, from the theatre's statuses, kinds and credits."""

from __future__ import annotations

from ..theatre import StatusStyle, Theatre

__all__ = ["CHANGE_COLOUR", "PAYLOAD_VERSION", "StatusStyle", "legend_payload", "status_css"]

#: Version of the page payload's layout (docs/PAYLOAD.md: named fields, tables by column);
#: bumped on any change ``mapgen.js`` must know about.
PAYLOAD_VERSION = 3

#: The outline of what changed between two dates: a colour and dash no other line uses
#: (mapgen's own encoding, the same in every theatre).
CHANGE_COLOUR = "#EE7733"


def legend_payload(theatre: Theatre, *, local_lang: str, rtl: bool, population: bool
                   ) -> dict[str, object]:
    """What the page needs to draw the legend, colour shapes and word its popups."""
    return {
        "statuses": [{"id": s.status, "label": s.label, "colour": s.colour, "pattern": s.pattern,
                      "side": s.side} for s in theatre.statuses],
        # a record with no side (contested) or of low confidence, older than this: stale
        "stale_after_days": theatre.stale_after_days,
        "kinds": [{"id": k.id, "symbol": k.symbol, "label": k.label} for k in theatre.kinds],
        "position": {"colour": theatre.position_colour, "label": theatre.position_label,
                     "tooltip": theatre.position_tooltip},
        "change": CHANGE_COLOUR,
        "credits": theatre.credit_lines(),
        "population_note": theatre.population_note if population else "",
        "population": population,
        "local_lang": local_lang,
        "local_dir": "rtl" if rtl else "ltr",
    }


def status_css(statuses: tuple[StatusStyle, ...]) -> str:
    """One class per status (``mapgen-s0`` ...) for legend swatches, hatched where asked."""
    rules = []
    for i, s in enumerate(statuses):
        fill = s.colour
        if s.pattern == "hatch":
            fill = f"repeating-linear-gradient(45deg, {s.colour} 0 4px, #555 4px 6px)"
        rules.append(f".mapgen-s{i}{{background:{fill};}}")
    return "\n".join(rules)
