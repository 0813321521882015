"""Queueing a whole send at once: the same rows as one by one, each check once per batch."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from flask import template_rendered
from sqlalchemy import event, func, insert, select

from engage.directory.models import SuppressionReason
from engage.extensions import db
from engage.messaging import tracking
from engage.messaging.models import OutboxMessage, OutboxStatus, UnsubscribeToken
from engage.messaging.outbox import (
    AddressCheck,
    Email,
    EmailTemplateError,
    existing_keys,
    queue_email,
    queue_many,
)
from engage.messaging.suppression import refusals_for, suppress, why_not_send
from engage.messaging.unsubscribe import token_ids_for, unsubscribe_url, url_maker
from tests.factories import make_contact
from tests.messaging.conftest import NOW

BODY_HTML = '<h2>Winter</h2><p>Book at https://example.org/book.</p>'


def bulletin_email(key: str, to: str, *, name: str = "", contact_id: int | None = None,
                   bulletin: Any = None, **overrides: Any) -> Email:
    """A bulletin as a send builds it: one shared bulletin, the recipient's own details."""
    bulletin = bulletin or SimpleNamespace(subject="Winter support")
    values: dict[str, Any] = {
        "idempotency_key": key, "to_email": to, "template": "bulletin", "kind": "bulletin",
        "to_name": name, "contact_id": contact_id, "send_ref": "bulletin:7",
        "context": {"bulletin": bulletin, "recipient": SimpleNamespace(name=name),
                    "organisation_name": f"Org of {name}", "body_html": BODY_HTML,
                    "body_text": "Book at https://example.org/book."},
    }
    values.update(overrides)
    return Email(**values)


@pytest.fixture()
def renders(app):  # type: ignore[no-untyped-def]
    """The names of the templates rendered, in order."""
    seen: list[str] = []

    def record(sender: Any, template: Any, context: Any, **extra: Any) -> None:
        seen.append(template.name)

    template_rendered.connect(record, app)
    yield seen
    template_rendered.disconnect(record, app)


def test_a_mixed_batch_writes_each_key_once_with_the_right_status(app):
    queue_email(db.session, bulletin_email("b:0", "early@example.org"), now=NOW)
    refused = make_contact(do_not_email=True)
    suppress(db.session, "bounced@example.org", SuppressionReason.HARD_BOUNCE, now=NOW,
             source="webhook")
    bulletin = SimpleNamespace(subject="Winter support")
    done = queue_many(db.session, [
        bulletin_email("b:0", "early@example.org", bulletin=bulletin),  # queued before
        bulletin_email("b:1", "Pat@Example.org", bulletin=bulletin),
        bulletin_email("b:2", refused.email, contact_id=refused.id, bulletin=bulletin),
        bulletin_email("b:3", "bounced@example.org", bulletin=bulletin),
        bulletin_email("b:4", "not an address", bulletin=bulletin),
        bulletin_email("b:1", "pat@example.org", bulletin=bulletin),  # twice in the batch
    ], now=NOW, with_ids=True)
    assert dict(done.counts) == {"queued": 1, "suppressed": 2, "failed": 1}
    assert done.already == ["b:0", "b:1"] and done.queued == 1 and len(done.ids) == 4
    rows = {m.idempotency_key: m for m in db.session.scalars(select(OutboxMessage))}
    assert set(rows) == {"b:0", "b:1", "b:2", "b:3", "b:4"}
    assert rows["b:1"].to_email == "Pat@example.org"  # normalised as queue_email does
    assert rows["b:2"].last_error == "The contact is marked do not email."
    assert "hard bounce" in rows["b:3"].last_error
    assert rows["b:4"].status is OutboxStatus.FAILED
    assert "Invalid recipient address 'not an address'" in rows["b:4"].last_error
    assert len({m.click_token for m in rows.values()}) == 5


