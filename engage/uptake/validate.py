"""Checking every row of the provider's file against the directory and the catalogue.

Every problem is reported at once, with its row, column, value, what is wrong and how to fix
it, so one round of corrections is enough. Nothing here writes.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from engage.catalogue.models import Service
from engage.columns import Matching
from engage.database import DbSession
from engage.directory.models import Organisation
from engage.timezone import month_start
from engage.uptake.aliases import ALIAS_LENGTH
from engage.uptake.columns import CHARACTERISTICS, map_columns, norm
from engage.uptake.dates import AUTO, MONTH, DateProblem, Slashed, parse_date, slashed_order
from engage.uptake.models import ServiceAlias
from engage.uptake.reader import Table

# Only the first problems are kept in full; all are counted.
MAX_PROBLEMS_KEPT = 500
# Unknown service names offered for mapping; the rest are counted as problems.
MAX_UNKNOWN_SERVICES = 50
VALUE_SHOWN = 100
TEXT_KEPT = 400  # what is wrong, how to fix it
# Raw values longer than this are not remembered between rows (each would be kept in memory).
CACHED_LENGTH = 120
MAX_SUGGESTION_LOOKUPS = 200
PROGRESS_EVERY = 5000
_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+$")
_LENGTHS = {"reason": 80, "route": 40, "reference": 80, "staff_group": 60, "age_band": 30,
            "sex": 30, "ethnicity": 60, "disability": 30}
ROUTES = {"manager referral": "Manager referral", "manager": "Manager referral",
          "management referral": "Manager referral", "self referral": "Self-referral",
          "self": "Self-referral", "selfreferral": "Self-referral"}

# Positions in a checked row tuple.
R_NUMBER, R_DATE, R_PRECISION, R_ORG, R_SERVICE, R_COUNT, R_REASON, R_ROUTE, R_REFERENCE = range(9)
R_CHARACTERISTICS = 9  # then one position per CHARACTERISTICS


@dataclass
class Problem:
    row: int
    column: str
    value: str
    what: str
    fix: str


@dataclass
class Catalogue:
    """Names, slugs and remembered aliases of services, and which count per organisation."""

    by_name: dict[str, int]
    names: dict[int, str]
    attributable: set[int]

    @classmethod
    def load(cls, session: DbSession) -> Catalogue:
        by_name: dict[str, int] = {}
        names: dict[int, str] = {}
        attributable: set[int] = set()
        for service in session.scalars(select(Service)):
            names[service.id] = service.name
            by_name[norm(service.name)] = service.id
            by_name.setdefault(norm(service.slug), service.id)
            if service.attributable_to_organisation:
                attributable.add(service.id)
        for alias, service_id in session.execute(select(ServiceAlias.alias,
                                                        ServiceAlias.service_id)):
            by_name.setdefault(alias, service_id)
        return cls(by_name, names, attributable)


@dataclass
class Directory:
    """ODS code → organisation id, with names, for lookups and closest matches."""

    ids: dict[str, int]
    names: dict[str, str]

    @classmethod
    def load(cls, session: DbSession) -> Directory:
        ids: dict[str, int] = {}
        names: dict[str, str] = {}
        for org_id, code, name in session.execute(
            select(Organisation.id, Organisation.ods_code, Organisation.name)
        ):
            ids[code.upper()] = org_id
            names[code.upper()] = name
        return cls(ids, names)

    def closest(self, code: str, name: str = "") -> list[str]:
        """Up to three codes in the directory like the code given, or whose name is like `name`."""
        found = difflib.get_close_matches(code, list(self.ids), n=3, cutoff=0.6)
        if name:
            by_name = {norm(n): c for c, n in self.names.items()}
            for match in difflib.get_close_matches(norm(name), list(by_name), n=3, cutoff=0.6):
                if by_name[match] not in found:
                    found.append(by_name[match])
        return [f"{c} ({self.names[c]})" for c in found[:4]]


@dataclass
class Checked:
    """The outcome of checking a file: the rows understood, and every problem."""

    rows: list[tuple[Any, ...]]
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    rows_with_problems: int = 0
    unknown_services: dict[str, int] = field(default_factory=dict)  # as first spelt → rows
    ignored_columns: list[str] = field(default_factory=list)
    date_order_note: str = ""
    has_count: bool = True

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def add(self, problem: Problem, *, first: bool = False) -> None:
        """Count a problem; keep it if there is room, or first (a problem of the whole file)."""
        self.problem_count += 1
        if first:
            self.problems.insert(0, problem)
            del self.problems[MAX_PROBLEMS_KEPT:]
        elif len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(problem)

    def problem_dicts(self) -> list[dict[str, Any]]:
        return [asdict(p) for p in self.problems]


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _cacheable(value: Any) -> bool:
    return not isinstance(value, str) or len(value) <= CACHED_LENGTH


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_count(value: Any) -> int:
    """A whole number of referrals, 0 or more; ValueError with what is wrong otherwise."""
    if isinstance(value, bool):
        raise ValueError("is not a number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValueError("is not a whole number")
        number = int(value)
    else:
        text = _text(value)
        if not text:
            raise ValueError("is empty")
        if _THOUSANDS.match(text):
            text = text.replace(",", "")
        try:
            number = int(text)
        except ValueError:
            try:
                as_float = float(text)
            except ValueError:
                raise ValueError("is not a number") from None
            if not as_float.is_integer():
                raise ValueError("is not a whole number") from None
            number = int(as_float)
    if number < 0:
        raise ValueError("is negative")
    return number


def check_table(
    session: DbSession,
    table: Table,
    *,
    today: date,
    date_order: str = AUTO,
    progress: Callable[[int], None] | None = None,
    matching: Matching | None = None,
) -> Checked:
    """Check every row of `table`; the rows come back as tuples (see the R_* positions).

    A field the matching gives one value is read as a column of its own, added to each row.
    """
    columns = map_columns(table.headers, matching)
    width, given = len(table.headers), list((matching or Matching()).values.items())
    headers = [*table.headers, *(f"{name} (given)" for name, _ in given)]
    columns.index.update((name, width + n) for n, (name, _) in enumerate(given))
    rows = table.rows
    if given:
        values = [value for _, value in given]
        rows = ((number, [*row[:width], *[None] * (width - len(row)), *values])
                for number, row in table.rows)
    catalogue = Catalogue.load(session)
    directory = Directory.load(session)
    checked = Checked(rows=[], ignored_columns=columns.ignored, has_count=columns.has("count"))
    rows_with_problems: set[int] = set()
    slashed: list[Slashed] = []
    suggestions: dict[tuple[str, str], list[str]] = {}
    idx = columns.index
    heading = {name: headers[i] for name, i in idx.items()}

    def problem(number: int, name: str, value: Any, what: str, fix: str, *,
                first: bool = False) -> None:
        rows_with_problems.add(number)
        checked.add(Problem(number, _short(heading.get(name, name), VALUE_SHOWN),
                            _short(_text(value), VALUE_SHOWN), _short(what, TEXT_KEPT),
                            _short(fix, TEXT_KEPT)), first=first)

    def cell(row: list[Any], name: str) -> Any:
        position = idx.get(name)
        if position is None or position >= len(row):
            return None
        return row[position]

    # Values repeat (a few hundred dates, eight services, a handful of reasons): each distinct
    # raw value is read once and remembered, which keeps 200,000 rows to a few seconds.
    extra_names = ("reason", "route", "reference", *CHARACTERISTICS)
    extra_positions = [(name, idx.get(name)) for name in extra_names]
    extra_cache: dict[str, dict[Any, str | None]] = {name: {} for name in extra_names}
    too_long = object()

    def optional(row: list[Any], name: str, position: int | None, number: int) -> str | None:
        raw = row[position] if position is not None and position < len(row) else None
        cache = extra_cache[name]
        found = cache.get(raw, too_long) if name != "reference" else too_long
        if found is not too_long:
            return found  # type: ignore[return-value]
        text = _text(raw)
        if len(text) > _LENGTHS[name]:
            problem(number, name, text, f"is longer than {_LENGTHS[name]} characters",
                    "Shorten it.")
            return None
        value: str | None = None
        if text:
            value = ROUTES.get(norm(text), text) if name == "route" else text
        if name != "reference" and _cacheable(raw):
            cache[raw] = value
        return value

    # The first spelling of each unknown service name, as the manager will recognise it.
    unknown_spelling: dict[str, str] = {}
    date_cache: dict[Any, tuple[Any, str] | DateProblem] = {}
    service_cache: dict[str, int | None] = {}
    count_cache: dict[tuple[type, Any], int | ValueError] = {}

    done = 0
    first_slashed = 0  # the row to point at when the order of slashed days cannot be settled
    for number, row in rows:
        done += 1
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done)
        bad = False
        raw_date = cell(row, "date")
        when: date | Slashed | None = None
        precision = ""
        parsed = date_cache.get(raw_date)
        if parsed is None:
            try:
                parsed = parse_date(raw_date)
            except DateProblem as exc:
                parsed = exc
            if _cacheable(raw_date):
                date_cache[raw_date] = parsed
        if isinstance(parsed, DateProblem):
            message = str(parsed)
            problem(number, "date", raw_date, message.split(". ")[0], message.split(". ", 1)[-1])
            bad = True
        else:
            when, precision = parsed
        if isinstance(when, Slashed):
            slashed.append(when)
            first_slashed = first_slashed or number

        raw_service = _text(cell(row, "service"))
        if raw_service in service_cache:
            service_id = service_cache[raw_service]
        else:
            service_id = catalogue.by_name.get(norm(raw_service))
            if _cacheable(raw_service):
                service_cache[raw_service] = service_id
        if service_id is None:
            bad = True
            if not raw_service:
                problem(number, "service", raw_service, "the service is empty",
                        "Enter the service's name as in the catalogue.")
            elif len(norm(raw_service)) > ALIAS_LENGTH:
                problem(number, "service", raw_service,
                        f"is longer than {ALIAS_LENGTH} characters, so it is not a service name",
                        "Enter the service's name as in the catalogue.")
            elif (norm(raw_service) not in unknown_spelling
                  and len(checked.unknown_services) >= MAX_UNKNOWN_SERVICES):
                problem(number, "service", raw_service, "is not a service in the catalogue",
                        f"The file has more than {MAX_UNKNOWN_SERVICES} service names engage "
                        "does not know: check the service column holds service names, and "
                        "map the first ones listed.")
            else:
                key = unknown_spelling.setdefault(norm(raw_service), raw_service)
                if key not in checked.unknown_services:
                    close = difflib.get_close_matches(key, list(catalogue.by_name), n=1,
                                                      cutoff=0.6)
                    hint = (f" (closest: {catalogue.names[catalogue.by_name[close[0]]]})"
                            if close else "")
                    checked.unknown_services[key] = 0
                    problem(number, "service", raw_service,
                            "is not a service in the catalogue",
                            f"Map '{raw_service}' to a catalogue service{hint}; engage remembers "
                            "the mapping for later files.")
                else:
                    rows_with_problems.add(number)
                    checked.problem_count += 1
                checked.unknown_services[key] += 1

        raw_code = _text(cell(row, "organisation_code")).upper()
        org_id: int | None = None
        if raw_code:
            org_id = directory.ids.get(raw_code)
            if org_id is None:
                bad = True
                name = _text(row[columns.org_name_index]) if (
                    columns.org_name_index is not None and columns.org_name_index < len(row)
                ) else ""
                lookup = (raw_code, name)
                if lookup not in suggestions and len(suggestions) < MAX_SUGGESTION_LOOKUPS:
                    suggestions[lookup] = directory.closest(raw_code, name)
                close = suggestions.get(lookup, [])
                problem(number, "organisation_code", raw_code,
                        "is not an ODS code in the directory",
                        (f"Did you mean {' or '.join(close)}? " if close else "")
                        + "Correct the code, or add the organisation to the directory first.")
        elif service_id is not None and service_id in catalogue.attributable:
            bad = True
            problem(number, "organisation_code", "", "the organisation code is empty",
                    f"{catalogue.names[service_id]} is counted per organisation: enter the "
                    "practice's or pharmacy's ODS code. Only services marked as not attributable "
                    "to an organisation (such as a helpline) may have area-wide rows.")

        count = 1
        if columns.has("count"):
            raw_count = cell(row, "count")
            count_key = (type(raw_count), raw_count)  # True == 1, but is not a count
            counted = count_cache.get(count_key)
            if counted is None:
                try:
                    counted = parse_count(raw_count)
                except ValueError as exc:
                    counted = exc
                if _cacheable(raw_count):
                    count_cache[count_key] = counted
            if isinstance(counted, ValueError):
                bad = True
                problem(number, "count", raw_count, f"the count {counted}",
                        "Enter a whole number of referrals, 0 or more.")
            else:
                count = counted

        extras = [optional(row, name, position, number) for name, position in extra_positions]
        if bad or number in rows_with_problems:
            continue
        checked.rows.append((number, when, precision, org_id, service_id, count, *extras))

    if progress is not None:
        progress(done)
    _settle_dates(checked, slashed, date_order, problem, rows_with_problems, first_slashed)
    _check_future_and_duplicates(checked, today, problem)
    checked.rows_with_problems = len(rows_with_problems)
    checked.rows = [r for r in checked.rows if r[R_NUMBER] not in rows_with_problems]
    return checked


def _settle_dates(checked: Checked, slashed: list[Slashed], chosen: str,
                  problem: Callable[..., None], rows_with_problems: set[int],
                  first_row: int) -> None:
    """Read every slashed day in one order, or report why the order cannot be told.

    The first slashed day may be on a row refused for another reason (an unknown service),
    so the problem points at the first row that has one, kept or not.
    """
    if not slashed:
        return
    order, note = slashed_order(slashed, chosen)
    checked.date_order_note = note
    if order is None:
        problem(first_row, "date", "", "the file's dates are ambiguous", note, first=True)
        rows_with_problems.update(r[R_NUMBER] for r in checked.rows
                                  if isinstance(r[R_DATE], Slashed))
        checked.rows = [r for r in checked.rows if not isinstance(r[R_DATE], Slashed)]
        return
    settled = []
    for row in checked.rows:
        if isinstance(row[R_DATE], Slashed):
            try:
                row = (row[0], row[R_DATE].resolve(order), *row[2:])
            except DateProblem as exc:
                problem(row[R_NUMBER], "date", "", str(exc), "Correct the date.")
        settled.append(row)
    checked.rows = settled


def _check_future_and_duplicates(checked: Checked, today: date,
                                 problem: Callable[..., None]) -> None:
    this_month = month_start(today)
    seen: dict[tuple[Any, ...], int] = {}
    references: dict[str, int] = {}
    for row in checked.rows:
        number, when, precision = row[R_NUMBER], row[R_DATE], row[R_PRECISION]
        if not isinstance(when, date):
            continue
        if (precision == MONTH and when > this_month) or (precision != MONTH and when > today):
            problem(number, "date", when.isoformat(), "is in the future",
                    "Check the date; figures can only be for days that have passed.")
        elif when.year < 2000:
            problem(number, "date", when.isoformat(), "is before 2000",
                    "Check the date (a two-digit year is read as 20xx).")
        reference = row[R_REFERENCE]
        if reference:
            if reference in references:
                problem(number, "reference", reference,
                        f"repeats the reference of row {references[reference]}",
                        "Each referral appears once: remove the repeated row or correct its "
                        "reference.")
            else:
                references[reference] = number
        elif checked.has_count:
            key = (when, precision, row[R_ORG], row[R_SERVICE], *row[R_REASON:R_REFERENCE],
                   *row[R_CHARACTERISTICS:])
            if key in seen:
                problem(number, "date", when.isoformat(),
                        f"repeats row {seen[key]} (same date, organisation, service and details)",
                        "Combine the two rows into one with the total count, or remove one.")
            else:
                seen[key] = number


def count_by(rows: list[tuple[Any, ...]], position: int) -> Counter[Any]:
    totals: Counter[Any] = Counter()
    for row in rows:
        totals[row[position]] += row[R_COUNT]
    return totals

