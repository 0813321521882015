"""The same figure is the same on every page, and in every download, for the same period and
scope: the overview, the directory, coverage, the cold list, outreach, the report, uptake and
the CSV and JSON exports, read from the demo's realistic data (closed and dormant
organisations, area-wide referrals, a campaign with its audience).

Pages mark each shared figure with `data-figure="<name>"`, so wording can change freely; a
figure that disappears from a page fails here as surely as one that disagrees.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from html.parser import HTMLParser
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from engage.campaigns.models import Campaign
from engage.directory.models import Locality
from engage.extensions import db
from engage.uptake.importer import active_referrals
from engage.uptake.models import Referral

# Every month of the demo's referral figures, so the uptake page (which counts every month
# imported) can be compared with the insights pages.
PERIOD = {"start": "2021-06-01", "end": "2022-06-30"}
COLD_DAYS = "90"


@pytest.fixture()
def demo(app, shared_data):
    from engage.database import utcnow
    from engage.demo.loader import load_demo

    load_demo(db.session, now=utcnow(), data_dir=shared_data)
    db.session.commit()


class _Figures(HTMLParser):
    """The text of every element with a `data-figure` attribute, by figure name."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, list[str]] = defaultdict(list)
        self._open: list[tuple[str, int, list[str]]] = []  # name, depth, text so far
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._depth += 1
        name = dict(attrs).get("data-figure")
        if name:
            self._open.append((name, self._depth, []))

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][1] == self._depth:
            name, _, text = self._open.pop()
            self.found[name].append("".join(text))
        self._depth -= 1

    def handle_data(self, data: str) -> None:
        for _, _, text in self._open:
            text.append(data)


def figures(client: FlaskClient, url: str) -> dict[str, int]:
    """Each marked figure on the page as a number; a page showing one figure two different
    ways fails here."""
    response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    parser = _Figures()
    parser.feed(response.get_data(as_text=True))
    out = {}
    for name, texts in parser.found.items():
        values = {int(re.sub(r"[^\d]", "", text)) for text in texts}
        assert len(values) == 1, f"{url} shows {name} as {sorted(values)}"
        out[name] = values.pop()
    return out


