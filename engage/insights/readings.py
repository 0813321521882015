"""Plain-English readings of the outreach-and-uptake figures, and the fixed caveat.

Each sentence is generated from the numbers beside it, so the words can never claim more than
the interval allows: an interval that includes 1 (or 0 for a difference) is read as "we cannot
tell", whatever the point estimate.
"""

from __future__ import annotations

from engage.campaigns.models import Channel
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
    """Two significant figures, the way people read ratios ("1.8", "0.72", "12")."""
    if value == 0:
        return "0"
    if abs(value) >= 10:
        return f"{value:.0f}"
    if abs(value) >= 1:
        return f"{value:.1f}"
    return f"{value:#.2g}"  # 0.72, 0.070, 0.0034: small changes do not read as zero


def who(channel: Channel | None) -> str:
    if channel is None:
        return "Organisations reached by any outreach"
    return AUDIENCE.get(channel, f"Organisations reached by {channel.label.lower()}")


def when(lag: int) -> str:
    if lag == 0:
        return "in the same month"
    if lag == 1:
        return "in the following month"
    return f"{lag} months later"


def ratio_sentence(subject: str, ratio: float, low: float, high: float, what: str,
                   compared: str) -> str:
    """A ratio with its interval, read honestly."""
    interval = f"95% CI {number(low)} to {number(high)}"
    if low <= 1 <= high:
        return (f"We cannot tell whether {subject[0].lower() + subject[1:]} had a different "
                f"{what} {compared}: the estimate is {number(ratio)} times, but the interval "
                f"runs from {number(low)} to {number(high)}, which includes no difference.")
    if ratio >= 1:
        return f"{subject} had about {number(ratio)} times the {what} {compared} ({interval})."
    return (f"{subject} had a lower {what} {compared}: about {number(ratio)} times "
            f"({interval}).")


def term_reading(term: Term) -> str:
    subject = who(term.channel)
    if not term.identified:
        # Not a shortage of data: more of the same would never give a figure.
        return f"{subject}, {when(term.lag)}: no figure. {term.problem or ''}".strip()
    if not term.estimated:
        return (f"{subject}, {when(term.lag)}: not enough data to say. {term.problem or ''}"
                ).strip()
    assert term.irr is not None and term.low is not None and term.high is not None
    return ratio_sentence(subject, term.irr, term.low, term.high, "referral rate",
                          f"{when(term.lag)} than in months without")


def regression_readings(result: Regression) -> list[str]:
    """One sentence per channel: its lag-1 term if estimated, else the first estimated lag."""
    if result.problem:
        return [result.problem]
    out = []
    for channel in result.channels():
        terms = [t for t in result.terms if t.channel is channel]
        chosen = next((t for t in terms if t.estimated and t.lag == 1), None) \
            or next((t for t in terms if t.estimated), None)
        unidentified = next((t for t in terms if not t.identified), None)
        if chosen is None and unidentified is not None:
            out.append(f"{who(channel)}: no figure for any lag. {unidentified.problem or ''}"
                       .strip())
        elif chosen is None:
            out.append(f"{who(channel)}: not enough data to estimate any lag.")
        else:
            out.append(term_reading(chosen))
    return out


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
    interval = f"change {number(diff.change)} a month, 95% CI {number(diff.low)} to " \
               f"{number(diff.high)}"
    if diff.low <= 0 <= diff.high:
        return f"{base}; we cannot tell whether that is a real change ({interval})."
    direction = "higher" if diff.change > 0 else "lower"
    return f"{base}: {direction} after ({interval})."
