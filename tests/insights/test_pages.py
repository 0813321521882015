import re
from datetime import UTC, datetime

import pytest

from engage.audit.models import AuditEvent
from engage.campaigns.models import Channel, Touchpoint, TouchpointStatus
from engage.extensions import db
from engage.insights.models import ReportSnapshot
from tests.factories import make_referral, make_report_snapshot, make_service
from tests.insights.helpers import engage, two_localities

PERIOD = "start=2022-01-01&end=2022-06-30"


@pytest.fixture()
def scene(app):
    fens, cambridge, orgs = two_localities()
    engage(orgs["f1"], datetime(2022, 3, 1, 10, tzinfo=UTC))
    engage(orgs["c1"], datetime(2022, 4, 1, 10, tzinfo=UTC), Channel.WEBINAR)
    service = make_service(name="Wellbeing App")
    make_referral(organisation_id=orgs["f1"].id, service_id=service.id, count=12,
                  referred_on=datetime(2022, 3, 1).date(), staff_group="Nurse")
    make_referral(organisation_id=orgs["c1"].id, service_id=service.id, count=2,
                  referred_on=datetime(2022, 4, 1).date(), staff_group="Doctor")
    db.session.commit()
    return {"fens": fens, "cambridge": cambridge, "orgs": orgs, "service": service}


def text(response):
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@pytest.mark.parametrize("path", ["/insights/", "/insights/coverage", "/insights/matrix",
                                  "/insights/matrix?columns=month&sort=activity",
                                  "/insights/cold", "/insights/awareness", "/insights/equity",
                                  "/insights/report", "/insights/snapshots"])
def test_steering_can_read_every_insight_page(scene, steering_client, path):
    response = steering_client.get(path + ("&" if "?" in path else "?") + PERIOD)
    assert response.status_code == 200, text(response)[:2000]


def test_coverage_page_shows_the_numbers_behind_each_percentage(scene, steering_client):
    page = text(steering_client.get(f"/insights/coverage?{PERIOD}"))
    assert "Engaged: 2 of 6 (33%)" in re.sub(r"<[^>]+>", "", page)
    assert "Contacted: 2 of 6 (33%)" in re.sub(r"<[^>]+>", "", page)
    assert "Contacted</strong>: We invited, sent, posted or delivered something" in page
    assert re.search(r"Fens</th>\s*<td[^>]*>1</td>\s*<td[^>]*>4</td>\s*<td[^>]*>3</td>", page)


def test_bad_filter_values_get_a_message_the_defaults_and_400(scene, steering_client):
    response = steering_client.get("/insights/coverage?start=31/12/2021&locality=abc")
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page
    assert "is not a date like 2022-06-30" in page and "is not one of the choices" in page


def test_unknown_campaign_id_gets_a_message(scene, steering_client):
    response = steering_client.get(f"/insights/report?{PERIOD}&campaign=4242")
    assert response.status_code == 400
    assert "There is no campaign number 4242" in text(response)


def test_matrix_cells_carry_text_as_well_as_colour(scene, steering_client):
    page = text(steering_client.get(f"/insights/matrix?{PERIOD}&columns=channel"))
    assert ('engage-heat--3">1<span class="nhsuk-u-visually-hidden"> engaged</span> '
            '<span class="nhsuk-body-s engage-matrix__all">of 1') in page
    assert '<span class="nhsuk-u-visually-hidden">none</span>' in page
    assert 'scope="colgroup"' in page  # grouped by locality


def test_matrix_bad_options_get_messages(scene, steering_client):
    response = steering_client.get(f"/insights/matrix?{PERIOD}&columns=weeks&sort=x&kind=zoo")
    assert response.status_code == 400
    page = text(response)
    assert "The columns &#39;weeks&#39;" in page and "The kind &#39;zoo&#39;" in page


def test_cold_page_bad_days_gets_400_and_message(scene, steering_client):
    response = steering_client.get(f"/insights/cold?{PERIOD}&days=-1")
    assert response.status_code == 400
    assert "whole number from 1 to 3650" in text(response)


