"""Text from the records on its way out: CSV cells a spreadsheet will not run as formulas,
terminal text without control codes, and the check that rejects control codes on input."""

from __future__ import annotations

import re
from typing import Any

#: C0 controls but tab and newline, DEL, and the C1 controls: never part of a record's text.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: Also kept off the terminal: carriage return, and the bidi overrides and isolates that can
#: reorder what a terminal line appears to say ("Trojan Source"). Right-to-left text keeps
#: its ordinary direction marks (U+200E, U+200F).
_TERMINAL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: Cells a spreadsheet reads as a formula (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def control_chars(text: str) -> str:
    """The control characters in ``text`` as ``\\x1b``-style escapes, or "" if none."""
    if CONTROL.search(text) is None:  # nearly every cell: no set to build
        return ""
    return "".join(sorted({f"\\x{ord(c):02x}" for c in CONTROL.findall(text)}))


def _escape(m: re.Match[str]) -> str:
    return m.group(0).encode("unicode_escape").decode("ascii")


def terminal_safe(text: str) -> str:
    """``text`` with every control or bidi-override character shown as a visible escape:
    for what people read (tables, lists, messages)."""
    return _TERMINAL.sub(_escape, text)


def control_safe(text: str) -> str:
    """``text`` with control characters (not tab and newline) shown as visible escapes: for
    CSV and JSON on standard output, whose text is otherwise the data, bidi marks included."""
    return CONTROL.sub(_escape, text)


def spreadsheet_cell(value: Any) -> Any:
    """A text cell starting with ``= + - @``, a tab or a carriage return gets a leading
    ``'`` so that a spreadsheet shows it as text instead of evaluating it; other values are
    returned unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
