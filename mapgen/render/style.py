"""Status colours, patterns, symbols and legend text shared by every output."""

from __future__ import annotations

from dataclasses import dataclass

from ..records import SITE_KINDS, STATUSES


@dataclass(frozen=True)
class StatusStyle:
    status: str
    label: str
    colour: str
    pattern: str  # "" or "hatch"


#: Paul Tol's colour-blind-safe "bright" scheme; contested is also hatched, so it reads in
#: grey-scale print and for every colour-vision deficiency.
STATUS_STYLES: tuple[StatusStyle, ...] = (
    StatusStyle("government", "Government", "#4477AA", ""),
    StatusStyle("taliban", "Taliban", "#EE6677", ""),
    StatusStyle("contested", "Contested", "#CCBB44", "hatch"),
    StatusStyle("unknown", "Unknown (no record)", "#DDDDDD", ""),
)
assert tuple(s.status for s in STATUS_STYLES) == STATUSES

STATUS_INDEX = {s.status: i for i, s in enumerate(STATUS_STYLES)}

#: One letter per site kind, drawn in a status-coloured disc; labels for the legend.
KIND_SYMBOLS: dict[str, tuple[str, str]] = {
    "city": ("C", "City / provincial capital"),
    "governor_compound": ("G", "Governor's compound"),
    "police_hq": ("P", "Police headquarters"),
    "nds_office": ("N", "NDS (intelligence) office"),
    "prison": ("J", "Prison"),
    "army_base": ("A", "Army base"),
    "airport": ("\u2708", "Airport"),
    "district_centre": ("D", "District centre"),
    "other": ("\u2022", "Other site"),
}
assert tuple(KIND_SYMBOLS) == SITE_KINDS

POSITION_COLOUR = "#223355"
#: The outline of what changed between two dates: a colour and dash used by no other line.
CHANGE_COLOUR = "#EE7733"
POSITION_LABEL = "Government-held position in a district lost (Taliban or contested)"

BOUNDARY_CREDIT = "Boundaries: AGCHO / OCHA (COD-AB, 2018)"
POPULATION_CREDIT = "Population: CSO/NSIA estimates 2019-20"


def legend_payload() -> dict[str, object]:
    """What the page needs to draw the legend and colour shapes."""
    return {
        "statuses": [[s.status, s.label, s.colour, s.pattern] for s in STATUS_STYLES],
        "kinds": [[k, g, label] for k, (g, label) in KIND_SYMBOLS.items()],
        "position": [POSITION_COLOUR, POSITION_LABEL],
        "change": CHANGE_COLOUR,
        "credits": [BOUNDARY_CREDIT, POPULATION_CREDIT],
    }
