"""A send's report: what happened to its messages, from the outbox, SendGrid's events and
engage's own click records, overall, by locality, by kind of organisation and per link.

Test messages (`is_test`) count nowhere. Each figure counts messages (one per recipient), so a
person opening an email five times is one open. The whole report is five queries whatever the
size of the send (its messages, their events, unsubscribes by link, its links, their clicks),
folded into figures here in one pass over the rows.

What the figures can and cannot see is said next to them (`CAVEATS`): opens are a floor,
and machine opens and scanner clicks are counted apart rather than dropped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select

from engage.database import DbSession
from engage.directory.models import Contact, Locality, Organisation
from engage.links.models import Medium, ShortLink
from engage.messaging.clicks import SCANNER_SECONDS
from engage.messaging.events import tracked_code
from engage.messaging.models import EmailClick, EmailEvent, OutboxMessage, OutboxStatus

# Statuses as the report groups them: queued and sending are both still waiting.
STATUS_GROUPS = {
    OutboxStatus.SENT: "sent", OutboxStatus.FAILED: "failed",
    OutboxStatus.SUPPRESSED: "suppressed", OutboxStatus.WITHDRAWN: "withdrawn",
    OutboxStatus.QUEUED: "waiting", OutboxStatus.SENDING: "waiting",
}
STATUS_NAMES = ("sent", "failed", "suppressed", "withdrawn", "waiting")
# An unsubscribe by engage's own link (which names no message) counts for a send when it
# came within this long after the message to that address went out.
UNSUBSCRIBE_WINDOW = timedelta(days=7)
EVENTS = ("delivered", "bounce", "dropped", "open", "click", "unsubscribe",
          "group_unsubscribe", "spamreport")
NO_LOCALITY = "No locality"
NO_ORGANISATION = "No organisation"

CAVEATS = {
    "delivered": "Delivered is what SendGrid reported: the receiving server took the message. "
                 "The local mailbox backend reports nothing, so it stays at none there.",
    "opens": "Opens are a floor: when images are blocked no open is seen. Apple Mail opens "
             "every message for privacy, and those are counted apart as machine opens.",
    "clicks": "Clicks count people who followed a link at least once. Mail servers that "
              "check every link on arrival (link scanners) are counted apart as machine "
              "clicks: a click within seconds of sending, a HEAD request or a known "
              "scanner's browser name.",
    "unsubscribes": "Unsubscribes by the link in our emails count for this send when they "
                    f"came within {UNSUBSCRIBE_WINDOW.days} days of it.",
    "rates": "Rates are out of the messages delivered, except delivered and bounced, which "
             "are out of the messages sent.",
}


@dataclass
class Figures:
    """One row of the report: a send, or the part of it in one locality or kind."""

    name: str = ""
    recipients: int = 0
    statuses: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUS_NAMES, 0))
    delivered: int = 0
    bounced: int = 0
    human_opens: int = 0
    machine_opens: int = 0
    human_clicks: int = 0
    machine_clicks: int = 0
    unsubscribes: int = 0
    spam_reports: int = 0

    def rate(self, count: int) -> float | None:
        """`count` as a share of the delivered messages; None when nothing was delivered."""
        return count / self.delivered if self.delivered else None

    def rate_of_sent(self, count: int) -> float | None:
        """`count` as a share of the messages sent; None when nothing was sent."""
        sent = self.statuses["sent"]
        return count / sent if sent else None

    @property
    def no_rate_reason(self) -> str:
        """Why a rate cannot be given yet, in words."""
        if not self.statuses["sent"]:
            return "not enough sends yet"
        return "no delivery events yet"

    def add(self, facts: _Facts) -> None:
        self.recipients += 1
        self.statuses[facts.status] += 1
        self.delivered += facts.delivered
        self.bounced += facts.bounced
        self.human_opens += facts.human_open
        self.machine_opens += facts.machine_open
        self.human_clicks += facts.human_click
        self.machine_clicks += facts.machine_click
        self.unsubscribes += facts.unsubscribed
        self.spam_reports += facts.spam


@dataclass
class LinkFigures:
    link_id: int
    code: str
    target_url: str
    human_clicks: int = 0
    machine_clicks: int = 0
    organisations: int = 0


@dataclass
class Report:
    ref: str
    title: str
    total: Figures
    by_locality: list[Figures]
    by_kind: list[Figures]
    links: list[LinkFigures]
    tests: int  # test messages left out
    first_sent: datetime | None
    last_sent: datetime | None
    caveats: dict[str, str] = field(default_factory=lambda: dict(CAVEATS))


@dataclass
class _Facts:
    """What happened to one message, as 0/1 flags (a message counts once per figure)."""

    status: str
    sent_at: datetime | None
    locality: str
    kind: str
    email: str
    delivered: int = 0
    bounced: int = 0
    human_open: int = 0
    machine_open: int = 0
    human_click: int = 0
    machine_click: int = 0
    unsubscribed: int = 0
    spam: int = 0


def send_messages(ref: str) -> Any:
    """The ids of a send's counted messages (test sends left out), as a subquery."""
    return select(OutboxMessage.id).where(OutboxMessage.send_ref == ref,
                                          OutboxMessage.is_test.is_(False))