def test_batch_output_is_byte_identical_to_queueing_one_by_one(app, renders):
    contacts = [make_contact(name=f"Person {n}") for n in range(4)]
    bulletin = SimpleNamespace(subject="Winter support")

    def emails(prefix: str) -> list[Email]:
        made = [bulletin_email(f"{prefix}:{c.id}", c.email, name=c.name, contact_id=c.id,
                               bulletin=bulletin) for c in contacts]
        made += [Email(f"{prefix}:nudge:{c.id}", c.email, "nudge", kind="nudge",
                       contact_id=c.id, context={
                           "recipient": SimpleNamespace(name=c.name), "campaign": None,
                           "organisation_name": f"Org {c.id}", "note": ""})
                 for c in contacts[:2]]
        made.append(Email(f"{prefix}:digest", "Manager@example.org", "test", kind="digest",
                          context={"note": "Internal"}))
        return made

    queue_many(db.session, emails("many"), now=NOW)
    # Four bulletins and two nudges: the bulletin's parts once, each nudge's parts each time.
    assert renders.count("email/bulletin.html") == 1
    assert renders.count("email/nudge.html") == 2
    for one in emails("one"):
        queue_email(db.session, one, now=NOW)
    rows = {m.idempotency_key: m for m in db.session.scalars(select(OutboxMessage))}
    fields = ("status", "kind", "to_email", "to_name", "subject", "text_body", "html_body",
              "headers", "last_error", "send_ref", "contact_id", "attachments")

    def compared(message: OutboxMessage) -> list[Any]:
        """Its fields, its own random click token (in its tracked links) written as one mark."""
        values = [getattr(message, f) for f in fields]
        token = message.click_token
        return [v.replace(token, "<token>") if token and isinstance(v, str) else v
                for v in values]

    for key in (k for k in rows if k.startswith("many:")):
        many, one = rows[key], rows["one:" + key.removeprefix("many:")]
        assert compared(many) == compared(one), key


def test_links_are_tracked_once_per_send_and_each_message_gets_its_own_token(app, monkeypatch):
    calls: list[str] = []

    def tracked_parts(session: Any, *, send_ref: str, text: str, html: str,
                      now: Any) -> tuple[str, str]:
        calls.append(send_ref)
        short = "https://s.example/x?m=" + tracking.TOKEN_MARK
        return (text.replace("https://example.org/book", short),
                html.replace('href="https://example.org/book"', f'href="{short}"'))

    monkeypatch.setattr(tracking, "tracked_parts", tracked_parts)
    bulletin = SimpleNamespace(subject="Winter support")
    queue_many(db.session, [bulletin_email(f"t:{n}", f"p{n}@example.org", bulletin=bulletin)
                            for n in range(5)]
               + [bulletin_email("t:test", "me@example.org", bulletin=bulletin, is_test=True)],
               now=NOW)
    assert calls == ["bulletin:7"]
    messages = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.is_test.is_(False))).all()
    assert len(messages) == 5 and len({m.click_token for m in messages}) == 5
    for message in messages:
        assert f'href="https://s.example/x?m={message.click_token}"' in message.html_body
        assert f"https://s.example/x?m={message.click_token}" in message.text_body
        assert tracking.TOKEN_MARK not in message.html_body + message.text_body
    test = db.session.scalars(select(OutboxMessage).where(OutboxMessage.is_test)).one()
    assert "https://example.org/book" in test.html_body  # a test send is not tracked


def test_a_key_queued_meanwhile_by_another_transaction_does_not_fail_the_batch(app,
                                                                              monkeypatch):
    """The unique key refuses the bulk insert; the batch falls back to row by row."""
    real = tracking.tracked_parts

    def meanwhile(session: Any, **kwargs: Any) -> tuple[str, str]:
        # Runs after the batch checked its keys and before it inserts: the race's window.
        if not session.scalar(select(OutboxMessage.id).where(
                OutboxMessage.idempotency_key == "r:2")):
            session.execute(insert(OutboxMessage), [{
                "idempotency_key": "r:2", "status": OutboxStatus.QUEUED, "to_email":
                "other@example.org", "subject": "Other", "text_body": "Other"}])
        return real(session, **kwargs)

    monkeypatch.setattr(tracking, "tracked_parts", meanwhile)
    done = queue_many(db.session, [bulletin_email(f"r:{n}", f"p{n}@example.org")
                                   for n in range(4)], now=NOW)
    assert done.queued == 3 and done.already == ["r:2"]
    assert db.session.scalar(select(OutboxMessage.subject).where(
        OutboxMessage.idempotency_key == "r:2")) == "Other"
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 4


