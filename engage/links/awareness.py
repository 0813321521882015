""""Did you know about this service before today?": one tap, no cookie, no log-in.

The question's form carries its own signed, short-lived token (service, link when the visit
came from a code, and the UK day) instead of a CSRF token, because CSRF needs the session
cookie and this page sets none. The answer route is therefore CSRF-exempt by design; it is
also rate-limited per address. One answer per visitor key, service and UK day is stored: a
second answer that day is not stored, and the page says the first one was kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import case, func, select

from engage.catalogue.models import Service
from engage.database import DbSession
from engage.links.codes import normalise
from engage.links.devices import device_family
from engage.links.models import AwarenessAnswer, ShortLink
from engage.links.upsert import insert_ignoring_conflicts
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


def record_answer(
    session: DbSession,
    service: Service,
    token: TokenData,
    knew_before: bool,
    *,
    address: str | None,
    user_agent: str | None,
    now: datetime,
) -> bool:
    """Store the answer; False when this visitor already answered for this service today."""
    day = uk_day(now)
    organisation_id = None
    link_id = None
    if token.link_id is not None:
        link = session.get(ShortLink, token.link_id)
        if link is not None and link.service_id == service.id:
            link_id, organisation_id = link.id, link.organisation_id
    key = visitor_key(salt_for(session, day), address, device_family(user_agent))
    inserted = insert_ignoring_conflicts(
        session, AwarenessAnswer,
        [{"service_id": service.id, "link_id": link_id, "organisation_id": organisation_id,
          "knew_before": knew_before, "at": now, "day": day, "visitor_key": key}],
        ["service_id", "day", "visitor_key"],
    )
    return bool(inserted)


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