def _is_machine_open(detail: Any) -> bool:
    value = detail.get("sg_machine_open") if isinstance(detail, dict) else None
    return value in (True, 1, "true", "True", "1")


def build_report(session: DbSession, ref: str, title: str) -> Report:
    """The report of one send (its reference already checked)."""
    facts, tests = _messages(session, ref)
    _apply_events(session, ref, facts)
    _apply_link_unsubscribes(session, ref, facts)
    links = _apply_clicks(session, ref, facts)
    for fact in facts.values():
        # An open or a click shows the message arrived, even if "delivered" never came.
        if not fact.bounced and (fact.human_open or fact.machine_open or fact.human_click
                                 or fact.machine_click):
            fact.delivered = 1
    total = Figures(name="All recipients")
    localities: dict[str, Figures] = {}
    kinds: dict[str, Figures] = {}
    for fact in facts.values():
        total.add(fact)
        localities.setdefault(fact.locality, Figures(name=fact.locality)).add(fact)
        kinds.setdefault(fact.kind, Figures(name=fact.kind)).add(fact)
    sent = [f.sent_at for f in facts.values() if f.sent_at is not None]
    return Report(ref=ref, title=title, total=total, by_locality=_ordered(localities),
                  by_kind=_ordered(kinds), links=links, tests=tests,
                  first_sent=min(sent) if sent else None, last_sent=max(sent) if sent else None)


def _ordered(groups: dict[str, Figures]) -> list[Figures]:
    """Named groups by name, the "no locality"/"no organisation" rows last."""
    return sorted(groups.values(),
                  key=lambda f: (f.name in (NO_LOCALITY, NO_ORGANISATION), f.name.lower()))


def _messages(session: DbSession, ref: str) -> tuple[dict[int, _Facts], int]:
    """Every message of the send with its organisation's locality and kind (one query)."""
    m = OutboxMessage
    org_id = func.coalesce(m.organisation_id, Contact.organisation_id)
    rows = session.execute(
        select(m.id, m.status, m.sent_at, m.to_email, m.is_test, Organisation.id,
               Organisation.kind, Locality.name)
        .outerjoin(Contact, Contact.id == m.contact_id)
        .outerjoin(Organisation, Organisation.id == org_id)
        .outerjoin(Locality, Locality.id == Organisation.locality_id)
        .where(m.send_ref == ref)).all()
    facts: dict[int, _Facts] = {}
    tests = 0
    for id_, status, sent_at, email, is_test, org, kind, locality in rows:
        if is_test:
            tests += 1
            continue
        facts[id_] = _Facts(
            status=STATUS_GROUPS.get(status, "waiting"), sent_at=sent_at,
            locality=locality or (NO_LOCALITY if org is not None else NO_ORGANISATION),
            kind=kind.label if kind is not None else NO_ORGANISATION,
            email=(email or "").lower())
    return facts, tests


def _apply_events(session: DbSession, ref: str, facts: dict[int, _Facts]) -> None:
    """SendGrid's events for the send's messages (one query)."""
    rows = session.execute(
        select(EmailEvent.outbox_message_id, EmailEvent.event, EmailEvent.occurred_at,
               EmailEvent.detail)
        .where(EmailEvent.outbox_message_id.in_(send_messages(ref)),
               EmailEvent.event.in_(EVENTS))).all()
    codes = set(session.scalars(select(ShortLink.code).where(
        ShortLink.send_ref == ref, ShortLink.medium == Medium.EMAIL)))
    for message_id, event, occurred_at, detail in rows:
        fact = facts.get(message_id)
        if fact is None:
            continue
        if event == "delivered":
            fact.delivered = 1
        elif event in ("bounce", "dropped"):
            fact.bounced = 1
        elif event == "open":
            if _is_machine_open(detail):
                fact.machine_open = 1
            else:
                fact.human_open = 1
        elif event == "click":
            _sendgrid_click(fact, occurred_at, detail, codes)
        elif event in ("unsubscribe", "group_unsubscribe"):
            fact.unsubscribed = 1
        elif event == "spamreport":
            fact.spam = 1


