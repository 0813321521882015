"""Whether this installation holds generated demo data, so the UI can say so."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from engage.directory.models import Organisation


def demo_loaded(session: Session) -> bool:
    return bool(session.scalar(select(exists().where(Organisation.is_demo.is_(True)))))
