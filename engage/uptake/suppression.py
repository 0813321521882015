"""Small-number suppression for views broken down by staff characteristics.

Counts from 1 to 4 are shown as "<5". When only one cell of a breakdown is suppressed, the
next smallest is suppressed too (secondary suppression), and a total over suppressed cells is
rounded to the nearest 5, so no hidden count can be worked out from the others.
"""

from __future__ import annotations

from dataclasses import dataclass

THRESHOLD = 5
HIDDEN = "<5"


@dataclass
class Cell:
    label: str
    count: int
    shown: str


@dataclass
class Breakdown:
    cells: list[Cell]
    total_shown: str
    suppressed: bool


def suppress(counts: dict[str, int]) -> Breakdown:
    """The cells of one breakdown as they may be shown, largest first, and the total."""
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    hidden = {label for label, n in ordered if 0 < n < THRESHOLD}
    if len(hidden) == 1:
        # The total minus the others would give the one hidden count away.
        others = [(n, label) for label, n in ordered if label not in hidden and n > 0]
        if others:
            hidden.add(min(others)[1])
    cells = [Cell(label, n, "suppressed" if label in hidden and n >= THRESHOLD else
                  HIDDEN if label in hidden else str(n)) for label, n in ordered]
    for cell in cells:
        if cell.shown == "suppressed":
            cell.shown = "*"  # a larger count hidden only to protect a small one
    total = sum(counts.values())
    if 0 < total < THRESHOLD:
        total_shown = HIDDEN
    elif hidden:
        rounded = 5 * round(total / 5)
        total_shown = f"about {rounded}"
    else:
        total_shown = str(total)
    return Breakdown(cells, total_shown, bool(hidden))
