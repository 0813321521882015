"""Benchmark: check and import a 200,000-row referral file into a fresh SQLite database.

The England epraccur file (../shared/data/epraccur-england-2020.csv, 14,357 organisations) is
imported into a new, migrated SQLite database with the seeded catalogue (untimed). A file of
200,000 rows is generated from fixed seeds against those ODS codes: a mix of day and month
dates, the eight services (helpline rows area-wide), counts, reasons, routes, references on a
quarter of the rows and staff characteristics. Then, timed:

- baseline: decoding the same bytes and splitting every row with `csv.reader`;
- check: `check_file` (reading, every row checked against the directory and catalogue, the
  comparison with recorded figures), what the preview does;
- import: `record_checked` and the commit, what confirming does.

Peak memory is the process's maximum resident set size (`resource.getrusage`), measured after
the setup and after the run; the target is check + import under 30 s with the process under
500 MB.

    .venv/bin/python bench/uptake_import.py [--rows 200000] [--file PATH]

Then (issue 20: the matching step adds at most 10%) the check of the same rows is timed with
the provider's headings engage recognises and with renamed headings matched by a saved
matching (looked up, checked against the file and applied), interleaved, --matching-runs each.
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select  # noqa: E402

from engage import create_app  # noqa: E402
from engage.catalogue.models import Service  # noqa: E402
from engage.catalogue.seed import seed_catalogue  # noqa: E402
from engage.columns import Matching  # noqa: E402
from engage.directory.files import decode_csv_bytes  # noqa: E402
from engage.directory.models import Organisation  # noqa: E402
from engage.directory.ods_import import import_ods  # noqa: E402
from engage.extensions import db  # noqa: E402
from engage.matchings import chosen, save_matching  # noqa: E402
from engage.uptake.importer import check_file, record_checked  # noqa: E402
from engage.uptake.reader import read_table  # noqa: E402

DEFAULT_FILE = ROOT.parent / "shared" / "data" / "epraccur-england-2020.csv"
NOW = datetime(2023, 1, 15, 12, 0, tzinfo=UTC)
TARGET_SECONDS = 30.0
TARGET_MB = 500.0
REASONS = ["Mental and behavioural", "Musculoskeletal", "Respiratory", "Cardiovascular", ""]
GROUPS = ["Admin and clerical", "Nursing", "GP", "Reception", ""]


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def generate(codes: list[str], services: list[tuple[str, bool]], rows: int) -> bytes:
    """A provider-like export: one header, `rows` rows, unique where the checks require it."""
    rng = random.Random("engage-bench-uptake")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Referral Date", "ODS Code", "Service", "Count", "Reason", "Route",
                     "Reference", "Staff Group", "Age Band", "Sex"])
    start = date(2020, 1, 1)
    seen: set[tuple[object, ...]] = set()
    written = 0
    while written < rows:
        day = start + timedelta(days=rng.randrange(1000))
        service, attributable = rng.choice(services)
        code = rng.choice(codes) if attributable else ""
        reference = f"R{written:07d}" if rng.random() < 0.25 else ""
        reason, group = rng.choice(REASONS), rng.choice(GROUPS)
        when = day.isoformat() if rng.random() < 0.7 else day.strftime("%Y-%m")
        route = rng.choice(["Manager referral", "Self-referral", ""])
        key = (when, code, service, reason, route, group)
        if not reference and key in seen:
            continue
        seen.add(key)
        writer.writerow([when, code, service, rng.randint(0, 5), reason,
                         route, reference,
                         group, "", ""])
        written += 1
    return out.getvalue().encode("utf-8")


def baseline(data: bytes) -> tuple[float, int]:
    started = time.perf_counter()
    text = decode_csv_bytes(data, "file")
    count = sum(1 for _ in csv.reader(io.StringIO(text, newline="")))
    return time.perf_counter() - started, count - 1


HEADER = ("Referral Date,ODS Code,Service,Count,Reason,Route,Reference,Staff Group,Age Band,"
          "Sex")
RENAMED = ("When referred,Practice,Offer,How many,Why,How,Case,Staff Group,Age Band,Sex")
SAVED = Matching({"date": "When referred", "organisation_code": "Practice", "service": "Offer",
                  "count": "How many", "reason": "Why", "route": "How", "reference": "Case"})
MATCHING_TARGET = 1.10


def matching_cost(data: bytes, runs: int) -> tuple[list[float], list[float]]:
    """Seconds to check the file with recognised headings, and renamed with a saved matching."""
    renamed = data.replace(HEADER.encode(), RENAMED.encode(), 1)
    assert renamed != data
    save_matching(db.session, "uptake", "Provider", RENAMED.split(","), SAVED, by="", now=NOW)
    db.session.commit()
    plain_times: list[float] = []
    matched_times: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        preview, _checked = check_file(db.session, data, "bench.csv", today=NOW.date())
        plain_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        matching = chosen(db.session, "uptake", "Provider", Matching(),
                          read_table(renamed, "bench.csv").headers)
        matched, _checked = check_file(db.session, renamed, "bench.csv", today=NOW.date(),
                                       matching=matching)
        matched_times.append(time.perf_counter() - started)
        assert (matched.rows, matched.total) == (preview.rows, preview.total)
    return plain_times, matched_times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--matching-runs", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.INFO)
    if not args.file.is_file():
        print(f"The England epraccur file is not at {args.file}; pass --file.", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="engage-bench-") as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
                          "RATELIMIT_STORAGE_URI": "memory://", "LOG_LEVEL": "WARNING"})
        with app.app_context():
            upgrade()
            import_ods(db.session, args.file.read_bytes(), now=NOW, include_other=True,
                       filename=args.file.name)
            seed_catalogue(db.session)
            db.session.commit()
            codes = list(db.session.scalars(select(Organisation.ods_code)))
            services = [(name, attributable) for name, attributable in db.session.execute(
                select(Service.name, Service.attributable_to_organisation))]
            data = generate(codes, services, args.rows)
            rss_setup = max_rss_mb()

            base_seconds, base_rows = baseline(data)
            started = time.perf_counter()
            preview, checked = check_file(db.session, data, "bench.csv", today=NOW.date())
            check_seconds = time.perf_counter() - started
            if not preview.ok:
                print(f"The generated file has {preview.problem_count} problems, e.g. "
                      f"{preview.problems[:3]}", file=sys.stderr)
                return 1
            started = time.perf_counter()
            record_checked(db.session, preview, checked, now=NOW)
            db.session.commit()
            import_seconds = time.perf_counter() - started
            rss_peak = max_rss_mb()
            plain_times, matched_times = matching_cost(data, args.matching_runs)
            db.session.remove()
            db.engine.dispose()

    total = check_seconds + import_seconds
    print(f"File: {base_rows:,} rows, {len(data) / 1e6:.1f} MB, against {len(codes):,} "
          "organisations")
    print(f"Baseline (decode + csv.reader): {base_seconds:6.2f} s  "
          f"{base_rows / base_seconds:>10,.0f} rows/s")
    print(f"Check (preview):                {check_seconds:6.2f} s  "
          f"{preview.rows / check_seconds:>10,.0f} rows/s  ({check_seconds / base_seconds:.1f}x "
          "baseline)")
    print(f"Import (confirm + commit):      {import_seconds:6.2f} s  "
          f"{preview.rows / import_seconds:>10,.0f} rows/s")
    print(f"Check + import:                 {total:6.2f} s  {preview.rows / total:>10,.0f} "
          f"rows/s  (target under {TARGET_SECONDS:.0f} s)")
    print(f"Peak memory (max RSS): {rss_peak:.0f} MB; after setup {rss_setup:.0f} MB "
          f"(target under {TARGET_MB:.0f} MB)")
    plain, matched = min(plain_times), min(matched_times)
    print(f"Check, recognised headings:     {plain:6.2f} s best of {len(plain_times)}")
    print(f"Check, saved matching:          {matched:6.2f} s best of {len(matched_times)}  "
          f"({matched / plain:.3f}x; target at most {MATCHING_TARGET:.2f}x)")
    ok = total < TARGET_SECONDS and rss_peak < TARGET_MB and matched / plain <= MATCHING_TARGET
    print("Within target." if ok else "OUTSIDE TARGET.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
