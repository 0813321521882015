"""Demo step: the provider's referral figures for the pilot year, imported as a manager would.

The file is generated from fixed seeds, shaped like the pilot's published figures for June 2021
to June 2022 (the demo's window, the same as the launch campaign's):
- 283 manager referrals (Performance and Attendance Management) from 39 practices, rising to
  50 from 14 practices in June 2022; none from pharmacies; one row per referral with the
  provider's reference, reason where recorded (mental and behavioural 28, musculoskeletal 16,
  respiratory 9, then smaller others) and aggregated staff characteristics;
- 248 pre-placement screening requests (Pre-Employment Assessment), 5 in June 2021 rising to
  43 in June 2022, as counts per practice and month. The published 36 for July 2022 falls
  after the window and is left out;
- 79 calls to the managers' advice line (Medical Helpline), one area-wide row per month, as
  the helpline is not attributable to an organisation.

The provider's own service names ("Management Referral", "Pre-Placement Screening", "Manager
Helpline") are mapped once as a manager would, then the file goes through `check_file` and
`record_checked`, the same code as an upload, so the demo proves the importer.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from engage.csv_export import csv_text
from engage.demo.context import DemoContext
from engage.directory.models import Organisation, OrgKind, OrgStatus
from engage.timezone import LONDON
from engage.uptake.aliases import find_service, remember_alias
from engage.uptake.importer import check_file, earlier_batch, file_digest, record_checked

FILENAME = "provider-uptake-2021-06-to-2022-06.csv"
MONTHS = [date(2021 + (5 + m) // 12, (5 + m) % 12 + 1, 1) for m in range(13)]
MANAGER_REFERRALS = [5, 8, 10, 12, 14, 16, 18, 20, 24, 28, 36, 42, 50]  # 283
PRACTICES_REFERRING = [3, 4, 5, 6, 7, 8, 8, 9, 10, 11, 12, 13, 14]  # 3 new ones each month: 39
NEW_EACH_MONTH = 3
SCREENING = [5, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 30, 43]  # 248
HELPLINE = [2, 3, 4, 4, 5, 6, 6, 7, 7, 8, 8, 9, 10]  # 79
REASONS = [("Mental and behavioural", 28), ("Musculoskeletal", 16), ("Respiratory", 9),
           ("Cardiovascular", 5), ("Neurological", 4), ("Gastrointestinal", 3), ("Other", 2)]
STAFF_GROUPS = [("Admin and clerical", 40), ("Nursing", 20), ("Healthcare assistant", 15),
                ("GP", 10), ("Reception", 12), ("Other clinical", 3)]
AGE_BANDS = [("18-29", 20), ("30-39", 25), ("40-49", 27), ("50-59", 22), ("60+", 6)]
SEXES = [("Female", 82), ("Male", 18)]
ALIASES = (("Management Referral", "performance-and-attendance-management"),
           ("Pre-Placement Screening", "pre-employment-assessment"),
           ("Manager Helpline", "medical-helpline"))
HEADER = ["Referral Date", "Practice Code", "Practice Name", "Referral Type", "Referrals",
          "Reason", "Route", "Reference", "Staff Group", "Age Band", "Sex"]


def _weighted(rng: object, options: list[tuple[str, int]]) -> str:
    labels, weights = zip(*options, strict=True)
    return rng.choices(labels, weights=weights)[0]  # type: ignore[attr-defined, no-any-return]


def practices(ctx: DemoContext) -> list[Organisation]:
    return list(ctx.session.scalars(
        select(Organisation).where(Organisation.kind == OrgKind.GP_PRACTICE,
                                   Organisation.status == OrgStatus.ACTIVE)
        .order_by(Organisation.ods_code)))


def generate_file(ctx: DemoContext) -> bytes:
    """The provider's export as CSV bytes: the same bytes every time for the same directory."""
    everyone = practices(ctx)
    rng = ctx.random("uptake", "practices")
    referrers = rng.sample(everyone, NEW_EACH_MONTH * len(MONTHS))
    rows: list[list[object]] = []
    reasons = [label for label, n in REASONS for _ in range(n)]
    total = sum(MANAGER_REFERRALS)
    reason_of = reasons + [""] * (total - len(reasons))
    ctx.random("uptake", "reasons").shuffle(reason_of)
    number = 0
    for m, month in enumerate(MONTHS):
        mrng = ctx.random("uptake", "month", m)
        new = referrers[m * NEW_EACH_MONTH:(m + 1) * NEW_EACH_MONTH]
        earlier = referrers[:m * NEW_EACH_MONTH]
        chosen = new + mrng.sample(earlier, PRACTICES_REFERRING[m] - len(new))
        counts = [1] * len(chosen)
        for _ in range(MANAGER_REFERRALS[m] - len(chosen)):
            counts[mrng.randrange(len(chosen))] += 1
        for org, n in zip(chosen, counts, strict=True):
            for _ in range(n):
                day = month.replace(day=mrng.randint(1, 28))
                rows.append([day.strftime("%d/%m/%Y"), org.ods_code, org.name,
                             "Management Referral", 1, reason_of[number], "Manager referral",
                             f"OH-{day:%y%m}-{number + 1:04d}",
                             _weighted(mrng, STAFF_GROUPS), _weighted(mrng, AGE_BANDS),
                             _weighted(mrng, SEXES)])
                number += 1
        screening: dict[str, int] = {}
        for _ in range(SCREENING[m]):
            org = mrng.choice(everyone)
            screening[org.ods_code] = screening.get(org.ods_code, 0) + 1
        names = {org.ods_code: org.name for org in everyone}
        for code in sorted(screening):
            rows.append([month.strftime("%b-%y"), code, names[code], "Pre-Placement Screening",
                         screening[code], "", "Manager referral", "", "", "", ""])
        rows.append([month.strftime("%Y-%m"), "", "", "Manager Helpline", HELPLINE[m], "", "",
                     "", "", "", ""])
    return csv_text([HEADER, *rows]).encode("utf-8")


def referral_figures(ctx: DemoContext) -> str:
    """Map the provider's service names and import the year's figures through the importer."""
    if len(practices(ctx)) < NEW_EACH_MONTH * len(MONTHS):
        return "Referral figures: NOT LOADED. The demo needs the GP practices loaded first."
    data = generate_file(ctx)
    if earlier_batch(ctx.session, file_digest(data)) is not None:
        return f"Referral figures: {FILENAME} already imported."
    for alias, slug in ALIASES:
        remember_alias(ctx.session, alias, find_service(ctx.session, slug), by="demo")
    preview, checked = check_file(ctx.session, data, FILENAME,
                                  today=ctx.now.astimezone(LONDON).date())
    if not preview.ok:
        first = preview.problems[0] if preview.problems else {}
        return (f"Referral figures: NOT LOADED. {preview.problem_count} problems, first: "
                f"{first} {preview.duplicate_of}")
    outcome = record_checked(ctx.session, preview, checked, now=ctx.now, mode="replace")
    return (f"Referral figures: imported {FILENAME} as batch {outcome.batch.id} "
            f"({preview.rows} rows, {preview.total} referrals, requests and calls).")
