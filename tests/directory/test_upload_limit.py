"""A file over MAX_CONTENT_LENGTH is refused with a readable 413 page, and nothing changes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.directory.conftest import organisation_count

LIMIT = 4096


@pytest.fixture()
def app_config() -> dict[str, Any]:
    return {"MAX_CONTENT_LENGTH": LIMIT}


@pytest.mark.parametrize("url", ["/directory/import/ods", "/directory/import/csv"])
def test_upload_over_the_size_limit_gets_a_readable_413(app, manager_client, upload, url):
    response = upload(manager_client, url, b"x" * (LIMIT * 2), "huge.csv", commissioner="06H",
                      other_settings="skip")
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "The file is too large" in page and "Split the file" in page
    assert organisation_count() == 0