def test_steering_sees_no_plan_checkboxes_manager_does(scene, steering_client, manager_client):
    assert 'name="org"' not in text(steering_client.get(f"/insights/cold?{PERIOD}"))
    assert 'name="org"' in text(manager_client.get(f"/insights/cold?{PERIOD}"))


def test_planning_a_visit_creates_a_planned_touchpoint_and_an_audit_event(scene, manager_client):
    orgs = scene["orgs"]
    form = manager_client.get(f"/insights/cold/plan?org={orgs['f2'].id}&org={orgs['c2'].id}")
    assert form.status_code == 200
    assert "Fen Two" in text(form) and "Cam Two" in text(form)
    response = manager_client.post("/insights/cold/plan", data={
        "org": [orgs["f2"].id, orgs["c2"].id], "title": "Visits to quiet practices",
        "channel": "practice_visit", "planned_at": "2022-07-05T10:00", "campaign_id": ""})
    assert response.status_code == 302, text(response)[:1500]
    touchpoint = db.session.scalar(db.select(Touchpoint))
    assert touchpoint.status is TouchpointStatus.PLANNED
    assert touchpoint.channel is Channel.PRACTICE_VISIT
    assert orgs["f2"].ods_code in touchpoint.notes and orgs["c2"].ods_code in touchpoint.notes
    assert db.session.scalar(db.select(AuditEvent).where(
        AuditEvent.action == "insights.touchpoint_planned")) is not None


def test_planning_without_a_time_changes_nothing(scene, manager_client):
    orgs = scene["orgs"]
    response = manager_client.post("/insights/cold/plan", data={
        "org": [orgs["f2"].id], "title": "Visit", "channel": "practice_visit",
        "planned_at": ""})
    assert response.status_code == 400
    assert "Enter when it is planned" in text(response)
    assert db.session.scalar(db.select(Touchpoint)) is None


def test_planning_with_no_organisations_is_refused(scene, manager_client):
    assert manager_client.get("/insights/cold/plan").status_code == 400


def test_steering_cannot_plan_or_save(scene, steering_client):
    assert steering_client.get("/insights/cold/plan").status_code == 403
    assert steering_client.post("/insights/snapshots", data={"title": "x"}).status_code == 403
    assert db.session.scalar(db.select(ReportSnapshot)) is None


def test_equity_suppresses_small_referral_counts(scene, steering_client):
    page = text(steering_client.get(f"/insights/equity?{PERIOD}"))
    assert "&lt;5" in page
    data = steering_client.get(f"/insights/export/equity?{PERIOD}&format=json").get_json()
    rows = {(r["breakdown"], r["group"]): r for r in data["rows"]}
    # Cambridge's 2 referrals are hidden, and Fens's 12 with them (else 14 - 12 gives it away).
    assert rows[("locality", "Cambridge")]["referrals"] == "<5"
    assert rows[("locality", "Fens")]["referrals"] == "*"
    assert rows[("locality", "Cambridge")]["share of referrals"] is None
    assert rows[("staff group", "Doctor")]["referrals"] == "<5"
    assert rows[("locality", "Fens")]["staff"] == 55  # known headcounts only


def test_saving_a_snapshot_freezes_the_figures(scene, manager_client, steering_client):
    response = manager_client.post("/insights/snapshots", data={
        "title": "Steering group, July 2022", "start": "2022-01-01", "end": "2022-06-30"})
    assert response.status_code == 302, text(response)[:2000]
    saved = db.session.scalar(db.select(ReportSnapshot))
    assert saved.title == "Steering group, July 2022"
    assert saved.figures["coverage"]["overall"]["engaged"] == 2
    assert saved.figures["version"] == 2
    assert db.session.scalar(db.select(AuditEvent).where(
        AuditEvent.action == "insights.snapshot_saved")) is not None
    # A later correction changes today's figures but not the snapshot's.
    engage(scene["orgs"]["c2"], datetime(2022, 5, 1, tzinfo=UTC))
    db.session.commit()
    page = text(steering_client.get(f"/insights/snapshots/{saved.id}"))
    assert "Then and now" in page
    assert re.search(r"Organisations engaged</th>\s*<td[^>]*>2</td>\s*<td[^>]*>3</td>"
                     r"\s*<td[^>]*>\+1</td>", page)
    assert "Organisations contacted by locality when saved and today" in page


