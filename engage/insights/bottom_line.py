"""The outreach page's bottom line: what the model says about every channel and lag, in words.

The page opens with two or three sentences a non-statistician can act on. They are built from
the same per-term verdicts as the tables below them (`answers`), and every number goes through
`ratios.ratio`, so the words and the tables cannot disagree: a term whose interval lies above 1
reads "higher", below 1 "lower", one that holds 1 "we cannot tell", and a term the model could
not estimate is named with its reason, never given a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from engage.campaigns.models import Channel
from engage.insights.ratios import interval, ratio, side

if TYPE_CHECKING:  # the model loads numpy and scipy: only when it is fitted
    from engage.insights.regression import Regression, Term

HIGHER, LOWER, UNCLEAR, UNESTIMABLE = "higher", "lower", "unclear", "unestimable"

VERDICT_WORDS = {
    HIGHER: "Higher",
    LOWER: "Lower",
    UNCLEAR: "Cannot tell",
    UNESTIMABLE: "Cannot be estimated",
}

NOUNS = {
    Channel.PRACTICE_VISIT: "practice visits",
    Channel.WEBINAR: "webinars",
    Channel.TRAINING: "training or support sessions",
    Channel.QUALITY_MEETING: "quality meetings",
    Channel.PRESENTATION: "presentations",
    Channel.PHONE_CALL: "phone calls",
    Channel.POSTER: "posters or printed resources",
    Channel.NEWSLETTER: "newsletters",
    Channel.EMAIL_BULLETIN: "email bulletins",
    Channel.PM_UPDATE: "practice-manager updates",
    Channel.FACEBOOK: "Facebook group posts",
    Channel.GATEWAY: "Primary Care Gateway posts",
    Channel.OTHER: "other outreach",
}


def noun(channel: Channel) -> str:
    return NOUNS.get(channel, channel.label.lower())


def when(lag: int) -> str:
    """A lag in words: "in the same month", "a month later", "2 months later"."""
    if lag == 0:
        return "in the same month"
    if lag == 1:
        return "a month later"
    return f"{lag} months later"


def lags_words(lags: list[int]) -> str:
    """Several lags in words: "1 to 3 months later", "in the same month or 2 months later"."""
    from engage.insights.regression import LAGS  # loaded already: `lags` come from a fit

    lags = sorted(lags)
    if lags == list(LAGS):
        return "at any time up to 3 months later"
    run = len(lags) >= 2 and lags == list(range(lags[0], lags[-1] + 1))
    if run and lags[0] >= 1:
        return f"{lags[0]} to {lags[-1]} months later"
    if run:
        return f"from the same month to {when(lags[-1])}"
    return _join([when(lag) for lag in lags], "or")


def _join(items: list[str], word: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def verdict(term: Term) -> str:
    """higher, lower, unclear (the interval holds 1) or unestimable."""
    if not term.estimated or term.low is None or term.high is None:
        return UNESTIMABLE
    return side(term.low, term.high)


def reason(term: Term) -> str:
    """Why a term has no number, as a clause ("not enough data: ...")."""
    text = (term.problem or "the model gave no estimate").strip().rstrip(".")
    return text[:1].lower() + text[1:]


@dataclass(frozen=True)
class LagAnswer:
    """One channel and lag as the page shows it: verdict, ratio and range as text."""

    term: Term
    verdict: str

    @property
    def lag(self) -> int:
        return self.term.lag

    @property
    def when(self) -> str:
        return when(self.term.lag)

    @property
    def verdict_words(self) -> str:
        return VERDICT_WORDS[self.verdict]

    @property
    def ratio(self) -> str:
        return ratio(self.term.irr) if self.verdict != UNESTIMABLE else ""

    @property
    def interval(self) -> str:
        return interval(self.term.low, self.term.high) if self.verdict != UNESTIMABLE else ""

    @property
    def reason(self) -> str:
        return reason(self.term) if self.verdict == UNESTIMABLE else ""

    def figures(self) -> str:
        """"about 1.8 times, likely between 1.2 and 2.6 times"."""
        return (f"about {self.ratio} times, likely between {ratio(self.term.low)} and "
                f"{ratio(self.term.high)} times")


@dataclass(frozen=True)
class ChannelAnswer:
    channel: Channel
    lags: list[LagAnswer]

    @property
    def noun(self) -> str:
        return noun(self.channel)

    def having(self, *verdicts: str) -> list[LagAnswer]:
        return [a for a in self.lags if a.verdict in verdicts]

    @property
    def estimated(self) -> bool:
        return any(a.verdict != UNESTIMABLE for a in self.lags)

    def sentence(self) -> str:
        """One sentence covering every lag of the channel (under its chart)."""
        parts = []
        for found in (HIGHER, LOWER):
            for a in self.having(found):
                parts.append(f"referrals were {found} {a.when} ({a.figures()})")
        unclear = [a.lag for a in self.having(UNCLEAR)]
        if unclear:
            parts.append(f"we cannot tell {lags_words(unclear)}, because the likely range "
                         "includes no difference")
        missing = self.having(UNESTIMABLE)
        if missing:
            parts.append(f"it cannot be estimated {lags_words([a.lag for a in missing])} "
                         f"({_reasons(missing)})")
        return f"{self.channel.label}: {'; '.join(parts)}."


def _reasons(missing: list[LagAnswer]) -> str:
    """The first lag's reason; a note when the other lags give a different one."""
    first = missing[0].reason
    if any(a.reason != first for a in missing[1:]):
        return f"{first}; the reason for each month is in the detailed figures"
    return first


