"""Recording a checked file: all or nothing, duplicates, references, replacing months, rollback."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engage.extensions import db
from engage.uptake.aliases import find_service, remember_alias
from engage.uptake.errors import UptakeRejected
from engage.uptake.importer import ADD, REPLACE, check_file, confirm_import, rollback_batch
from engage.uptake.models import Referral, UptakeBatch
from engage.uptake.summary import monthly_rows, overview
from tests.uptake.support import HEADER, NOW, PAM, TODAY, csv_bytes, setup_directory

PPS = "Pre-Employment Assessment"


@pytest.fixture()
def directory(app):
    return setup_directory()


def recorded() -> int:
    return db.session.scalar(select(func.coalesce(func.sum(Referral.count), 0)).where(
        Referral.superseded_by_batch_id.is_(None))) or 0


def june(*counts: int, reference: bool = False) -> bytes:
    rows: list[list[object]] = [HEADER + (["reference"] if reference else [])]
    for n, count in enumerate(counts, start=1):
        rows.append(["2022-06-14", f"A8100{n}", PAM, count] + ([f"R{n}"] if reference else []))
    return csv_bytes(rows)


def test_confirm_records_every_row_and_the_batch(directory):
    outcome = confirm_import(db.session, june(2, 3), "june.csv", now=NOW)
    db.session.commit()
    batch = outcome.batch
    assert (batch.filename, batch.rows, batch.total, len(batch.sha256)) == ("june.csv", 2, 5, 64)
    assert batch.imported_at == NOW and recorded() == 5
    assert batch.details["totals"][0]["total"] == 5


def test_a_file_with_errors_records_nothing(directory):
    data = csv_bytes([HEADER, ["2022-06-14", "A81001", PAM, 2], ["2022-06-14", "XXXX", PAM, 1]])
    with pytest.raises(UptakeRejected) as caught:
        confirm_import(db.session, data, "bad.csv", now=NOW)
    assert "1 problem in 1 row" in caught.value.message
    db.session.rollback()
    assert recorded() == 0 and not db.session.scalar(select(func.count(UptakeBatch.id)))


def test_uploading_the_same_file_again_is_refused(directory):
    confirm_import(db.session, june(2), "june.csv", now=NOW)
    db.session.commit()
    preview, _ = check_file(db.session, june(2), "june-copy.csv", today=TODAY)
    assert "already imported" in preview.duplicate_of
    with pytest.raises(UptakeRejected) as caught:
        confirm_import(db.session, june(2), "june-copy.csv", now=NOW)
    assert caught.value.status == 409


def test_rows_with_a_reference_replace_the_earlier_version(directory):
    confirm_import(db.session, june(2, 3, reference=True), "v1.csv", now=NOW)
    corrected = csv_bytes([HEADER + ["reference"], ["2022-06-20", "A81001", PAM, 1, "R1"]])
    preview, _ = check_file(db.session, corrected, "v2.csv", today=TODAY)
    assert preview.by_reference == 1 and preview.overlap == 1
    outcome = confirm_import(db.session, corrected, "v2.csv", now=NOW, mode=ADD)
    assert outcome.replaced == 1 and recorded() == 4  # 3 kept, 2 replaced by 1


def test_overlap_without_references_needs_an_explicit_choice(directory):
    confirm_import(db.session, june(2, 3), "v1.csv", now=NOW)
    reissued = june(4, 4, 4)
    with pytest.raises(UptakeRejected) as caught:
        confirm_import(db.session, reissued, "v2.csv", now=NOW)
    assert caught.value.status == 409 and "replaces the earlier figures" in caught.value.message
    preview, _ = check_file(db.session, reissued, "v2.csv", today=TODAY)
    assert [(t["before"], t["total"]) for t in preview.totals] == [(5, 12)]
    confirm_import(db.session, reissued, "v2.csv", now=NOW, mode=REPLACE)
    assert recorded() == 12


def test_replace_leaves_other_months_and_services_alone(directory):
    confirm_import(db.session, csv_bytes([HEADER, ["2022-05-14", "A81001", PAM, 7],
                                          ["2022-06-14", "A81001", PPS, 5],
                                          ["2022-06-14", "A81002", PAM, 1]]), "v1.csv", now=NOW)
    confirm_import(db.session, june(2), "v2.csv", now=NOW, mode=REPLACE)
    assert recorded() == 7 + 5 + 2


def test_rollback_removes_exactly_its_rows_and_restores_what_it_replaced(directory):
    first = confirm_import(db.session, june(2, 3), "v1.csv", now=NOW).batch
    second = confirm_import(db.session, june(4, 4, 4), "v2.csv", now=NOW, mode=REPLACE).batch
    assert recorded() == 12
    removed = rollback_batch(db.session, second, now=NOW + timedelta(hours=1))
    assert removed == 3 and recorded() == 5 and second.rolled_back_at is not None
    assert rollback_batch(db.session, first, now=NOW) == 2 and recorded() == 0
    with pytest.raises(UptakeRejected):
        rollback_batch(db.session, first, now=NOW)


def test_a_rolled_back_file_can_be_imported_again(directory):
    batch = confirm_import(db.session, june(2), "v1.csv", now=NOW).batch
    rollback_batch(db.session, batch, now=NOW)
    confirm_import(db.session, june(2), "v1.csv", now=NOW)
    assert recorded() == 2


def test_a_mapped_alias_is_remembered_for_later_files(directory):
    data = csv_bytes([HEADER, ["2022-06", "A81001", "Management Referral", 3],
                      ["2022-06", "A81001", "Pre-Placement Screening", 2]])
    preview, _ = check_file(db.session, data, "f.csv", today=TODAY)
    assert set(preview.unknown_services) == {"Management Referral", "Pre-Placement Screening"}
    remember_alias(db.session, "Management Referral", find_service(db.session, PAM))
    remember_alias(db.session, "pre-placement screening",
                   find_service(db.session, "pre-employment-assessment"))
    preview, _ = check_file(db.session, data, "f.csv", today=TODAY)
    assert preview.ok and {t["service"] for t in preview.totals} == {PAM, PPS}


def test_summary_counts_distinct_organisations(directory):
    confirm_import(db.session, csv_bytes([
        HEADER, ["2022-06-14", "A81001", PAM, 2], ["2022-06-15", "A81001", PAM, 1],
        ["2022-06", "A81002", PAM, 1], ["2022-06", "", "Medical Helpline", 9]]),
        "f.csv", now=NOW)
    assert monthly_rows(db.session) == [("2022-06", "Medical Helpline", 9, 0),
                                        ("2022-06", PAM, 4, 2)]
    view = overview(db.session)
    assert view.total == 13 and view.area_wide == 9 and view.referring == 2
    pharmacies = next(s for s in view.by_kind if s.label == "Community pharmacies")
    assert pharmacies.none


def test_a_correction_that_moves_a_referral_to_another_month_needs_no_choice(directory):
    confirm_import(db.session, csv_bytes([HEADER + ["reference"],
                                          ["2022-05-30", "A81001", PAM, 1, "R9"]]),
                   "may.csv", now=NOW)
    moved = csv_bytes([HEADER + ["reference"], ["2022-06-02", "A81001", PAM, 1, "R9"]])
    preview, _ = check_file(db.session, moved, "fix.csv", today=TODAY)
    assert (preview.by_reference, preview.overlap) == (1, 0)
    outcome = confirm_import(db.session, moved, "fix.csv", now=NOW)
    assert outcome.replaced == 1 and recorded() == 1
    assert monthly_rows(db.session) == [("2022-06", PAM, 1, 1)]
