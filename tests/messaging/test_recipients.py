"""Contacts record their lawful basis and when they were added; suppression is shown."""

from __future__ import annotations

from engage.directory.models import Contact, LawfulBasis, SuppressionReason
from engage.extensions import db
from engage.messaging.suppression import suppress, unsuppress, why_not_send
from tests.factories import make_contact, make_organisation
from tests.messaging.conftest import NOW


def test_work_contacts_default_to_legitimate_interest_and_record_when_added(app):
    contact = make_contact()
    db.session.commit()
    assert contact.lawful_basis is LawfulBasis.LEGITIMATE_INTEREST
    assert contact.created_at is not None


def test_contact_form_saves_the_lawful_basis(app, manager_client):
    org = make_organisation()
    db.session.commit()
    response = manager_client.post(f"/directory/organisations/{org.ods_code}/contacts/new", data={
        "name": "Pat Lee", "role": "practice_manager", "email": "pat@example.org",
        "lawful_basis": "consent"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    contact = db.session.scalars(db.select(Contact)).one()
    assert contact.lawful_basis is LawfulBasis.CONSENT


def test_suppressed_contact_is_tagged_on_the_organisation_page(app, manager_client):
    contact = make_contact()
    suppress(db.session, contact.email, SuppressionReason.SPAM_REPORT, now=NOW, source="webhook")
    db.session.commit()
    page = manager_client.get(f"/directory/organisations/{contact.organisation.ods_code}")
    assert "Spam report" in page.get_data(as_text=True)


def test_unsuppress_allows_the_address_again_and_is_audited(app):
    contact = make_contact()
    suppress(db.session, contact.email.upper(), SuppressionReason.HARD_BOUNCE, now=NOW,
             source="webhook")
    assert why_not_send(db.session, contact.email, contact.id)
    assert unsuppress(db.session, contact.email, user=None, now=NOW)
    db.session.refresh(contact)
    assert why_not_send(db.session, contact.email, contact.id) is None
    assert not unsuppress(db.session, contact.email, user=None, now=NOW)