def test_saving_a_snapshot_without_a_title_saves_nothing(scene, manager_client):
    response = manager_client.post("/insights/snapshots", data={
        "title": " ", "start": "2022-01-01", "end": "2022-06-30"})
    assert response.status_code == 400
    assert "Enter a title for the snapshot" in text(response)
    assert db.session.scalar(db.select(ReportSnapshot)) is None


def test_unknown_snapshot_is_404(app, steering_client):
    assert steering_client.get("/insights/snapshots/999").status_code == 404


def test_snapshot_factory_renders(app, steering_client):
    saved = make_report_snapshot()
    db.session.commit()
    assert steering_client.get(f"/insights/snapshots/{saved.id}").status_code == 200


def test_export_csv_and_json(scene, steering_client):
    response = steering_client.get(f"/insights/export/coverage?{PERIOD}&format=csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    assert "locality,Fens,4,1,3,25" in response.get_data(as_text=True).replace("\r", "")
    data = steering_client.get(f"/insights/export/cold?{PERIOD}&days=100&format=json").get_json()
    assert data["table"] == "cold" and len(data["rows"]) == 5  # Cam One was reached on 1 April


def test_export_refuses_bad_format_filters_and_tables(scene, steering_client):
    assert steering_client.get("/insights/export/coverage?format=xlsx").status_code == 400
    assert steering_client.get("/insights/export/coverage?start=nope").status_code == 400
    assert steering_client.get("/insights/export/secrets").status_code == 404


def test_export_cells_are_neutralised(app, steering_client):
    from tests.factories import make_organisation

    make_organisation(name="=HYPERLINK(\"http://evil\")")
    db.session.commit()
    body = steering_client.get("/insights/export/cold?format=csv").get_data(as_text=True)
    assert "'=HYPERLINK" in body


def test_each_cold_organisation_has_a_one_click_plan_link_for_managers(scene, manager_client):
    page = text(manager_client.get(f"/insights/cold?{PERIOD}"))
    assert f'/insights/cold/plan?org={scene["orgs"]["f2"].id}' in page
    form = text(manager_client.get(f"/insights/cold/plan?org={scene['orgs']['f2'].id}"))
    assert "Practice visit: Fen Two" in form


def test_report_tables_link_to_their_downloads(scene, steering_client):
    page = text(steering_client.get(f"/insights/report?{PERIOD}"))
    for table in ("coverage", "cold", "uptake", "equity"):
        assert f"/insights/export/{table}?format=csv" in page.replace("&amp;", "&")


def test_report_links_to_the_outreach_page_when_too_many_targets(scene, steering_client,
                                                                 monkeypatch):
    import engage.insights.report as report

    monkeypatch.setattr(report, "OUTREACH_INLINE_LIMIT", 3)
    response = steering_client.get(f"/insights/report?{PERIOD}")
    assert response.status_code == 200
    assert "the model takes too long to fit" in text(response)


def test_snapshot_freezes_the_outreach_sentences(scene, manager_client):
    manager_client.post("/insights/snapshots", data={
        "title": "With outreach", "start": "2022-01-01", "end": "2022-06-30"})
    saved = db.session.scalar(db.select(ReportSnapshot))
    assert saved.figures["outreach"]["headline"]
    assert "cause" in saved.figures["outreach"]["caveat"]
    page = text(manager_client.get(f"/insights/snapshots/{saved.id}"))
    assert saved.figures["outreach"]["headline"][0][:40] in page
