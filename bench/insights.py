"""Benchmark: the insight pages and the outreach-and-uptake model at England scale.

Builds the data set of bench/insights_data.py (about 17,500 organisations, 1,000,000
engagement records, 500,000 referral rows, 200,000 scans over three years) in a fresh SQLite
file and, when a PostgreSQL server is reachable, in a fresh PostgreSQL database; then, in a
separate process per database (so the peak memory is the pages', not the generator's), times
through the Flask test client signed in as the steering group:

- the coverage page and the steering-group report for the last twelve months of the data;
- the outreach-and-uptake page over all three years;
- the model alone (panel built from SQL, then the fixed-effects Poisson fit), over three years;
- the baseline: the same aggregates computed directly in SQL (reach by locality for coverage;
  the two GROUP BYs behind the panel).

It prints the median of `--repeat` runs of each, the peak memory (ru_maxrss) of the measuring
process, and whether the targets are met (coverage under 1 s, report under 2 s, model under
10 s on SQLite; memory under 1 GB).

    .venv/bin/python bench/insights.py [--repeat 5] [--pg postgresql://postgres@127.0.0.1:5432/test]
                                       [--no-pg] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from flask import Flask  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from engage import create_app  # noqa: E402
from engage.extensions import db  # noqa: E402

PASSWORD = "bench password that is long enough"  # noqa: S105 - a throwaway local database
YEAR = {"start": "2024-06-01", "end": "2025-05-31"}
ALL = {"start": "2022-06-01", "end": "2025-05-31"}
TARGETS_MS = {"coverage page": 1000.0, "report page": 2000.0, "model (panel + fit)": 10000.0}
MEMORY_MB = 1024.0


def make_app(url: str) -> Flask:
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_STORAGE_URI": "memory://",
                       "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
                       "LOG_LEVEL": "WARNING"})


def build(url: str) -> None:
    """Migrate and fill the database (in its own process)."""
    from flask_migrate import upgrade  # noqa: PLC0415
    from insights_data import generate  # noqa: PLC0415

    from engage.auth.accounts import create_user  # noqa: PLC0415
    from engage.auth.models import Role  # noqa: PLC0415

    app = make_app(url)
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        print(f"Building {make_url(url).get_backend_name()} data:", flush=True)
        generate(db.session)
        create_user(db.session, "steering@example.org", PASSWORD, Role.STEERING, name="Bench")
        db.session.commit()
        print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)


def median_ms(run: Callable[[], Any], repeat: int, label: str = "") -> float:
    if repeat > 1:
        run()  # warm: statement caches, the database's page cache
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    if label:
        print(f"  {label}: {', '.join(f'{t:.0f}' for t in times)} ms", file=sys.stderr, flush=True)
    return statistics.median(times)


def measure(url: str, repeat: int) -> dict[str, Any]:
    """Time every page and baseline; returns the figures (run in its own process)."""
    from engage.campaigns.models import Engagement, live_engagement  # noqa: PLC0415
    from engage.directory.models import Organisation, OrgStatus  # noqa: PLC0415
    from engage.insights.filters import InsightFilters  # noqa: PLC0415
    from engage.insights.panel import build_panel  # noqa: PLC0415
    from engage.insights.regression import regression  # noqa: PLC0415
    from engage.insights.scope import resolve  # noqa: PLC0415
    from engage.uptake.importer import active_referrals  # noqa: PLC0415
    from engage.uptake.models import Referral  # noqa: PLC0415

    app = make_app(url)
    results: dict[str, Any] = {}
    with app.app_context():
        client = app.test_client()
        answer = client.post("/login", data={"email": "steering@example.org",
                                             "password": PASSWORD})
        assert answer.status_code == 302, answer.status_code
        endpoints = set(app.view_functions)
        counts = {
            "organisations": db.session.scalar(select(func.count()).select_from(Organisation)),
            "engagement": db.session.scalar(select(func.count()).select_from(Engagement)),
            "referrals": db.session.scalar(select(func.count()).select_from(Referral)),
        }
        db.session.remove()
        results["counts"] = counts

        def page(path: str, args: dict[str, str]) -> Callable[[], None]:
            def run() -> None:
                response = client.get(path, query_string=args)
                assert response.status_code == 200, (path, response.status_code)
            return run

        three_years = InsightFilters(date(2022, 6, 1), date(2025, 5, 31))
        last_year = InsightFilters(date(2024, 6, 1), date(2025, 5, 31))

        def model(filters: InsightFilters) -> Callable[[], None]:
            def run() -> None:
                scope = resolve(db.session, filters)
                regression(build_panel(db.session, scope))
                db.session.remove()
            return run

        results["model (panel + fit)"] = median_ms(model(three_years), repeat,
                                                   "model (panel + fit), 3 years")
        results["model, 12 months (as in the report)"] = median_ms(
            model(last_year), repeat, "model, 12 months")
        panel = build_panel(db.session, resolve(db.session, three_years))
        results["model fit alone"] = median_ms(lambda: regression(panel), repeat, "fit alone")
        results["panel cells"] = int(panel.referrals.size)

        pages = [("coverage page", "insights.coverage_page", "/insights/coverage", YEAR),
                 ("report page", "insights.report", "/insights/report", YEAR),
                 ("outreach page (12 months)", "insights.outreach", "/insights/outreach", YEAR)]
        for label, endpoint, path, args in pages:
            if endpoint in endpoints:
                results[label] = median_ms(page(path, args), repeat, label)
            else:
                results[label] = None
                print(f"  {label}: {path} is not in the app yet; not timed", flush=True)

        dialect = db.engine.dialect.name
        start_day, end_day = datetime(2024, 6, 1, tzinfo=UTC), datetime(2025, 6, 1, tzinfo=UTC)
        utc_month = ("to_char(timezone('Europe/London', occurred_at), 'YYYY-MM')"
                     if dialect == "postgresql" else "strftime('%Y-%m', occurred_at)")
        ref_month = ("to_char(referred_on, 'YYYY-MM')" if dialect == "postgresql"
                     else "strftime('%Y-%m', referred_on)")

        def coverage_sql() -> None:
            reached = (select(Organisation.locality_id,
                              func.count(func.distinct(Engagement.organisation_id)))
                       .join(Organisation, Organisation.id == Engagement.organisation_id)
                       .where(live_engagement(), Organisation.status == OrgStatus.ACTIVE,
                              Engagement.occurred_at >= start_day,
                              Engagement.occurred_at < end_day)
                       .group_by(Organisation.locality_id))
            targets = (select(Organisation.locality_id, func.count())
                       .where(Organisation.status == OrgStatus.ACTIVE)
                       .group_by(Organisation.locality_id))
            db.session.execute(reached).all()
            db.session.execute(targets).all()
            db.session.remove()

        def panel_sql() -> None:
            db.session.execute(text(
                f"SELECT organisation_id, channel, {utc_month}, count(*) FROM engagement "  # noqa: S608 - fixed text
                "WHERE counted AND voided_at IS NULL AND occurred_at >= :a AND occurred_at < :b "
                f"GROUP BY organisation_id, channel, {utc_month}"),
                {"a": "2022-03-01", "b": "2025-06-01"}).all()
            db.session.execute(
                select(Referral.organisation_id, text(ref_month), func.sum(Referral.count))
                .where(active_referrals(), Referral.referred_on >= date(2022, 6, 1),
                       Referral.referred_on < date(2025, 6, 1))
                .group_by(Referral.organisation_id, text(ref_month))).all()
            db.session.remove()

        results["baseline: coverage aggregates in SQL"] = median_ms(coverage_sql, repeat,
                                                                    "coverage SQL")
        results["baseline: panel aggregates in SQL"] = median_ms(panel_sql, repeat, "panel SQL")
    results["peak memory MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return results


def pg_database(admin: str) -> tuple[str, Callable[[], None]] | None:
    """A new database on the server at `admin`, and how to drop it; None if unreachable."""
    admin_url = make_url(admin)
    name = f"engage_bench_{secrets.token_hex(4)}"
    try:
        engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - report and carry on with SQLite
        print(f"PostgreSQL at {admin} is not reachable ({exc.__class__.__name__}); skipping it.")
        return None

    def drop() -> None:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

    return admin_url.set(database=name).render_as_string(hide_password=False), drop


def run_child(*args: str) -> str:
    done = subprocess.run([sys.executable, __file__, *args], check=True, text=True,  # noqa: S603
                          stdout=subprocess.PIPE)
    return done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pg", default=os.environ.get("ENGAGE_TEST_DATABASE_URL",
                                                       "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--keep", type=Path, help="Build the SQLite file in this directory.")
    parser.add_argument("--build", help=argparse.SUPPRESS)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.disable(logging.INFO)
    if args.build:
        build(args.build)
        return 0
    if args.measure:
        print("RESULTS " + json.dumps(measure(args.measure, args.repeat)))
        return 0

    columns: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="engage-bench-insights-") as tmp:
        folder = args.keep or Path(tmp)
        databases: list[tuple[str, str, Callable[[], None] | None]] = [
            ("SQLite", f"sqlite:///{folder / 'insights.db'}", None)]
        if not args.no_pg:
            made = pg_database(args.pg)
            if made:
                databases.append(("PostgreSQL", made[0], made[1]))
        try:
            for label, url, _ in databases:
                if not (label == "SQLite" and args.keep and (folder / "insights.db").exists()):
                    sys.stdout.write(run_child("--build", url))
                out = run_child("--measure", url, "--repeat", str(args.repeat))
                for line in out.splitlines():
                    if line.startswith("RESULTS "):
                        columns[label] = json.loads(line[8:])
                    else:
                        print(line)
        finally:
            for _, _, drop in databases:
                if drop:
                    drop()
    first = next(iter(columns.values()))
    counts = first["counts"]
    print(f"\n{counts['organisations']:,} organisations, {counts['engagement']:,} engagement "
          f"records, {counts['referrals']:,} referral rows; median of {args.repeat} runs")
    print(f"{'':42}" + "".join(f"{name:>14}" for name in columns))
    for key in first:
        if key in ("counts", "panel cells"):
            continue
        cells = []
        for figures in columns.values():
            value = figures.get(key)
            unit = "MB" if key.endswith("MB") else "ms"
            cells.append(f"{'n/a':>14}" if value is None else f"{value:>12.0f}{unit}")
        print(f"{key:42}" + "".join(cells))
    sqlite = columns["SQLite"]
    missed = [key for key, limit in TARGETS_MS.items()
              if sqlite.get(key) is not None and sqlite[key] > limit]
    missed += [f"memory on {name}" for name, figures in columns.items()
               if figures["peak memory MB"] > MEMORY_MB]
    print("targets (SQLite medians: coverage < 1 s, report < 2 s, model < 10 s; memory < 1 GB): "
          + ("met" if not missed else "NOT met by " + ", ".join(missed)))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
