"""Matchings saved under a name: saved, found, offered for the same headings, and refused
when the file lacks a column they name."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engage.columns import Matching, MatchingError
from engage.extensions import db
from engage.matchings import (
    chosen,
    combined,
    find_matching,
    fitting,
    offered_matching,
    save_matching,
    saved_names,
    signature,
)

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
HEADER = ["F_CODE", "Shop", "Where", "Postcode"]
SHOPS = Matching({"code": "F_CODE", "name": "Shop"}, {"kind": "community pharmacy"})


def test_a_signature_compares_headings_as_the_imports_do():
    assert signature(["Post Code", "F_CODE", "", "f-code"]) == ["f code", "post code"]


def test_a_saved_matching_is_found_by_name_and_offered_for_the_same_headings(app):
    save_matching(db.session, "directory", "  Pharmacy   group ", HEADER, SHOPS, by="m@x.org",
                  now=NOW)
    saved = find_matching(db.session, "directory", "Pharmacy group")
    assert saved is not None and saved.matching == SHOPS and saved.created_by == "m@x.org"
    # Same headings in another order and spelling: offered; other headings or import: not.
    assert offered_matching(db.session, "directory", ["postcode", "where", "shop", "f code"])
    assert offered_matching(db.session, "directory", [*HEADER, "Phone"]) is None
    assert offered_matching(db.session, "uptake", HEADER) is None
    assert find_matching(db.session, "uptake", "Pharmacy group") is None


def test_saving_again_under_a_name_replaces_the_matching(app):
    save_matching(db.session, "uptake", "Monthly", ["A"], Matching({"date": "A"}), by="", now=NOW)
    save_matching(db.session, "uptake", "Monthly", ["B"], Matching({"date": "B"}), by="", now=NOW)
    assert saved_names(db.session, "uptake") == ["Monthly"]
    saved = find_matching(db.session, "uptake", "Monthly")
    assert saved is not None and saved.columns == {"date": "B"} and saved.headings == ["b"]


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_a_matching_needs_a_short_name(app, name):
    with pytest.raises(MatchingError):
        save_matching(db.session, "directory", name, HEADER, SHOPS, by="", now=NOW)


def test_a_saved_matching_that_no_longer_fits_the_file_names_the_column(app):
    saved = save_matching(db.session, "directory", "Shops", HEADER, SHOPS, by="", now=NOW)
    assert fitting(saved, ["f code", "SHOP"]) == SHOPS
    with pytest.raises(MatchingError, match="The saved matching 'Shops' names the column "
                                            "'Shop', which this file does not have."):
        fitting(saved, ["F_CODE", "Shop name"])


def test_an_unknown_name_lists_the_saved_ones(app):
    save_matching(db.session, "directory", "Shops", HEADER, SHOPS, by="", now=NOW)
    with pytest.raises(MatchingError, match="no saved matching called 'Shoops'.*'Shops'"):
        chosen(db.session, "directory", "Shoops", Matching(), HEADER)
    with pytest.raises(MatchingError, match="Saved matchings: none yet"):
        chosen(db.session, "uptake", "Shops", Matching(), HEADER)


def test_typed_choices_win_over_a_saved_matching():
    typed = Matching({"kind": "Where", "address": "Shop"}, {"name": "One name"})
    assert combined(SHOPS, typed) == Matching(
        {"code": "F_CODE", "kind": "Where", "address": "Shop"}, {"name": "One name"})
