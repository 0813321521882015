"""The attendance upload's matching step: a sign-in sheet with headings engage does not know."""

from __future__ import annotations

import html
import io
import re
from typing import Any

import pytest

from engage.extensions import db
from engage.matchings import find_matching
from tests.campaigns.attendance_support import add_directory, add_touchpoint, invite, written

SHEET = (b"Delegate,Work address,Stayed for\n"
         b"Priya Patel,pm.riverside@nhs.net,45\n"
         b"Ravi Shah,lead@marchchemists.co.uk,40\n")
PAYLOAD = re.compile(r'name="payload" type="hidden" value="([^"]+)"')


@pytest.fixture()
def touchpoint(app):
    orgs = add_directory()
    touchpoint = add_touchpoint()
    invite(touchpoint, orgs.riverside)
    db.session.commit()
    return touchpoint


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def upload(client, touchpoint_id: int, content: bytes = SHEET, **fields: str) -> Any:
    return client.post(f"/campaigns/touchpoints/{touchpoint_id}/attendance",
                       data={"file": (io.BytesIO(content), "sheet.csv"), **fields},
                       content_type="multipart/form-data")


def match(client, touchpoint_id: int, page: str, **choices: str) -> Any:
    found = PAYLOAD.search(page)
    assert found
    return client.post(f"/campaigns/touchpoints/{touchpoint_id}/attendance/match",
                       data={"payload": found.group(1), **choices})


def test_an_unknown_layout_leads_to_the_matching_step(manager_client, touchpoint):
    before = written()
    response = upload(manager_client, touchpoint.id)
    assert response.status_code == 400
    page = text(response)
    assert "layout engage does not know" in page and "Match the columns of sheet.csv" in page
    assert "Column 2: Work address" in page and "For example: pm.riverside@nhs.net" in page
    assert written() == before


def test_a_matched_list_is_previewed_and_its_matching_saved(manager_client, touchpoint):
    before = written()
    page = text(upload(manager_client, touchpoint.id))
    response = match(manager_client, touchpoint.id, page, column_0="name", column_1="email",
                     column_2="duration", save_as="Sign-in sheet")
    assert response.status_code == 200, text(response)
    assert "Riverside" in text(response) and 'name="payload"' in text(response)
    assert written() == before
    saved = find_matching(db.session, "attendance", "Sign-in sheet")
    assert saved is not None and saved.columns == {"name": "Delegate", "email": "Work address",
                                                   "duration": "Stayed for"}
    # The same headings next time: offered.
    page = text(upload(manager_client, touchpoint.id, match_columns="y"))
    assert "Use saved matching 'Sign-in sheet'" in page


def test_an_incomplete_or_doubled_matching_is_refused(manager_client, touchpoint):
    before = written()
    page = text(upload(manager_client, touchpoint.id))
    response = match(manager_client, touchpoint.id, page, column_0="name", column_1="email")
    assert response.status_code == 400
    assert "a join time (Join time or First join) or a duration" in text(response)
    response = match(manager_client, touchpoint.id, page, column_0="name", column_1="email",
                     column_2="email")
    assert response.status_code == 400
    assert "are both matched to Email address" in text(response)
    response = manager_client.post(
        f"/campaigns/touchpoints/{touchpoint.id}/attendance/match", data={"payload": "x"})
    assert response.status_code == 400 and "Upload the file again" in text(response)
    assert written() == before
