"""Plain-English readings of the outreach-and-uptake figures, and the fixed caveat.

Each sentence is generated from the numbers beside it, so the words can never claim more than
the interval allows: an interval that includes 1 (or 0 for a difference) is read as "we cannot
tell", whatever the point estimate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engage.campaigns.models import Channel
from engage.insights.bottom_line import answers, reason, when
from engage.insights.ratios import interval, plain, ratio

if TYPE_CHECKING:  # the numeric modules load numpy and scipy: only when figures are computed
    from engage.insights.event_study import EventStudy
    from engage.insights.reached import ReachedComparison
    from engage.insights.regression import Regression, Term

CAVEAT = (
    "This shows association, not cause: organisations were not chosen for outreach at random. "
    "Practices that were visited or attended a webinar may already have been more engaged with "
    "occupational health, larger, or going through changes that brought both outreach and "
    "referrals. The organisation and month effects remove differences that are fixed for an "
    "organisation or shared by a month, but not everything else."
)

AUDIENCE = {
    Channel.PRACTICE_VISIT: "Practices visited",
    Channel.WEBINAR: "Organisations that attended a webinar",
    Channel.TRAINING: "Organisations that had a training or support session",
    Channel.QUALITY_MEETING: "Organisations reached at a quality meeting",
    Channel.PRESENTATION: "Organisations reached by a presentation",
    Channel.PHONE_CALL: "Organisations phoned",
    Channel.POSTER: "Organisations given posters or printed resources",
    Channel.NEWSLETTER: "Organisations sent a newsletter",
    Channel.EMAIL_BULLETIN: "Organisations sent an email bulletin",
    Channel.PM_UPDATE: "Organisations sent a practice-manager update",
    Channel.FACEBOOK: "Organisations reached by a Facebook group post",
    Channel.GATEWAY: "Organisations reached by a Primary Care Gateway post",
    Channel.OTHER: "Organisations reached some other way",
}


def number(value: float) -> str:
    """Two significant figures for counts and differences ("1.8", "0.72", "12"); ratios and
    their bounds go through `ratios.ratio`, which keeps them on their side of 1."""
    return "0" if value == 0 else plain(value)


def who(channel: Channel | None) -> str:
    if channel is None:
        return "Organisations reached by any outreach"
    return AUDIENCE.get(channel, f"Organisations reached by {channel.label.lower()}")


def ratio_sentence(subject: str, estimate: float, low: float, high: float, what: str,
                   compared: str) -> str:
    """A ratio with its interval, read honestly (every figure written by `ratios.ratio`)."""
    if low <= 1 <= high:
        return (f"We cannot tell whether {subject[0].lower() + subject[1:]} had a different "
                f"{what} {compared}: the estimate is {ratio(estimate)} times, but the interval "
                f"runs from {interval(low, high)}, which includes no difference.")
    span = f"95% CI {interval(low, high)}"
    if low > 1:
        return f"{subject} had about {ratio(estimate)} times the {what} {compared} ({span})."
    return (f"{subject} had a lower {what} {compared}: about {ratio(estimate)} times "
            f"({span}).")


def term_reading(term: Term) -> str:
    subject = who(term.channel)
    if not term.estimated:
        return f"{subject}, {when(term.lag)}: cannot be estimated ({reason(term)})."
    assert term.irr is not None and term.low is not None and term.high is not None
    return ratio_sentence(subject, term.irr, term.low, term.high, "referral rate",
                          f"{when(term.lag)} than in months without")


def regression_readings(result: Regression) -> list[str]:
    """One sentence per channel covering every lag, from the bottom line's verdicts."""
    if result.problem:
        return [result.problem]
    return [channel.sentence() for channel in answers(result)]


def reached_reading(result: ReachedComparison) -> str:
    if result.ratio is None or result.low is None or result.high is None:
        return result.problem or "Too few referrals to estimate."
    return ratio_sentence(who(result.channel), result.ratio, result.low, result.high,
                          "referral rate", "in the period than organisations not reached")


def event_reading(result: EventStudy) -> str:
    diff = result.difference
    if diff is None or diff.change is None or diff.low is None or diff.high is None:
        return ("Too few organisations with months both before and after their first "
                "engagement in this period to compare.")
    assert diff.before is not None and diff.after is not None
    base = (f"Across {diff.organisations} organisations, referrals averaged "
            f"{number(diff.before)} a month in the six months before the first engagement and "
            f"{number(diff.after)} a month from then on")
    span = f"change {number(diff.change)} a month, 95% CI {number(diff.low)} to " \
           f"{number(diff.high)}"
    if diff.low <= 0 <= diff.high:
        return f"{base}; we cannot tell whether that is a real change ({span})."
    direction = "higher" if diff.change > 0 else "lower"
    return f"{base}: {direction} after ({span})."