def test_a_template_that_fails_writes_nothing_for_the_whole_batch(app):
    emails = [bulletin_email("f:1", "a@example.org"),
              Email("f:2", "b@example.org", "no_such_template", kind="bulletin")]
    with pytest.raises(EmailTemplateError, match="'no_such_template' is missing"):
        queue_many(db.session, emails, now=NOW)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert db.session.scalar(select(func.count()).select_from(UnsubscribeToken)) == 0


def test_checks_for_70000_keys_split_below_every_databases_parameter_limit(app):
    """PostgreSQL takes at most 65,535 bound parameters a statement, SQLite 32,766."""
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    keys = [f"bulk:{n}" for n in range(70_000)]
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert existing_keys(db.session, keys) == set()
        assert set(refusals_for(db.session, [(f"p{n}@example.org", n + 1)
                                             for n in range(70_000)])) == {None}
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert sum("outbox_message" in s for s in statements) == 14
    assert sum("FROM contact" in s for s in statements) == 14


def test_a_long_suppression_list_is_looked_up_in_chunks_a_short_one_read_whole(app):
    from engage.messaging.models import Suppression

    db.session.execute(insert(Suppression), [
        {"email": f"gone{n}@example.org", "reason": SuppressionReason.HARD_BOUNCE,
         "source": "test", "note": "", "created_at": NOW} for n in range(6_000)])
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        few = refusals_for(db.session, [(f"gone{n}@example.org", None) for n in range(5_500)])
        many = refusals_for(db.session, [(f"Gone{n}@example.org", None) for n in range(7_000)])
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert all(few) and all(many[:6_000]) and not any(many[6_000:])
    lookups = [s for s in statements if "FROM suppression" in s]
    assert len(lookups) == 3 + 2  # the count and two chunks; then the count and the list
    assert "WHERE" not in lookups[-1]


def test_refusals_for_many_agree_with_why_not_send(app):
    refused = make_contact(do_not_email=True)
    fine = make_contact()
    suppress(db.session, "gone@example.org", SuppressionReason.UNSUBSCRIBED, now=NOW,
             source="link")
    people = [(refused.email, refused.id), (fine.email, fine.id), ("Gone@Example.org", None),
              ("new@example.org", None), (fine.email, 999_999)]
    assert refusals_for(db.session, people) == [why_not_send(db.session, e, c)
                                                for e, c in people]


@pytest.mark.parametrize("address", [
    "Person.One@Example.ORG", "person.two@example.org", "a+b@nhs.net", "A%B@NHS.NET",
    "x@localhost", "x@example.test", "a..b@example.org", ".a@example.org", "a@b",
    "über@example.org", "a@exämple.org", "  padded@example.org ", "a" * 65 + "@example.org",
    "a@" + "b" * 250 + ".org", "quoted\"@example.org", "name <a@example.org>",
])
def test_the_address_check_answers_as_email_validator_does(app, address):
    from email_validator import EmailNotValidError, validate_email

    check = AddressCheck()
    check("warm.up@example.org")  # the domains are known: the fast answer is the one tested
    check("warm.up@example.ORG")
    check("warm.up@nhs.net")
    try:
        expected = (validate_email(address.strip(), check_deliverability=False).normalized, "")
    except EmailNotValidError:
        expected = None
    got = check(address)
    if expected is None:
        assert got[1].startswith("Invalid recipient address")
    else:
        assert got == expected


def test_unsubscribe_links_made_in_bulk_are_the_ones_made_one_by_one(app):
    addresses = ["one@example.org", "Two@Example.org", "three@example.org"]
    ids = token_ids_for(db.session, addresses, now=NOW)
    assert len(ids) == 3
    url = url_maker(db.session, app.config, ids, now=NOW)
    for address in addresses:
        assert url(address) == unsubscribe_url(db.session, app.config, address, now=NOW)
    assert token_ids_for(db.session, addresses, now=NOW) == ids  # kept, not made again
