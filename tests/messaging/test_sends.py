"""Send references: what a message belongs to, read from keys of messages queued before."""

import pytest

from engage.messaging import sends


@pytest.mark.parametrize(("key", "ref"), [
    ("bulletin:12:345", "bulletin:12"),
    ("reminder:5:20261201T0900Z:77", "rule:5"),
    ("follow_up:6:77", "rule:6"),
    ("nudge:7:3:2:77", "rule:7"),
    ("digest:2026-W49:4", "digest"),
    ("test:2026-12-01T09:00:00+00:00:a@example.org", None),
    ("bulletin:x:1", None),
    ("", None),
])
def test_ref_from_key(key, ref):
    assert sends.ref_from_key(key) == ref
