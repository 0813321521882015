"""Benchmark: refusing bomb workbooks, against reading a normal one, in the same run.

Each case runs in a fresh child process (multiprocessing "spawn"), so its peak resident set
size (`getrusage` maxrss) is its own: the child imports engage's reader, then reads the file
as the uptake check does (`read_table` and every row) and reports the time taken, its peak
RSS and what happened. The files are built in the parent with tests/uptake/bombs.py:

- baseline: a normal workbook of 20 rows, and one of 20,000 rows (read in full);
- the probe's shared-strings bomb: 300 MB of text in a 300 KB file;
- the probe's million-row bomb: one million identical rows in a 650 KB file;
- a sheet that declares a million rows in its <dimension>;
- a sheet of 250,010 Excel-like rows that declares no size (rows counted in the XML).

Targets: every bomb refused in under 2 s with the process under 300 MB.

    .venv/bin/python bench/xlsx_bomb.py [--unguarded]

`--unguarded` also times openpyxl opening the shared-strings bomb directly, as engage did before
the limits (about a minute and over 2 GB: run it on a machine with the memory to spare).
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.uptake import bombs  # noqa: E402

TARGET_SECONDS = 2.0
TARGET_MB = 300.0


def _child(data: bytes, unguarded: bool, queue: Any) -> None:
    import io

    from engage.uptake.errors import UptakeRejected
    from engage.uptake.reader import read_table

    start_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    rows = 0
    try:
        if unguarded:
            from openpyxl import load_workbook

            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            rows = sum(1 for _ in book.active.iter_rows())
            outcome = f"read {rows:,} rows"
        else:
            table = read_table(data, "bench.xlsx")
            rows = sum(1 for _ in table.rows)
            outcome = f"read {rows:,} rows"
    except UptakeRejected as exc:
        outcome = "refused: " + exc.message[:70]
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((elapsed, start_rss, peak, outcome))


def measure(data: bytes, unguarded: bool = False) -> tuple[float, float, float, str]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_child, args=(data, unguarded, queue))
    child.start()
    result = queue.get()
    child.join()
    return result  # type: ignore[no-any-return]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--unguarded", action="store_true")
    args = parser.parse_args()
    cases = [
        ("baseline: normal workbook, 20 rows", bombs.many_rows(20), False, False),
        ("baseline: normal workbook, 20,000 rows", bombs.many_rows(20_000), False, False),
        ("shared-strings bomb (300 MB of text)", bombs.shared_string_bomb(300), True, False),
        ("million identical rows", bombs.many_identical_rows(1_000_000), True, False),
        ("<dimension> of a million rows", bombs.workbook(
            bombs.rows_of_figures(2), dimension="A1:K1000000"), True, False),
        ("250,010 rows, no size declared", bombs.many_rows(250_010, declare=False), True,
         False),
    ]
    if args.unguarded:
        cases.append(("unguarded openpyxl, shared-strings bomb", bombs.shared_string_bomb(300),
                      False, True))
    print(f"{'case':42} {'file':>10} {'time':>8} {'RSS at start':>13} {'peak RSS':>9}  outcome")
    ok = True
    for name, data, is_bomb, unguarded in cases:
        elapsed, start_rss, peak, outcome = measure(data, unguarded)
        print(f"{name:42} {len(data) / 1024:8,.0f} KB {elapsed:7.2f}s {start_rss:10,.0f} MB "
              f"{peak:6,.0f} MB  {outcome}")
        if is_bomb and (not outcome.startswith("refused")
                        or elapsed > TARGET_SECONDS or peak > TARGET_MB):
            ok = False
    print(f"target: every bomb refused in under {TARGET_SECONDS:.0f} s with the process under "
          f"{TARGET_MB:.0f} MB: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
