"""Domain errors of the directory, each with a message a manager can act on."""

from __future__ import annotations

MAX_PROBLEMS_SHOWN = 20


class DirectoryError(ValueError):
    """A directory change that cannot be made; `str()` says why and what to do."""


class ImportRejected(DirectoryError):
    """A file that was not imported at all; `problems` lists what is wrong, row by row."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems or [])

    @property
    def shown_problems(self) -> list[str]:
        """The first problems, and a note of how many more there are, for pages and terminals."""
        shown = self.problems[:MAX_PROBLEMS_SHOWN]
        hidden = len(self.problems) - len(shown)
        if hidden:
            noun = "problem" if hidden == 1 else "problems"
            shown.append(f"… and {hidden} more {noun} like these.")
        return shown

    def __str__(self) -> str:
        return "\n".join([self.message, *self.shown_problems])


class RowProblems:
    """Collects per-row problems while a file is checked, so every row is reported at once."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.rows: set[int] = set()

    def add(self, row: int, message: str) -> None:
        self.problems.append(f"Row {row}: {message}")
        self.rows.add(row)

    def __bool__(self) -> bool:
        return bool(self.problems)

    def reject(self, what: str, advice: str) -> ImportRejected:
        count = len(self.rows)
        rows = "row" if count == 1 else "rows"
        return ImportRejected(
            f"Nothing was imported: {count} {rows} of the {what} {'has' if count == 1 else 'have'} "
            f"problems. {advice}",
            self.problems,
        )
