"""Every delete asks on its own page first, deletes only on the POST and leaves an audit row.

The POST needing a CSRF token is checked for every route in test_access.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from engage.audit.models import AuditEvent
from engage.auth.models import Role
from engage.campaigns.models import CampaignTarget
from engage.database import utcnow
from engage.directory.localities import add_rules
from engage.directory.models import Contact, LocalityRule, LocalityRuleKind
from engage.extensions import db
from engage.reminders.models import BulletinTemplate, ReminderRule
from tests.factories import (
    make_bulletin_template,
    make_campaign,
    make_campaign_target,
    make_contact,
    make_locality,
    make_organisation,
)
from tests.reminders.support import rule, webinar


def contact_case() -> dict[str, Any]:
    org = make_organisation(name="Fen Surgery")
    contact = make_contact(org, name="Ann Lee", email="ann@example.org")
    db.session.commit()
    return {"url": f"/directory/contacts/{contact.id}/delete", "model": Contact,
            "id": contact.id, "shows": ["the contact Ann Lee", "ann@example.org", "Fen Surgery"],
            "back": f"/directory/organisations/{org.ods_code}",
            "action": "directory.contact_delete",
            "missing": "/directory/contacts/999999/delete"}


def target_case() -> dict[str, Any]:
    campaign = make_campaign(name="Winter flu")
    target = make_campaign_target(campaign, target_count=12)
    db.session.commit()
    return {"url": f"/campaigns/{campaign.id}/targets/{target.id}/remove",
            "model": CampaignTarget, "id": target.id,
            "shows": ["this target", "Winter flu", "12"],
            "back": f"/campaigns/{campaign.id}#targets", "action": "campaigns.target_delete",
            "missing": f"/campaigns/{campaign.id}/targets/999999/remove"}


def rule_case() -> dict[str, Any]:
    fens = make_locality("Fens")
    rule = add_rules(db.session, LocalityRuleKind.POSTCODE_DISTRICT, ["PE13"], fens)[0]
    db.session.commit()
    return {"url": f"/directory/localities/rules/{rule.id}/delete", "model": LocalityRule,
            "id": rule.id, "shows": ["the rule PE13", "Fens"],
            "back": "/directory/localities", "action": "directory.rule_delete",
            "missing": "/directory/localities/rules/999999/delete"}


def reminder_case() -> dict[str, Any]:
    touchpoint = webinar(utcnow() + timedelta(days=3), organisations=1, title="Flu webinar")
    made = rule(touchpoint)
    db.session.commit()
    return {"url": f"/reminders/rules/{made.id}/remove", "model": ReminderRule, "id": made.id,
            "shows": ["remove this rule", "Flu webinar", "stays on record"],
            "back": f"/campaigns/touchpoints/{touchpoint.id}#reminders",
            "action": "reminders.rule_remove", "missing": "/reminders/rules/999999/remove"}


def bulletin_template_case() -> dict[str, Any]:
    template = make_bulletin_template(name="Monthly pharmacy news", subject="Pharmacy news")
    db.session.commit()
    return {"url": f"/reminders/templates/{template.id}/delete", "model": BulletinTemplate,
            "id": template.id, "shows": ["the template Monthly pharmacy news", "Pharmacy news"],
            "back": "/reminders/templates", "action": "reminders.template_delete",
            "missing": "/reminders/templates/999999/delete"}


CASES = pytest.mark.parametrize(
    "make", [contact_case, target_case, rule_case, reminder_case, bulletin_template_case],
    ids=["contact", "target", "locality-rule", "reminder-rule", "bulletin-template"])


def still_there(case: dict[str, Any]) -> bool:
    db.session.expire_all()
    found = db.session.get(case["model"], case["id"])
    # A reminder rule is removed but kept on record, marked with when.
    return found is not None and getattr(found, "removed_at", None) is None


@CASES
def test_the_page_says_what_will_be_lost_and_deletes_nothing(app, manager_client, make):
    case = make()
    response = manager_client.get(case["url"])
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Are you sure you want to" in page and "This cannot be undone" in page
    for words in case["shows"]:
        assert words in page, words
    assert "nhsuk-button--warning" in page
    assert f'href="{case["back"]}">Cancel</a>' in page
    assert still_there(case)


@CASES
def test_cancel_leads_back_and_leaves_it(app, manager_client, make):
    case = make()
    manager_client.get(case["url"])
    assert manager_client.get(case["back"].split("#")[0]).status_code == 200
    assert still_there(case)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == case["action"])) == 0


@CASES
def test_the_post_deletes_and_is_audited(app, manager_client, make):
    case = make()
    response = manager_client.post(case["url"])
    assert response.status_code == 302
    assert response.headers["Location"].split("#")[0] == case["back"].split("#")[0]
    assert not still_there(case)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == case["action"]))
    assert event is not None and event.actor_id is not None


@CASES
def test_steering_may_neither_see_nor_delete(app, login, make):
    case = make()
    client = login(Role.STEERING)
    assert client.get(case["url"]).status_code == 403
    assert client.post(case["url"]).status_code == 403
    assert still_there(case)


@CASES
def test_an_unknown_id_is_not_found(app, manager_client, make):
    case = make()
    assert manager_client.get(case["missing"]).status_code == 404