def _sendgrid_click(fact: _Facts, occurred_at: datetime, detail: Any, codes: set[str]) -> None:
    """A click SendGrid saw: on our own tracked link it is already counted (by `_apply_clicks`),
    else a person's unless it came within seconds of sending."""
    detail = detail if isinstance(detail, dict) else {}
    if detail.get("engage_link") or tracked_code(detail.get("url")) in codes:
        return
    soon = (fact.sent_at is not None and occurred_at is not None
            and occurred_at - fact.sent_at <= timedelta(seconds=SCANNER_SECONDS))
    if soon:
        fact.machine_click = 1
    else:
        fact.human_click = 1


def _apply_link_unsubscribes(session: DbSession, ref: str, facts: dict[int, _Facts]) -> None:
    """Unsubscribes by our link from the send's addresses, soon after it (one query)."""
    rows = session.execute(
        select(EmailEvent.email, EmailEvent.occurred_at).where(
            EmailEvent.source == "link", EmailEvent.event == "unsubscribe",
            EmailEvent.email.in_(select(func.lower(OutboxMessage.to_email)).where(
                OutboxMessage.send_ref == ref, OutboxMessage.is_test.is_(False))))).all()
    when: dict[str, list[datetime]] = defaultdict(list)
    for email, occurred_at in rows:
        when[email].append(occurred_at)
    for fact in facts.values():
        if fact.sent_at is None or fact.email not in when:
            continue
        if any(fact.sent_at <= at <= fact.sent_at + UNSUBSCRIBE_WINDOW for at in when[fact.email]):
            fact.unsubscribed = 1


def _apply_clicks(session: DbSession, ref: str, facts: dict[int, _Facts]) -> list[LinkFigures]:
    """Engage's own click records: per message, and per link (two queries)."""
    links = {id_: LinkFigures(id_, code, target or "") for id_, code, target in session.execute(
        select(ShortLink.id, ShortLink.code, ShortLink.target_url).where(
            ShortLink.send_ref == ref, ShortLink.medium == Medium.EMAIL)
        .order_by(ShortLink.id))}
    if not links:
        return []
    rows = session.execute(
        select(EmailClick.link_id, EmailClick.outbox_message_id, EmailClick.organisation_id,
               EmailClick.human)
        .outerjoin(OutboxMessage, OutboxMessage.id == EmailClick.outbox_message_id)
        .where(EmailClick.link_id.in_(list(links)),
               or_(EmailClick.outbox_message_id.is_(None),
                   and_(OutboxMessage.is_test.is_(False), OutboxMessage.send_ref == ref)))
    ).all()
    organisations: dict[int, set[int]] = defaultdict(set)
    for link_id, message_id, organisation_id, human in rows:
        link = links[link_id]
        fact = facts.get(message_id) if message_id is not None else None
        if human:
            link.human_clicks += 1
            if organisation_id is not None:
                organisations[link_id].add(organisation_id)
            if fact is not None:
                fact.human_click = 1
        else:
            link.machine_clicks += 1
            if fact is not None:
                fact.machine_click = 1
    for link_id, orgs in organisations.items():
        links[link_id].organisations = len(orgs)
    return sorted(links.values(), key=lambda link: (-link.human_clicks, link.link_id))


# --- CSV ---------------------------------------------------------------------------------------

CSV_HEADER = ("Section", "Name", "Recipients", "Sent", "Failed", "Suppressed", "Withdrawn",
              "Waiting", "Delivered", "Bounced", "Human opens", "Machine opens",
              "Human clicks", "Machine clicks", "Unsubscribes", "Spam reports",
              "Open rate (% of delivered)", "Click rate (% of delivered)")
LINK_HEADER = ("Section", "Link", "Short code", "Human clicks", "Machine clicks",
               "Organisations")


def _percent(figures: Figures, count: int) -> str | float:
    rate = figures.rate(count)
    return figures.no_rate_reason if rate is None else round(rate * 100, 1)


def _figure_row(section: str, figures: Figures) -> list[Any]:
    return [section, figures.name, figures.recipients,
            *(figures.statuses[name] for name in STATUS_NAMES),
            figures.delivered, figures.bounced, figures.human_opens, figures.machine_opens,
            figures.human_clicks, figures.machine_clicks, figures.unsubscribes,
            figures.spam_reports, _percent(figures, figures.human_opens),
            _percent(figures, figures.human_clicks)]


def csv_rows(report: Report) -> Iterator[Iterable[Any]]:
    """The report's figures as CSV rows: the same numbers as the page, then the links."""
    yield ("Send", report.title)
    yield ("Reference", report.ref)
    yield ()
    yield CSV_HEADER
    yield _figure_row("All", report.total)
    for figures in report.by_locality:
        yield _figure_row("Locality", figures)
    for figures in report.by_kind:
        yield _figure_row("Kind of organisation", figures)
    yield ()
    yield LINK_HEADER
    for link in report.links:
        yield ("Link", link.target_url, link.code, link.human_clicks, link.machine_clicks,
               link.organisations)
    yield ()
    for caveat in report.caveats.values():
        yield ("Note", caveat)
