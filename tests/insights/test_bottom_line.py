"""The bottom line covers every channel and lag and never contradicts the verdicts below it."""

from __future__ import annotations

from engage.campaigns.models import Channel
from engage.insights.bottom_line import (
    HIGHER,
    LOWER,
    UNCLEAR,
    UNESTIMABLE,
    answers,
    bottom_line,
    lags_words,
)
from engage.insights.regression import Regression, Term

VISIT, WEBINAR, BULLETIN, POSTER = (Channel.PRACTICE_VISIT, Channel.WEBINAR,
                                    Channel.EMAIL_BULLETIN, Channel.POSTER)
THIN = "Not enough data: 3 exposed organisation-months and 2 organisations whose exposure " \
       "changed (needs 10 and 5)."


def unclear(channel: Channel, lag: int) -> Term:
    return Term(channel, lag, 40, 20, irr=1.1, low=0.8, high=1.5)


def thin(channel: Channel, lag: int, problem: str = THIN) -> Term:
    return Term(channel, lag, 3, 2, problem=problem)


def model(*terms: Term) -> Regression:
    return Regression(terms=list(terms), organisations=30, months=12)


def text(result: Regression) -> str:
    return " ".join(bottom_line(result))


def test_a_result_only_in_the_same_month_is_reported_not_hidden_behind_lag_one() -> None:
    result = model(Term(VISIT, 0, 40, 20, irr=1.8, low=1.2, high=2.6),
                   *(unclear(VISIT, lag) for lag in (1, 2, 3)))
    sentences = bottom_line(result)
    assert sentences[0] == (
        "Compared with each organisation's other months, referrals were higher after practice "
        "visits (in the same month: about 1.8 times, likely between 1.2 and 2.6 times).")
    assert sentences[1] == ("For practice visits 1 to 3 months later, we cannot tell whether "
                            "referrals changed: the likely range includes no difference.")
    assert "cannot tell whether referrals changed after practice visits," not in text(result)
    assert len(sentences) == 2


def test_a_bound_of_0_9976_reads_lower_and_never_prints_as_one() -> None:
    result = model(*(unclear(BULLETIN, lag) for lag in (0, 2, 3)),
                   Term(BULLETIN, 1, 40, 20, irr=0.75, low=0.5712, high=0.9976))
    words = text(result)
    assert "lower after email bulletins (a month later: about 0.75 times, likely between 0.57 " \
           "and 0.998 times)" in words
    assert "1.0 times" not in words and " 1.0" not in words
    assert "For email bulletins in the same month, 2 months later or 3 months later, we " \
           "cannot tell" in words


def test_all_unclear_says_we_cannot_tell_for_every_channel() -> None:
    result = model(*(unclear(c, lag) for c in (VISIT, WEBINAR) for lag in range(4)))
    assert bottom_line(result) == [
        "We cannot tell whether referrals changed after practice visits and webinars, in the "
        "same month or up to 3 months later: each likely range includes no difference."]


def test_an_unestimable_channel_is_named_with_its_reason_and_no_number() -> None:
    result = model(*(unclear(VISIT, lag) for lag in range(4)),
                   *(thin(POSTER, lag) for lag in range(4)))
    sentences = bottom_line(result)
    assert sentences[-1] == ("Posters or printed resources cannot be estimated: not enough "
                             "data: 3 exposed organisation-months and 2 organisations whose "
                             "exposure changed (needs 10 and 5).")
    assert "posters" not in sentences[0]
    channel = next(a for a in answers(result) if a.channel is POSTER)
    assert {a.verdict for a in channel.lags} == {UNESTIMABLE}
    assert all(a.ratio == "" and a.interval == "" for a in channel.lags)


def test_mixed_directions_and_a_partly_estimable_channel() -> None:
    result = model(Term(VISIT, 0, 40, 20, irr=1.8, low=1.2, high=2.6),
                   Term(VISIT, 1, 40, 20, irr=1.5, low=1.1, high=2.0),
                   unclear(VISIT, 2), thin(VISIT, 3, "The estimate is too uncertain."),
                   *(Term(WEBINAR, lag, 40, 20, irr=0.6, low=0.4, high=0.9) if lag == 2
                     else unclear(WEBINAR, lag) for lag in range(4)))
    sentences = bottom_line(result)
    assert len(sentences) == 3
    assert sentences[0] == (
        "Compared with each organisation's other months, referrals were higher after practice "
        "visits (in the same month: about 1.8 times, likely between 1.2 and 2.6 times; a month "
        "later: about 1.5 times, likely between 1.1 and 2.0 times) but lower after webinars "
        "(2 months later: about 0.60 times, likely between 0.40 and 0.90 times).")
    assert sentences[1] == (
        "For practice visits 2 months later and webinars in the same month, a month later or 3 "
        "months later, we cannot tell whether referrals changed: the likely range includes no "
        "difference.")
    assert sentences[2] == ("Practice visits 3 months later cannot be estimated: the estimate "
                            "is too uncertain.")


def test_every_term_is_covered_once_with_the_tables_verdict() -> None:
    result = model(Term(VISIT, 0, 40, 20, irr=1.8, low=1.2, high=2.6), unclear(VISIT, 1),
                   Term(VISIT, 2, 40, 20, irr=0.7, low=0.5, high=0.99), thin(VISIT, 3))
    verdicts = [a.verdict for a in answers(result)[0].lags]
    assert verdicts == [HIGHER, UNCLEAR, LOWER, UNESTIMABLE]
    sentence = answers(result)[0].sentence()
    assert sentence.startswith("Practice visit: referrals were higher in the same month")
    assert "lower 2 months later" in sentence and "we cannot tell a month later" in sentence
    assert "cannot be estimated 3 months later (not enough data" in sentence


def test_a_model_that_cannot_be_fitted_and_one_with_no_outreach() -> None:
    failed = Regression(problem="Not enough data for the model: it needs referrals.")
    assert bottom_line(failed) == ["Whether referrals changed after outreach cannot be "
                                   "estimated.", "Not enough data for the model: it needs "
                                   "referrals."]
    assert bottom_line(Regression())[0].startswith("No outreach was recorded")


def test_lags_in_words() -> None:
    assert lags_words([1, 2, 3]) == "1 to 3 months later"
    assert lags_words([0, 1]) == "from the same month to a month later"
    assert lags_words([0, 2]) == "in the same month or 2 months later"
    assert lags_words([0, 1, 2, 3]) == "at any time up to 3 months later"
