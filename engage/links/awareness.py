""""Did you know about this service before today?": one tap, no cookie, no log-in.

The question's form carries its own signed, short-lived token (service, link when the visit
came from a code, and the UK day) instead of a CSRF token, because CSRF needs the session
cookie and this page sets none. The answer route is therefore CSRF-exempt by design; it is
also rate-limited per address.

Every answer a person gives is counted. The daily visitor key (address and kind of phone) is
shared by colleagues on one practice network with the same kind of phone, so it only holds
back bursts: one answer per key and service within AWARENESS_BURST_MINUTES (a double tap, a
refresh). The page's own script hides the question on a device that has answered (a
`localStorage` note, never sent here), which is what stops one person answering every visit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import case, delete, func, select

from engage.catalogue.models import Service
from engage.database import DbSession
from engage.links.codes import normalise
from engage.links.devices import device_family
from engage.links.models import AwarenessAnswer, AwarenessBurst, ShortLink
from engage.links.upsert import dialect_insert
from engage.links.visitors import salt_for, visitor_key
from engage.timezone import uk_day

TOKEN_MAX_AGE = 2 * 60 * 60  # seconds: time to read the page, too short to be worth replaying
_SALT = "engage.links.awareness"


class AwarenessError(ValueError):
    """An answer that cannot be taken, with a message for the reader."""


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=_SALT)


def link_for_visit(session: DbSession, service: Service, via: str | None) -> ShortLink | None:
    """The live link a visit came through, if `via` names one that points at this service."""
    code = normalise(via or "")
    if code is None:
        return None
    return session.scalar(select(ShortLink).where(
        ShortLink.code == code, ShortLink.service_id == service.id,
        ShortLink.retired_at.is_(None)))


def make_token(secret_key: str, service: Service, link: ShortLink | None, now: datetime) -> str:
    return str(_serializer(secret_key).dumps(
        {"s": service.id, "l": link.id if link else None, "d": uk_day(now).isoformat(),
         "t": int(now.timestamp())}))


@dataclass(frozen=True)
class TokenData:
    service_id: int
    link_id: int | None


def read_token(secret_key: str, token: str, service: Service, now: datetime) -> TokenData:
    """The token's contents, if it is genuine, fresh, and for this service."""
    try:
        data = _serializer(secret_key).loads(token[:1000])
    except BadSignature:
        raise AwarenessError("This answer could not be read. Reload the page and answer "
                             "again.") from None
    if not isinstance(data, dict) or data.get("s") != service.id:
        raise AwarenessError("This answer was for another page. Reload the page and answer "
                             "again.")
    issued = data.get("t")
    if not isinstance(issued, int) or not 0 <= now.timestamp() - issued <= TOKEN_MAX_AGE:
        raise AwarenessError("This question has been open too long. Reload the page and "
                             "answer again.")
    link_id = data.get("l")
    return TokenData(service_id=service.id, link_id=link_id if isinstance(link_id, int) else None)


def parse_answer(raw: str | None) -> bool:
    if raw == "yes":
        return True
    if raw == "no":
        return False
    raise AwarenessError("Choose yes or no.")


@dataclass(frozen=True)
class Recorded:
    """What became of an answer: stored, or held back as a repeat from the same visitor key."""

    stored: bool
    wait_seconds: int = 0  # when held back: until this key may answer for the service again


def _claim_burst(session: DbSession, service_id: int, key: str, now: datetime,
                 window: timedelta) -> bool:
    """Take this key's turn for the service, unless it had one within `window`.

    One INSERT ... ON CONFLICT DO UPDATE ... WHERE under the row's lock, so two answers
    arriving at once cannot both take it; RETURNING gives a row only when the turn was taken.
    """
    connection = session.connection()
    table = AwarenessBurst.__table__
    insert = dialect_insert(connection.dialect.name, table).values(
        service_id=service_id, visitor_key=key, last_at=now)
    statement = insert.on_conflict_do_update(
        index_elements=["service_id", "visitor_key"],
        set_={"last_at": insert.excluded.last_at},
        where=table.c.last_at <= now - window,
    ).returning(table.c.service_id)
    return bool(connection.execute(statement).all())


def record_answer(
    session: DbSession,
    service: Service,
    token: TokenData,
    knew_before: bool,
    *,
    address: str | None,
    user_agent: str | None,
    now: datetime,
    burst: timedelta,
) -> Recorded:
    """Store the answer, unless the same visitor key answered for this service within `burst`."""
    day = uk_day(now)
    key = visitor_key(salt_for(session, day), address, device_family(user_agent))
    session.execute(delete(AwarenessBurst).where(AwarenessBurst.last_at <= now - burst))
    if not _claim_burst(session, service.id, key, now, burst):
        last = session.scalar(select(AwarenessBurst.last_at).where(
            AwarenessBurst.service_id == service.id, AwarenessBurst.visitor_key == key))
        left = (last + burst - now).total_seconds() if last is not None else 0
        return Recorded(stored=False, wait_seconds=max(1, math.ceil(left)))
    organisation_id = None
    link_id = None
    if token.link_id is not None:
        link = session.get(ShortLink, token.link_id)
        if link is not None and link.service_id == service.id:
            link_id, organisation_id = link.id, link.organisation_id
    session.add(AwarenessAnswer(
        service_id=service.id, link_id=link_id, organisation_id=organisation_id,
        knew_before=knew_before, at=now, day=day, visitor_key=key))
    session.flush()
    return Recorded(stored=True)


@dataclass(frozen=True)
class AwarenessTally:
    answers: int
    knew: int

    @property
    def percent_knew(self) -> int | None:
        return round(100 * self.knew / self.answers) if self.answers else None


def tally(session: DbSession, *conditions: object) -> AwarenessTally:
    """Answers and how many knew already, for the answers matching `conditions`."""
    answers, knew = session.execute(
        select(func.count(AwarenessAnswer.id),
               func.coalesce(func.sum(case((AwarenessAnswer.knew_before, 1), else_=0)), 0))
        .where(*conditions)  # type: ignore[arg-type]
    ).one()
    return AwarenessTally(answers=int(answers), knew=int(knew))
