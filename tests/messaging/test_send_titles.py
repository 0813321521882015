"""Send references from URLs are checked, and every send has a title a person can read."""

from __future__ import annotations

import pytest

from engage.extensions import db
from engage.messaging.send_titles import SendRef, parse_ref, titles
from engage.reminders.models import OffsetUnit, ReminderRule, RuleKind
from tests.factories import make_bulletin, make_campaign, make_touchpoint


@pytest.mark.parametrize("raw, parsed", [
    ("bulletin:12", SendRef("bulletin", 12)), ("rule:5", SendRef("rule", 5)),
    ("digest", SendRef("digest", None)), ("registration:3", SendRef("registration", 3)),
    ("bulletin:012", None), ("bulletin:", None), ("rule:2147483648", None), ("test:1", None),
    ("Digest", None), ("bulletin:1 ", None), ("", None), ("bulletin:１", None),
])
def test_parse_ref_accepts_only_the_known_shapes(raw, parsed):
    assert parse_ref(raw) == parsed


def test_titles_name_each_kind_of_send(app):
    campaign = make_campaign(name="Winter campaign")
    webinar = make_touchpoint(campaign, title="Stress webinar")
    bulletin = make_bulletin(campaign, subject="December news")
    reminder = ReminderRule(kind=RuleKind.REMINDER, touchpoint=webinar, offset_amount=1,
                            offset_unit=OffsetUnit.DAYS)
    nudge = ReminderRule(kind=RuleKind.NUDGE, campaign=campaign, quiet_days=30,
                         period_days=14)
    db.session.add_all([reminder, nudge])
    db.session.flush()
    named = titles(db.session, [f"bulletin:{bulletin.id}", f"rule:{reminder.id}",
                                f"rule:{nudge.id}", "digest", f"registration:{webinar.id}",
                                "bulletin:999999", "nonsense"])
    assert named == {
        f"bulletin:{bulletin.id}": "Bulletin: December news",
        f"rule:{reminder.id}": "Reminder, 1 day before it starts: Stress webinar",
        f"rule:{nudge.id}": ("Nudge to organisations with no engagement, after 30 days without "
                             "engagement, at most every 14 days: Winter campaign"),
        "digest": "Weekly digest",
        f"registration:{webinar.id}": "Registration emails: Stress webinar",
        "bulletin:999999": "Bulletin 999999 (since deleted)",
    }