def answers(model: Regression) -> list[ChannelAnswer]:
    """Every channel in the model with a verdict for each of its lags, in the model's order."""
    return [ChannelAnswer(channel, [LagAnswer(t, verdict(t)) for t in model.terms
                                    if t.channel is channel])
            for channel in model.channels()]


def bottom_line(model: Regression) -> list[str]:
    """Two or three sentences: clear results, what we cannot tell, what cannot be estimated."""
    if model.problem:
        return ["Whether referrals changed after outreach cannot be estimated.", model.problem]
    channels = answers(model)
    if not channels:
        return ["No outreach was recorded for these organisations in this period, so there is "
                "nothing to compare referrals with."]
    sentences = []
    clear = _clear_sentence(channels)
    if clear:
        sentences.append(clear)
    unclear = _unclear_sentence(channels, any_clear=bool(clear))
    if unclear:
        sentences.append(unclear)
    missing = _missing_sentence(channels)
    if missing:
        sentences.append(missing)
    return sentences


def _clear_sentence(channels: list[ChannelAnswer]) -> str:
    groups = []
    for found in (HIGHER, LOWER):
        items = []
        for c in channels:
            hits = c.having(found)
            if hits:
                items.append(f"{c.noun} ({'; '.join(f'{a.when}: {a.figures()}' for a in hits)})")
        if items:
            groups.append(f"{found} after {_join(items)}")
    if not groups:
        return ""
    return ("Compared with each organisation's other months, referrals were "
            f"{' but '.join(groups)}.")


def _unclear_sentence(channels: list[ChannelAnswer], *, any_clear: bool) -> str:
    items, whole = [], True
    for c in channels:
        lags = [a.lag for a in c.having(UNCLEAR)]
        if not lags:
            continue
        if len(lags) == len(c.lags):
            items.append(c.noun)
        else:
            items.append(f"{c.noun} {lags_words(lags)}")
            whole = False
    if not items:
        return ""
    if not any_clear:
        span = ", in the same month or up to 3 months later" if whole else ""
        return (f"We cannot tell whether referrals changed after {_join(items)}{span}: each "
                "likely range includes no difference.")
    return (f"For {_join(items)}, we cannot tell whether referrals changed: the likely range "
            "includes no difference.")


def _missing_sentence(channels: list[ChannelAnswer]) -> str:
    items = []
    for c in channels:
        missing = c.having(UNESTIMABLE)
        if not missing:
            continue
        subject = c.noun if len(missing) == len(c.lags) else \
            f"{c.noun} {lags_words([a.lag for a in missing])}"
        items.append((subject, _reasons(missing)))
    if not items:
        return ""
    if len(items) == 1:
        subject, why = items[0]
        return f"{subject[:1].upper()}{subject[1:]} cannot be estimated: {why}."
    return "These cannot be estimated: " + "; ".join(f"{s} ({why})" for s, why in items) + "."