def download(client: FlaskClient, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    text = response.get_data(as_text=True)
    if "format=csv" in url or url.split("?")[0].endswith(".csv"):
        return list(csv.DictReader(io.StringIO(text)))
    return json.loads(text)["rows"]


def query(**args: str) -> str:
    return "&".join(f"{k}={v}" for k, v in {**PERIOD, **args}.items())


def insights_figures(client: FlaskClient, **scope: str) -> dict[str, dict[str, int]]:
    """Each insights page's and download's marked figures, for one period and scope."""
    q = query(**scope)
    pages = {
        "coverage": figures(client, f"/insights/coverage?{q}"),
        "cold list": figures(client, f"/insights/cold?{q}&days={COLD_DAYS}"),
        "outreach": figures(client, f"/insights/outreach?{q}"),
        "report": figures(client, f"/insights/report?{q}"),
    }
    for fmt in ("csv", "json"):
        overall = next(r for r in download(client, f"/insights/export/coverage?format={fmt}&{q}")
                       if r["breakdown"] == "overall")
        uptake = download(client, f"/insights/export/uptake?format={fmt}&{q}")
        cold = download(client, f"/insights/export/cold?format={fmt}&days={COLD_DAYS}&{q}")
        equity = [r for r in download(client, f"/insights/export/equity?format={fmt}&{q}")
                  if r["breakdown"] == "locality"]
        reached = {r["group"]: r for r in download(client, f"/insights/outreach/reached.{fmt}?{q}")}
        pages[f"{fmt.upper()} exports"] = {
            "target-organisations": int(overall["target"]),
            "organisations-engaged": int(overall["engaged"]),
            "organisations-contacted": int(overall["contacted"]),
            "referrals": sum(int(r["all"]) for r in uptake),
            "cold-organisations": len(cold),
            "equity-organisations": sum(int(r["organisations"]) for r in equity),
            "equity-engaged": sum(int(r["engaged"]) for r in equity),
            "equity-contacted": sum(int(r["contacted"]) for r in equity),
            "outreach-organisations": sum(int(reached[g]["organisations"])
                                          for g in ("reached", "not reached")),
            "outreach-reached": int(reached["reached"]["organisations"]),
            "referrals-from-organisations": sum(int(reached[g]["referrals"])
                                                for g in ("reached", "not reached")),
        }
    return pages


def agreed(pages: dict[str, dict[str, int]], name: str, *aliases: str,
           expected_on: tuple[str, ...] = ()) -> int:
    """The one value a figure has everywhere it is shown (under its name or an alias)."""
    seen = {page: found[n] for page, found in pages.items()
            for n in (name, *aliases) if n in found}
    for page in expected_on:
        assert page in seen, f"{name} is not marked on {page}: {pages[page]}"
    values = set(seen.values())
    assert len(values) == 1, f"{name} differs between pages: {seen}"
    return values.pop()


ALL_INSIGHTS = ("coverage", "report", "outreach", "CSV exports", "JSON exports")


def _check_insights(pages: dict[str, dict[str, int]]) -> dict[str, int]:
    targets = agreed(pages, "target-organisations", "equity-organisations",
                     "outreach-organisations", expected_on=ALL_INSIGHTS)
    engaged = agreed(pages, "organisations-engaged", "equity-engaged",
                     expected_on=("coverage", "report", "CSV exports", "JSON exports"))
    # The outreach page's "reached" is any engagement that counts: the contacted tier.
    contacted = agreed(pages, "organisations-contacted", "equity-contacted", "outreach-reached",
                       expected_on=ALL_INSIGHTS)
    cold = agreed(pages, "cold-organisations",
                  expected_on=("cold list", "report", "CSV exports", "JSON exports"))
    referrals = agreed(pages, "referrals", expected_on=("report", "CSV exports", "JSON exports"))
    from_organisations = agreed(pages, "referrals-from-organisations",
                                expected_on=("outreach", "report", "CSV exports",
                                             "JSON exports"))
    assert 0 < engaged <= contacted <= targets and cold <= targets
    assert from_organisations <= referrals
    return {"targets": targets, "engaged": engaged, "contacted": contacted, "cold": cold,
            "referrals": referrals, "from organisations": from_organisations}


def test_every_page_and_download_agrees_for_the_whole_area(app, demo, steering_client):
    pages = insights_figures(steering_client)
    pages["overview"] = figures(steering_client, "/")
    pages["directory"] = figures(steering_client, "/directory/")
    pages["uptake"] = figures(steering_client, "/uptake")
    shown = _check_insights(pages)

    # Without a campaign the targets are the active organisations the directory counts.
    active = agreed(pages, "active-organisations",
                    expected_on=("overview", "directory", "uptake"))
    listed = agreed(pages, "directory-organisations",
                    expected_on=("overview", "directory", "uptake"))
    assert shown["targets"] == active < listed, "the demo has closed and dormant organisations"
    assert pages["uptake"]["referring-organisations"] <= pages["uptake"]["uptake-organisations"]
    assert active <= pages["uptake"]["uptake-organisations"] <= listed

    # The period holds every month imported, so the uptake page's total is the same referrals,
    # and the outreach model leaves out exactly the area-wide ones.
    first, last = db.session.execute(select(func.min(Referral.referred_on),
                                            func.max(Referral.referred_on))
                                     .where(active_referrals())).one()
    assert PERIOD["start"] <= first.isoformat() and last.isoformat() <= PERIOD["end"]
    assert pages["uptake"]["referrals-imported"] == shown["referrals"]
    area_wide = int(db.session.scalar(select(func.sum(Referral.count)).where(
        active_referrals(), Referral.organisation_id.is_(None))) or 0)
    assert area_wide > 0, "the demo has area-wide referrals (helpline calls)"
    assert shown["from organisations"] == shown["referrals"] - area_wide


def test_every_page_and_download_agrees_for_one_locality(app, demo, steering_client):
    locality = db.session.scalars(select(Locality).order_by(Locality.name)).first()
    assert locality is not None
    pages = insights_figures(steering_client, locality=str(locality.id))
    pages["directory"] = figures(steering_client, f"/directory/?locality={locality.id}")
    shown = _check_insights(pages)
    assert shown["targets"] == pages["directory"]["active-organisations"]


def test_every_page_and_download_agrees_for_a_campaign(app, demo, steering_client):
    campaign = db.session.scalars(select(Campaign).order_by(Campaign.id)).first()
    assert campaign is not None
    pages = insights_figures(steering_client, campaign=str(campaign.id))
    shown = _check_insights(pages)
    assert shown["engaged"] > 0
