"""Names from the ODS file in proper case, keeping initialisms and people's own spellings."""

from __future__ import annotations

import csv

import pytest

from engage.directory.models import Organisation, OrgKind
from engage.directory.names import is_shouting, proper_case


@pytest.mark.parametrize(("published", "shown"), [
    ("ARBURY ROAD SURGERY", "Arbury Road Surgery"),
    ("ST. GEORGE'S MEDICAL CENTRE", "St. George's Medical Centre"),
    ("ST MARY'S SURGERY", "St Mary's Surgery"),
    ("LAKESIDE HEALTHCARE ST NEOTS", "Lakeside Healthcare St Neots"),
    ("MCDONALD HEALTH CENTRE", "McDonald Health Centre"),
    ("O'BRIEN PHARMACY", "O'Brien Pharmacy"),
    ("THE OLD EXCHANGE-HOUSE SURGERY", "The Old Exchange-House Surgery"),
    ("COMMUNITY GYNAE CLINIC-EATON SOCON HUNTS", "Community Gynae Clinic-Eaton Socon Hunts"),
    ("NHS PETERBOROUGH PCN", "NHS Peterborough PCN"),
    ("CAMBRIDGE GP FEDERATION", "Cambridge GP Federation"),
    ("HUNTINGDON HC", "Huntingdon HC"),
    ("BOOTS UK LTD", "Boots UK Ltd"),
    ("DR A SMITH & PARTNERS", "Dr A Smith & Partners"),
    ("PETERBOROUGH AND HINCHINGBROOKE BCSC", "Peterborough and Hinchingbrooke BCSC"),
    ("CPFT - MSK ASST & TREATMENT SERVICE", "CPFT - MSK Asst & Treatment Service"),
    ("C&P IUC SERVICE ELY OOH", "C&P IUC Service Ely OOH"),
    ("GPSI ENT SERVICE ROMAN GATE HUNTS", "GPSI ENT Service Roman Gate Hunts"),
    ("TS-3 DERMATOLOGY CLINIC", "TS-3 Dermatology Clinic"),
])
def test_published_names_read_in_proper_case(published, shown):
    assert proper_case(published) == shown


@pytest.mark.parametrize("name", ["Chatteris Pharmacy", "McDonald's of Ely", "iHealth Pharmacy",
                                  "Well Pharmacy (Wisbech)"])
def test_a_name_already_in_mixed_case_is_left_as_written(name):
    assert not is_shouting(name)
    assert proper_case(name) == name


@pytest.mark.parametrize("name", ["", "123", " - "])
def test_names_without_letters_come_back_unchanged(name):
    assert proper_case(name) == name


def test_every_name_in_the_area_file_keeps_its_letters(shared_data):
    # Proper case changes case only: the letters, their order and the spacing stay.
    with (shared_data / "epraccur-06H.csv").open(newline="", encoding="utf-8") as file:
        names = [row[1] for row in csv.reader(file)]
    assert len(names) > 100
    for published in names:
        shown = proper_case(published)
        assert shown.upper() == published.upper(), (published, shown)


def test_an_organisation_shows_its_preferred_name_and_keeps_the_published_one(app):
    organisation = Organisation(ods_code="D81001", name="LENSFIELD MEDICAL PRACTICE",
                                kind=OrgKind.GP_PRACTICE)
    assert organisation.display_name == "Lensfield Medical Practice"
    organisation.preferred_name = "The Lensfield Practice"
    assert organisation.display_name == "The Lensfield Practice"
    assert organisation.name == "LENSFIELD MEDICAL PRACTICE"
