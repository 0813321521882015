"""The .ics invitation attached to a reminder: the touchpoint's own UID and SEQUENCE, so a
moved event updates the copy in the recipient's calendar instead of adding a second one."""

from __future__ import annotations

import base64

from engage.campaigns.ics import PRODID, to_event
from engage.campaigns.models import Touchpoint
from engage.messaging.outbox import Attachment


def invitation_ics(touchpoint: Touchpoint, url: str | None = None) -> bytes:
    """A METHOD:REQUEST calendar with the one event."""
    from icalendar import Calendar  # not at start-up: only reminders with an invitation need it

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "REQUEST")
    event = to_event(touchpoint, url)
    # A personal invitation: shown as busy time, unlike the shared outreach feed.
    event["transp"] = "OPAQUE"
    cal.add_component(event)
    return cal.to_ical()


def invitation_attachment(touchpoint: Touchpoint, base_url: str) -> Attachment:
    data = invitation_ics(touchpoint, None)
    return Attachment("invitation.ics", "text/calendar; method=REQUEST",
                      base64.b64encode(data).decode("ascii"))
