"""Headings compared one way across every import."""

from __future__ import annotations

import pytest

from engage.campaigns.attendance.files import ALIASES as ATTENDANCE
from engage.columns import heading_key, heading_keys, heading_table
from engage.directory.csv_import import ALIASES as DIRECTORY
from engage.uptake.columns import ALIASES as UPTAKE


@pytest.mark.parametrize("raw", ["PHARMACY_ODS_CODE_(F-CODE)", "Pharmacy ODS code (F code)",
                                 "  pharmacy  ods-code  f-code ", "\ufeffPharmacy.ODS.Code/F.Code"])
def test_case_spaces_underscores_and_punctuation_are_set_aside(raw):
    assert heading_key(raw) == "pharmacy ods code f code"


def test_an_ampersand_reads_as_and():
    assert heading_key("Health & Wellbeing Board") == heading_key("HEALTH_AND_WELLBEING_BOARD")


def test_blank_and_missing_headings_have_an_empty_key():
    assert heading_key(None) == heading_key("  ") == heading_key("()") == ""


def test_a_heading_listed_for_two_fields_is_refused():
    with pytest.raises(ValueError, match="'Org code' is listed for both code and name"):
        heading_table({"code": ("ODS code", "org_code"), "name": ("Name", "Org code")})


@pytest.mark.parametrize("aliases", [DIRECTORY, ATTENDANCE, UPTAKE])
def test_every_import_s_table_is_consistent(aliases):
    table = heading_table(aliases)
    assert set(table.values()) == set(aliases)


def test_heading_keys_normalise_each_spelling():
    assert heading_keys("Duration (minutes)", "First-join") == {"duration minutes", "first join"}
