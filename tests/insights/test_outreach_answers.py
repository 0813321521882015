"""The outreach page answers in words first, and its words, charts and tables agree."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, date, datetime

from flask.testing import FlaskClient

from engage.campaigns.models import Channel, EngagementKind
from engage.directory.models import Organisation
from engage.extensions import db
from engage.insights.ratios import side
from tests.factories import make_engagement, make_service
from tests.insights.test_figures import answer
from tests.insights.test_outreach_page import PERIOD, _world

VERDICTS = {"Higher": "higher", "Lower": "lower", "Cannot tell": "unclear"}


def _world_with_a_thin_webinar() -> None:
    """The visits world, and two organisations at a webinar: too little to estimate."""
    _world()
    for org in db.session.scalars(db.select(Organisation).order_by(Organisation.id).limit(2)):
        make_engagement(org, channel=Channel.WEBINAR, kind=EngagementKind.ATTENDED,
                        occurred_at=datetime(2022, 3, 9, 10, tzinfo=UTC))
    db.session.commit()


def _page(client: FlaskClient) -> str:
    response = client.get("/insights/outreach", query_string=PERIOD)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def _bottom_line(page: str) -> str:
    block = re.search(r'<div class="nhsuk-inset-text engage-bottom-line" id="bottom-line">(.*?)'
                      r"</div>", page, re.S)
    assert block, "the bottom line is missing"
    return _text(block.group(1))


def _rows(page: str, channel: Channel) -> list[list[str]]:
    """The channel's plain table under its chart: [when, meaning, ratio, range] per lag."""
    figure = re.search(rf'<figure class="engage-figure">\s*<figcaption[^>]*id="outreach-forest-'
                       rf'{channel.value}-title".*?</figure>', page, re.S)
    assert figure, f"no chart for {channel.label}"
    rows = re.findall(r'<tr class="nhsuk-table__row">(.*?)</tr>', figure.group(0), re.S)
    return [[_text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in rows if "<td" in row]


def test_the_bottom_line_comes_first_and_covers_every_lag(app, steering_client) -> None:
    _world_with_a_thin_webinar()
    page = _page(steering_client)
    h1 = page.index("<h1>Outreach and uptake</h1>")
    first_after = page.index("<", h1 + len("<h1>Outreach and uptake</h1>"))
    assert page[first_after:].startswith('<div class="nhsuk-inset-text engage-bottom-line"')
    words = _bottom_line(page)
    assert "The bottom line" in words
    # Visits: higher a month and 2 months later; unclear in the same month and 3 months later
    # (the world planted the rise from the month after the visit).
    assert "higher after practice visits (a month later: about" in words
    assert "For practice visits in the same month or 3 months later, we cannot tell" in words
    assert "Webinars cannot be estimated: not enough data" in words


def test_the_bottom_line_agrees_with_the_tables_below(app, steering_client) -> None:
    _world_with_a_thin_webinar()
    page = _page(steering_client)
    words = _bottom_line(page)
    rows = _rows(page, Channel.PRACTICE_VISIT)
    assert [r[0] for r in rows] == ["In the same month", "A month later", "2 months later",
                                    "3 months later"]
    for when, meaning, times, likely in rows:
        low, high = (float(v) for v in likely.split(" to "))
        verdict = VERDICTS[meaning.split(":")[0]]
        assert side(low, high) == verdict, (when, likely, meaning)  # the table's own words
        if verdict != "unclear":
            # The bottom line quotes the same figures, written the same way.
            assert (f"{when[:1].lower() + when[1:]}: about {times} times, likely between "
                    f"{likely.replace(' to ', ' and ')} times") in words
    assert "1.0 times" not in words
    # The detailed model table gives the same ratios.
    details = page[page.index('id="model-details"'):]
    for _, _, times, likely in rows:
        assert f"{times}<br><span class=\"nhsuk-body-s\">({likely})</span>" in details


def test_an_unestimable_channel_has_its_reason_and_no_chart(app, steering_client) -> None:
    _world_with_a_thin_webinar()
    page = _page(steering_client)
    assert 'id="channel-webinar"' in page
    assert 'id="outreach-forest-webinar"' not in page
    section = _text(page[page.index('id="channel-webinar"'):page.index('id="event-study"')])
    assert "Webinar: it cannot be estimated at any time up to 3 months later (not enough " \
           "data:" in section


def test_every_chart_has_a_title_axis_titles_and_a_table(app, steering_client) -> None:
    _world()
    page = _page(steering_client)
    figures = re.findall(r'<figure class="engage-figure">(.*?)</figure>', page, re.S)
    assert len(figures) == 2  # the visits' lags and the before-and-after chart
    for figure in figures:
        title = re.search(r"<figcaption[^>]*>(.*?)</figcaption>", figure, re.S)
        assert title and _text(title.group(1))
        spec = json.loads(html.unescape(re.search(r"data-chart-data='([^']*)'", figure).group(1)))
        assert spec["title"] == _text(title.group(1))
        assert spec["axes"]["x"] and spec["axes"]["y"]
        assert 'role="img" aria-label="' in figure and "<table" in figure
    forest = json.loads(html.unescape(re.search(r"data-chart-data='([^']*)'",
                                                figures[0]).group(1)))
    assert forest["type"] == "forest" and forest["reference"]["value"] == 1 and forest["log"]
    assert forest["min"] < 1 < forest["max"] and 1 in forest["ticks"]
    event = json.loads(html.unescape(re.search(r"data-chart-data='([^']*)'",
                                               figures[1]).group(1)))
    assert event["labels"][event["marker"]["index"]] == "0"
    assert len(event["band"]["low"]) == len(event["band"]["high"]) == len(event["labels"])
    assert "Months from the first engagement" in event["axes"]["x"]


def test_the_model_table_is_folded_away_with_a_glossary(app, steering_client) -> None:
    _world()
    page = _page(steering_client)
    details = re.search(r'<details class="nhsuk-details" id="model-details">(.*?)</details>',
                        page, re.S)
    assert details, "the detailed model figures are not in a details component"
    folded = details.group(1)
    assert "Incidence-rate ratios by channel and lag" in folded
    glossary = _text(folded[folded.index('id="glossary"'):])
    for term in ("Incidence-rate ratio", "Lag", "Organisation-month",
                 "95% confidence interval"):
        assert term in glossary
    outside = page.replace(details.group(0), "")
    assert "Incidence-rate ratios by channel" not in outside


def test_the_report_summary_opens_with_the_bottom_line(app, steering_client) -> None:
    _world()
    response = steering_client.get("/insights/report", query_string=PERIOD)
    page = _text(response.get_data(as_text=True))
    summary = page[page.index("Outreach and uptake"):]
    assert "Compared with each organisation's other months, referrals were higher after " \
           "practice visits" in summary


def test_awareness_marks_shares_from_few_answers(app, steering_client) -> None:
    service = make_service(name="Wellbeing App")
    for i in range(12):
        answer(service, date(2022, 2, 1 + i), i % 3 == 0)
    for i in range(3):
        answer(service, date(2022, 3, 1 + i), True)
    db.session.commit()
    response = steering_client.get("/insights/awareness",
                                   query_string={"start": "2022-01-01", "end": "2022-06-30"})
    page = response.get_data(as_text=True)
    spec = json.loads(html.unescape(re.search(r"data-chart-data='([^']*)'", page).group(1)))
    series = spec["series"][0]
    months = spec["labels"]
    feb, mar = months.index("Feb 2022"), months.index("Mar 2022")
    assert series["counts"][feb] == 12 and series["hollow"][feb] is False
    assert series["counts"][mar] == 3 and series["hollow"][mar] is True
    assert spec["axes"]["y"] and spec["title"]
    words = _text(page)
    assert "Hollow points rest on fewer than 10 answers" in words
    assert "100% fewer than 10 answers" in words  # March: 3 of 3, marked in its table row
    assert "33% fewer than 10" not in words  # February rests on 12
