"""Pages that list many rows run the same number of queries for five times the rows.

A query per row (an N+1) is invisible with the handful of rows most tests make and slow with
a real directory; each page here is loaded with N rows and with 5N, and must not notice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from engage.audit.log import record_event
from engage.auth.models import Role
from engage.extensions import db
from tests.factories import (
    make_bulletin,
    make_bulletin_template,
    make_campaign,
    make_contact,
    make_engagement,
    make_mailbox_message,
    make_organisation,
    make_outbox_message,
    make_referral,
    make_service,
    make_short_link,
    make_touchpoint,
    make_uptake_batch,
)

N = 3


def _organisations(count: int, _context: dict[str, Any]) -> None:
    for _ in range(count):
        make_contact(make_organisation())


def _contacts(count: int, context: dict[str, Any]) -> None:
    organisation = context.setdefault("organisation", make_organisation())
    for _ in range(count):
        make_contact(organisation)


def _touchpoints(count: int, context: dict[str, Any]) -> None:
    campaign = context.setdefault("campaign", make_campaign())
    for _ in range(count):
        touchpoint = make_touchpoint(campaign)
        make_engagement(touchpoint=touchpoint)


def _reach(count: int, context: dict[str, Any]) -> None:
    touchpoint = context.setdefault("touchpoint", make_touchpoint(make_campaign()))
    for _ in range(count):
        make_engagement(touchpoint=touchpoint,
                        occurred_at=datetime(2021, 9, 14, 11, 30, tzinfo=UTC))


def _links(count: int, context: dict[str, Any]) -> None:
    service = context.setdefault("service", make_service())
    for _ in range(count):
        make_short_link(service=service)


def _outbox(count: int, _context: dict[str, Any]) -> None:
    for _ in range(count):
        make_outbox_message()


def _mailbox(count: int, _context: dict[str, Any]) -> None:
    for _ in range(count):
        make_mailbox_message()


def _audit(count: int, _context: dict[str, Any]) -> None:
    for n in range(count):
        record_event(db.session, None, "test.event", f"Event {n}")


def _batches(count: int, _context: dict[str, Any]) -> None:
    for _ in range(count):
        make_referral(batch_id=make_uptake_batch().id)


def _bulletins(count: int, context: dict[str, Any]) -> None:
    from engage.messaging.sends import bulletin_ref
    from engage.reminders.models import BulletinStatus

    campaign = context.setdefault("campaign", make_campaign())
    for _ in range(count):
        bulletin = make_bulletin(campaign, status=BulletinStatus.SENT,
                                 sent_at=datetime(2021, 9, 14, 11, 30, tzinfo=UTC))
        make_outbox_message(kind="bulletin", send_ref=bulletin_ref(bulletin.id))


def _bulletin_templates(count: int, _context: dict[str, Any]) -> None:
    for _ in range(count):
        make_bulletin_template()


def _path(template: str) -> Callable[[dict[str, Any]], str]:
    def path(context: dict[str, Any]) -> str:
        return template.format(**{k: getattr(v, "ods_code", None) or v.id
                                  for k, v in context.items()})
    return path


PAGES = [
    # (name, role, add rows, path)
    ("directory", Role.MANAGER, _organisations, _path("/directory/")),
    ("contacts", Role.MANAGER, _contacts, _path("/directory/organisations/{organisation}")),
    ("touchpoints", Role.MANAGER, _touchpoints, _path("/campaigns/touchpoints/")),
    ("campaign", Role.MANAGER, _touchpoints, _path("/campaigns/{campaign}")),
    ("campaign bulletins", Role.MANAGER, _bulletins, _path("/campaigns/{campaign}")),
    ("bulletin templates", Role.MANAGER, _bulletin_templates, _path("/reminders/templates")),
    ("touchpoint", Role.MANAGER, _reach, _path("/campaigns/touchpoints/{touchpoint}")),
    ("reach", Role.MANAGER, _reach, _path("/campaigns/touchpoints/{touchpoint}/reach")),
    ("links", Role.MANAGER, _links, _path("/links/")),
    ("outbox", Role.ADMIN, _outbox, _path("/outbox")),
    ("mailbox", Role.ADMIN, _mailbox, _path("/mailbox")),
    ("audit", Role.ADMIN, _audit, _path("/admin/audit")),
    ("uptake batches", Role.MANAGER, _batches, _path("/uptake/batches")),
    ("uptake", Role.MANAGER, _batches, _path("/uptake")),
]


@pytest.mark.parametrize(("add_rows", "role", "path"),
                         [pytest.param(add, role, path, id=name)
                          for name, role, add, path in PAGES])
def test_a_list_page_runs_as_many_queries_for_five_times_the_rows(app, login, count_queries,
                                                                   add_rows, role, path):
    client = login(role)
    context: dict[str, Any] = {}
    counts = []
    for extra in (N, 4 * N):  # N rows, then 5N in all
        add_rows(extra, context)
        db.session.commit()
        db.session.expire_all()
        url = path(context)
        assert client.get(url).status_code == 200  # warm: the day's caches, the salt
        with count_queries() as counted:
            response = client.get(url)
        assert response.status_code == 200, url
        counts.append(counted.count)
    assert counts[0] == counts[1], (
        f"{counts[0]} queries for {N} rows but {counts[1]} for {5 * N}: a query per row")
