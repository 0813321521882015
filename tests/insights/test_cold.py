from datetime import UTC, datetime

import pytest

from engage.campaigns.models import Channel, EngagementKind
from engage.extensions import db
from engage.insights.cold import (
    ColdError,
    cold_list,
    cold_page,
    count_cold,
    count_contacted_cold,
    parse_days,
)
from tests.factories import make_referral
from tests.insights.helpers import TODAY, engage, scope, two_localities


def test_cold_lists_targets_without_contact_in_n_days_never_contacted_first(app):
    _, _, orgs = two_localities()
    engage(orgs["f1"], datetime(2022, 6, 1, tzinfo=UTC))  # 29 days before 30 June: warm
    engage(orgs["f2"], datetime(2022, 1, 10, tzinfo=UTC), Channel.WEBINAR)
    engage(orgs["f2"], datetime(2022, 2, 10, tzinfo=UTC), Channel.PHONE_CALL)
    engage(orgs["c1"], datetime(2021, 11, 5, tzinfo=UTC), Channel.POSTER)
    make_referral(organisation_id=orgs["f2"].id, count=3)
    # As of 15 June (today is before the period's end), 90 days back is 17 March.
    cold = cold_list(db.session, scope(), 90, TODAY)
    names = [c.name for c in cold]
    assert names[:3] == ["Cam Two", "Fen Pharmacy", "Fen Three"]  # never contacted, by name
    assert names[3:] == ["Cam One", "Fen Two"]  # longest without contact first
    by_name = {c.name: c for c in cold}
    assert by_name["Fen Two"].last_channel is Channel.PHONE_CALL
    assert by_name["Fen Two"].last_contact == datetime(2022, 2, 10, tzinfo=UTC)
    assert by_name["Fen Two"].has_referred and by_name["Fen Two"].referrals == 3
    assert by_name["Cam Two"].last_contact is None and not by_name["Cam Two"].has_referred
    assert count_cold(db.session, scope(), 90, TODAY) == 5


def test_a_shorter_window_makes_more_organisations_cold(app):
    _, _, orgs = two_localities()
    engage(orgs["f1"], datetime(2022, 6, 1, tzinfo=UTC))
    assert "Fen One" not in [c.name for c in cold_list(db.session, scope(), 30, TODAY)]
    assert "Fen One" in [c.name for c in cold_list(db.session, scope(), 10, TODAY)]


def test_voided_contact_does_not_warm_an_organisation(app):
    _, _, orgs = two_localities()
    engage(orgs["f1"], datetime(2022, 6, 1, tzinfo=UTC), voided_at=datetime(2022, 6, 2, tzinfo=UTC))
    cold = {c.name: c for c in cold_list(db.session, scope(), 30, TODAY)}
    assert cold["Fen One"].last_contact is None


def test_cold_is_judged_at_the_end_of_an_earlier_period(app):
    _, _, orgs = two_localities()
    engage(orgs["f1"], datetime(2022, 6, 1, tzinfo=UTC))  # after the period below
    engage(orgs["f2"], datetime(2021, 12, 20, tzinfo=UTC))
    cold = {c.name for c in cold_list(db.session, scope(start="2021-10-01", end="2021-12-31"),
                                      30, TODAY)}
    assert "Fen One" in cold and "Fen Two" not in cold


def test_cold_pages(app):
    two_localities()
    pagination, items = cold_page(db.session, scope(), 90, TODAY, page=2, per_page=4)
    assert pagination.total == 6 and pagination.pages == 2
    assert len(items) == 2


@pytest.mark.parametrize("raw", ["0", "-3", "abc", "99999", "1.5"])
def test_bad_day_counts_are_refused_with_a_message(raw):
    with pytest.raises(ColdError, match="whole number from 1"):
        parse_days(raw)


def test_blank_days_mean_the_default():
    assert parse_days("") == 90 and parse_days(" 45 ") == 45


def test_being_invited_or_sent_something_does_not_warm_an_organisation(app):
    _, _, orgs = two_localities()
    engage(orgs["f1"], datetime(2022, 6, 1, tzinfo=UTC), Channel.EMAIL_BULLETIN,
           kind=EngagementKind.RECEIVED)
    engage(orgs["f2"], datetime(2022, 6, 1, tzinfo=UTC), Channel.WEBINAR,
           kind=EngagementKind.INVITED)
    engage(orgs["f2"], datetime(2022, 1, 5, tzinfo=UTC))  # visited, long ago
    engage(orgs["f3"], datetime(2022, 6, 1, tzinfo=UTC))  # visited: warm
    cold = {c.name: c for c in cold_list(db.session, scope(), 30, TODAY)}
    assert "Fen Three" not in cold
    assert cold["Fen One"].last_engaged is None
    assert cold["Fen One"].last_contact == datetime(2022, 6, 1, tzinfo=UTC)
    assert cold["Fen One"].last_channel is Channel.EMAIL_BULLETIN
    assert cold["Fen Two"].last_engaged == datetime(2022, 1, 5, tzinfo=UTC)
    assert cold["Fen Two"].last_contact == datetime(2022, 6, 1, tzinfo=UTC)
    # The never-engaged come first, whatever they were sent.
    assert list(cold)[:2] == ["Cam One", "Cam Two"]
    assert count_cold(db.session, scope(), 30, TODAY) == 5
    assert count_contacted_cold(db.session, scope(), 30, TODAY) == 2
