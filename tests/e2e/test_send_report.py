"""A send's report in a real browser: from the outbox's list of sends to the report, at desktop
and phone widths, with the accessibility check."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from engage.auth.models import Role
from engage.database import utcnow
from tests.e2e.helpers import follow_nav, make_signed_up_user, sign_in
from tests.messaging.send_data import build_send

pytestmark = pytest.mark.e2e


@pytest.fixture()
def send(app) -> str:
    ref, _, _ = build_send(utcnow() - timedelta(days=1))
    return ref


def test_manager_reads_a_sends_report_from_the_outbox(app, send, page: Page, check):
    sign_in(page, make_signed_up_user(Role.MANAGER).email)
    follow_nav(page, "Email")
    expect(page.get_by_role("heading", level=1)).to_have_text("Outbox")
    expect(page.get_by_role("table").first).to_contain_text("Bulletin: Winter wellbeing")
    check("outbox")

    page.get_by_role("link", name="Report on Bulletin: Winter wellbeing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bulletin: Winter wellbeing")
    figures = page.locator(".engage-send-figures")
    expect(figures).to_contain_text("Opens are a floor")
    expect(figures).to_contain_text("1 message: 25% of those delivered")
    expect(page.get_by_role("table", name="Links in the email")).to_contain_text(
        "https://example.org/guide")
    check("report")

    page.get_by_role("link", name="See the messages of this send").click()
    expect(page.get_by_role("heading", level=2, name="Messages of Bulletin: Winter wellbeing")
           ).to_be_visible()
    check("messages")


def test_steering_group_reads_a_report_with_nothing_sent_yet(app, page: Page, check):
    from engage.extensions import db
    from engage.messaging.models import OutboxStatus
    from tests.factories import make_bulletin, make_outbox_message

    bulletin = make_bulletin(subject="Spring bulletin")
    make_outbox_message(send_ref=f"bulletin:{bulletin.id}", status=OutboxStatus.QUEUED)
    db.session.commit()
    sign_in(page, make_signed_up_user(Role.STEERING).email)
    page.goto(f"/messaging/sends/bulletin:{bulletin.id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bulletin: Spring bulletin")
    expect(page.get_by_text("Nothing of this send has gone yet")).to_be_visible()
    check("empty")
