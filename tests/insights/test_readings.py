"""Readings in words never claim more than the interval allows."""

from __future__ import annotations

from engage.campaigns.models import Channel
from engage.insights.event_study import Difference, EventStudy
from engage.insights.reached import Group, ReachedComparison
from engage.insights.readings import (
    CAVEAT,
    event_reading,
    number,
    reached_reading,
    regression_readings,
    term_reading,
)
from engage.insights.regression import Regression, Term

VISIT = Channel.PRACTICE_VISIT


def test_clear_effect_reads_as_times_the_rate_with_its_interval() -> None:
    text = term_reading(Term(VISIT, 1, 40, 20, irr=1.8, low=1.2, high=2.6))
    assert text == ("Practices visited had about 1.8 times the referral rate a month later "
                    "than in months without (95% CI 1.2 to 2.6).")


def test_interval_including_one_reads_as_cannot_tell() -> None:
    text = term_reading(Term(VISIT, 2, 40, 20, irr=1.15, low=0.7, high=1.9))
    assert text.startswith("We cannot tell whether practices visited")
    assert "runs from 0.70 to 1.9, which includes no difference" in text
    assert "2 months later" in text


def test_lower_rate_is_read_as_lower() -> None:
    text = term_reading(Term(Channel.WEBINAR, 0, 40, 20, irr=0.6, low=0.4, high=0.9))
    assert "lower referral rate in the same month" in text
    assert "0.60 times" in text


def test_thin_term_says_it_cannot_be_estimated_and_why() -> None:
    text = term_reading(Term(VISIT, 1, 3, 2, problem="Not enough data: 3 exposed."))
    assert text == ("Practices visited, a month later: cannot be estimated (not "
                    "enough data: 3 exposed).")


def test_unidentified_term_gives_the_reason_not_a_shortage_of_data() -> None:
    reason = "This channel reached every organisation in the same months, so its effect."
    text = term_reading(Term(Channel.NEWSLETTER, 0, 400, 80, problem=reason, identified=False))
    assert text == ("Organisations sent a newsletter, in the same month: cannot be estimated "
                    "(this channel reached every organisation in the same months, so its "
                    "effect).")
    assert "not enough data" not in text


def test_regression_readings_give_the_reason_for_a_channel_with_no_figure() -> None:
    reason = "Its exposure moves exactly with that of webinar (same month), so their effects."
    result = Regression(terms=[
        Term(Channel.TRAINING, 0, 40, 20, problem=reason, identified=False),
        Term(Channel.TRAINING, 1, 3, 2, problem="Not enough data: 3 exposed."),
    ])
    (reading,) = regression_readings(result)
    assert "cannot be estimated" in reading and "moves exactly with that of webinar" in reading


def test_regression_readings_cover_every_lag_and_name_unestimable_channels() -> None:
    result = Regression(terms=[
        Term(VISIT, 0, 40, 20, irr=1.8, low=1.2, high=2.6),
        Term(VISIT, 1, 40, 20, irr=1.1, low=0.9, high=1.3),
        Term(Channel.GATEWAY, 0, 1, 1, problem="Not enough data"),
    ])
    readings = regression_readings(result)
    assert readings[0] == ("Practice visit: referrals were higher in the same month (about 1.8 "
                           "times, likely between 1.2 and 2.6 times); we cannot tell a month "
                           "later, because the likely range includes no difference.")
    assert readings[1] == ("Primary Care Gateway post: it cannot be estimated in the same "
                           "month (not enough data).")


def test_a_bound_just_below_one_is_not_printed_as_one() -> None:
    text = term_reading(Term(Channel.EMAIL_BULLETIN, 1, 40, 20, irr=0.75, low=0.5712,
                             high=0.9976))
    assert "lower referral rate" in text and "95% CI 0.57 to 0.998" in text


def test_reached_reading_and_its_problem() -> None:
    group = Group(10, 120, 50)
    ok = ReachedComparison(None, group, group, 2.0, 1.3, 3.1)
    assert reached_reading(ok).startswith("Organisations reached by any outreach had about 2.0")
    thin = ReachedComparison(None, group, group, None, None, None, "Too few referrals to do it.")
    assert reached_reading(thin) == "Too few referrals to do it."


def test_event_reading_step_and_no_step() -> None:
    up = EventStudy(None, difference=Difference(30, 0.5, 1.5, 1.0, 0.7, 1.3))
    assert "higher after (change 1.0 a month, 95% CI 0.70 to 1.3)" in event_reading(up)
    flat = EventStudy(None, difference=Difference(30, 0.5, 0.6, 0.1, -0.2, 0.4))
    assert "we cannot tell whether that is a real change" in event_reading(flat)
    none = EventStudy(None, difference=Difference(1, None, None, None, None, None))
    assert event_reading(none).startswith("Too few organisations")


def test_caveat_says_association_not_cause() -> None:
    assert CAVEAT.startswith("This shows association, not cause")


def test_numbers_use_two_significant_figures() -> None:
    assert [number(v) for v in (0, 0.723, 1.84, 12.4, -0.25)] == ["0", "0.72", "1.8", "12",
                                                                  "-0.25"]
