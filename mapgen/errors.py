"""Exceptions that users and tests can name, and the problem records a data error carries."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located precisely enough to fix it.

    ``line`` is the 1-based line in the file (the header is line 1), or 0 where the
    problem concerns the whole file.
    """

    file: str
    line: int
    field: str
    value: str
    message: str
    hint: str = ""
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.field}: {self.value!r}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        if self.severity == "warning":
            text = "warning: " + text
        return text


class MapgenError(Exception):
    """Base class of every error mapgen raises on purpose (bad input, not a bug)."""


class InputError(MapgenError, ValueError):
    """A command-line or API argument is wrong: a malformed date, an unknown region."""


class DataError(MapgenError, ValueError):
    """Record or boundary files are wrong. Carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem]) -> None:
        # errors first, then warnings, each in file order
        self.problems = sorted(problems, key=lambda p: p.severity != "error")
        errors = [p for p in self.problems if p.severity == "error"]
        super().__init__(
            "\n".join(str(p) for p in self.problems)
            + f"\n{len(errors)} error(s), {len(self.problems) - len(errors)} warning(s)"
        )


class MissingFileError(MapgenError, FileNotFoundError):
    """A file or folder that a command needs does not exist."""


class FileError(MapgenError, OSError):
    """A file cannot be read or written as asked: not a regular file, too large, a symbolic
    link where none may be, a read-only folder, a full disk. The message is one line."""
