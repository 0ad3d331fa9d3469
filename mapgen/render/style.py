"""Legend data shared by every output, from the theatre's statuses, kinds and credits."""

from __future__ import annotations

from ..theatre import StatusStyle, Theatre

__all__ = ["PAYLOAD_VERSION", "StatusStyle", "legend_payload", "status_css"]

#: Version of the page payload's layout (docs/PAYLOAD.md: named fields, tables by column);
#: bumped on any change ``mapgen.js`` must know about.
PAYLOAD_VERSION = 2


def legend_payload(theatre: Theatre, *, local_lang: str, rtl: bool, population: bool
                   ) -> dict[str, object]:
    """What the page needs to draw the legend, colour shapes and word its popups."""
    return {
        "statuses": [{"id": s.status, "label": s.label, "colour": s.colour, "pattern": s.pattern}
                     for s in theatre.statuses],
        "kinds": [{"id": k.id, "symbol": k.symbol, "label": k.label} for k in theatre.kinds],
        "position": {"colour": theatre.position_colour, "label": theatre.position_label,
                     "tooltip": theatre.position_tooltip},
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
