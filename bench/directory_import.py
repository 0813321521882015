"""Benchmark: import the England epraccur file into a fresh SQLite database.

Times `import_ods` (the function `flask directory import-ods` calls) on all 14,357 rows of
../shared/data/epraccur-england-2020.csv, every prescribing setting included, each run into a
new, migrated SQLite database, against merely parsing the same file with `csv.reader` in the
same process. The target is an import no slower than 5x the parse.

    .venv/bin/python bench/directory_import.py [--runs 5] [--file PATH]
"""

from __future__ import annotations

import argparse
import csv
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from engage import create_app  # noqa: E402
from engage.database import utcnow  # noqa: E402
from engage.directory.ods_import import import_ods  # noqa: E402
from engage.extensions import db  # noqa: E402

DEFAULT_FILE = ROOT.parent / "shared" / "data" / "epraccur-england-2020.csv"
TARGET_RATIO = 5.0


def parse_only(path: Path) -> int:
    """The baseline: read the file and let the csv module split every row."""
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.reader(handle))


def import_into_fresh_database(path: Path, workdir: Path, run: int) -> tuple[float, int]:
    """Migrate a new SQLite file (untimed); time reading, importing and committing the file."""
    url = f"sqlite:///{workdir / f'bench-{run}.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_STORAGE_URI": "memory://",
                      "LOG_LEVEL": "WARNING"})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        summary = import_ods(db.session, path.read_bytes(), now=utcnow(), include_other=True,
                             filename=path.name)
        db.session.commit()
        elapsed = time.perf_counter() - started
        db.session.remove()
        db.engine.dispose()
    return elapsed, summary.added


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the migrations' chatter, once per run
    if not args.file.is_file():
        print(f"The England epraccur file is not at {args.file}; pass --file.", file=sys.stderr)
        return 2

    parse_only(args.file)  # warm the page cache so both sides read from memory
    parse_times: list[float] = []
    import_times: list[float] = []
    parsed_rows = 0
    with tempfile.TemporaryDirectory(prefix="engage-bench-") as tmp:
        # Interleaved, so a busy moment on a shared machine hits both sides alike.
        for run in range(args.runs):
            started = time.perf_counter()
            parsed_rows = parse_only(args.file)
            parse_times.append(time.perf_counter() - started)
            elapsed, added = import_into_fresh_database(args.file, Path(tmp), run)
            if added != parsed_rows:
                print(f"Expected {parsed_rows} organisations, the import added {added}.",
                      file=sys.stderr)
                return 1
            import_times.append(elapsed)

    parse_best, parse_median = min(parse_times), statistics.median(parse_times)
    import_best, import_median = min(import_times), statistics.median(import_times)
    ratio_best, ratio_median = import_best / parse_best, import_median / parse_median
    met = ratio_best <= TARGET_RATIO
    print(f"file: {args.file} ({parsed_rows} rows), {args.runs} runs each, interleaved")
    for label, best, median in (("csv.reader parse", parse_best, parse_median),
                                ("import to SQLite", import_best, import_median)):
        print(f"{label} : best {best * 1000:7.1f} ms  median {median * 1000:7.1f} ms"
              f"  ({parsed_rows / best:,.0f} rows/s at best)")
    print(f"import / parse   : best {ratio_best:.2f}x  median {ratio_median:.2f}x"
          f"  (target: best <= {TARGET_RATIO:.0f}x, {'met' if met else 'NOT met'})")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
