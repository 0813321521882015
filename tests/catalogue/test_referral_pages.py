"""Service pages that lead somewhere: how a manager refers, how staff get help, who runs it,
and no public page for a service nobody can reach."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engage.catalogue.completeness import draft_reason, is_public, missing_details
from engage.catalogue.editing import CatalogueError, update_service
from engage.catalogue.models import AccessRoute, Audience, Service
from engage.catalogue.seed import seed_catalogue
from engage.config import load_settings
from engage.database import utcnow
from engage.demo.catalogue import example_contacts
from engage.demo.context import DemoContext
from engage.directory.models import OrgStatus
from engage.extensions import db
from tests.factories import make_locality, make_organisation, make_service

MANAGER_REFERRED = dict(
    name="Performance and Attendance Management", slug="attendance",
    audience=Audience.MANAGERS_ONLY, access_routes=[AccessRoute.MANAGER_REFERRAL.value],
    website="", referral_form_url="https://oh.example.org/refer/attendance",
    email="oh-referrals@example.org", phone="01632 960 102",
    hours="Monday to Friday, 9am to 5pm",
    what_to_have_ready="The member of staff's agreement\n- Their job title",
    what_happens_next="The team offers an appointment.\nYou receive a report.",
)


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def test_a_manager_referred_service_tells_the_manager_how_to_refer(app, client):
    make_service(**MANAGER_REFERRED)
    db.session.commit()
    page = text(client.get("/services/attendance"))
    assert '<h2 class="nhsuk-card__heading" id="how-to-refer">How to refer</h2>' in page
    refer = page[page.index('id="how-to-refer"'):]
    assert 'href="https://oh.example.org/refer/attendance"' in refer
    assert '<a href="mailto:oh-referrals@example.org">oh-referrals@example.org</a>' in refer
    assert '<a href="tel:01632960102">01632 960 102</a>' in refer
    assert "<h3>What to have ready</h3>" in refer
    assert "<li>The member of staff&#39;s agreement</li>" in refer
    assert "<li>Their job title</li>" in refer  # a typed bullet is not doubled
    assert "<li>You receive a report.</li>" in refer
    assert "Monday to Friday, 9am to 5pm" in refer
    # Written to the manager, not to staff told to ask their manager.
    assert "Ask your manager" not in page and "How to get it" not in page
    assert "Practice and pharmacy managers" in page


def test_a_manager_referred_service_without_its_own_steps_says_what_usually_happens(
        app, client):
    make_service(**{**MANAGER_REFERRED, "what_happens_next": "", "what_to_have_ready": ""})
    db.session.commit()
    page = text(client.get("/services/attendance"))
    assert "<h3>What to have ready</h3>" not in page
    assert "sends you advice they have seen first" in page


def test_a_self_referral_service_gives_the_number_and_when_it_is_open(app, client):
    make_service(name="Employee Assistance Programme", slug="eap",
                 audience=Audience.STAFF_AND_FAMILY, website="https://eap.example.org/",
                 access_routes=[AccessRoute.PHONE_LINE.value, AccessRoute.SELF_REFERRAL.value],
                 phone="01632 960 106", hours="24 hours a day, 7 days a week")
    db.session.commit()
    page = text(client.get("/services/eap"))
    assert "<h2>How to get it</h2>" in page and "How to refer" not in page
    assert '<a class="pub-call" href="tel:01632960106">01632 960 106</a>' in page
    assert '<a href="https://eap.example.org/" rel="noopener noreferrer">' in page
    assert re.search(r">Open</dt>\s*<dd[^>]*>24 hours a day, 7 days a week<", page)


def test_a_service_staff_and_managers_can_both_use_speaks_to_each(app, client):
    make_service(**{**MANAGER_REFERRED, "name": "Immunisation Programme", "slug": "jabs",
                    "audience": Audience.ALL_STAFF,
                    "access_routes": [AccessRoute.SELF_REFERRAL.value,
                                      AccessRoute.MANAGER_REFERRAL.value]})
    db.session.commit()
    page = text(client.get("/services/jabs"))
    assert "<h2>How to get it</h2>" in page and "Refer yourself" in page
    assert "Ask your manager to refer you" in page and "How to refer" in page


def test_the_index_names_the_provider_area_and_contact_and_groups_services(app, client):
    app.config.update(PROVIDER_NAME="Fenland Occupational Health",
                      PROVIDER_PHONE="01632 960 000", PROVIDER_EMAIL="oh@example.org")
    for name in ("Fens", "Cambridge"):
        make_organisation(locality=make_locality(name))
    make_organisation(locality=make_locality("Closed Town"), status=OrgStatus.CLOSED)
    make_service(name="Wellbeing App", audience=Audience.STAFF_AND_FAMILY, sort_order=1)
    make_service(**MANAGER_REFERRED)
    make_service(name="Not Ready", website="", phone="")  # no way to reach it
    db.session.commit()
    page = text(client.get("/services"))
    assert "in Cambridge, Fens." in page and "Closed Town" not in page
    assert "Run by <strong>Fenland Occupational Health</strong>." in page
    assert '<a href="tel:01632960000">01632 960 000</a>' in page
    assert '<a href="mailto:oh@example.org">oh@example.org</a>' in page
    for_you, for_managers = page.index("<h2>For you</h2>"), page.index("<h2>For managers</h2>")
    assert for_you < page.index("Wellbeing App") < for_managers
    assert page.index("Performance and Attendance Management") > for_managers
    assert "Not Ready" not in page and "Example details" not in page


def test_the_index_falls_back_to_the_commissioner_and_names_no_provider_unset(app, client):
    make_organisation(commissioner="06H")
    make_service(name="Wellbeing App")
    db.session.commit()
    page = text(client.get("/services"))
    assert "in 06H." in page
    assert "Run by" not in page and "Not sure which service" not in page
    assert "<h2>For managers</h2>" not in page  # no empty group


def test_the_demo_shows_example_provider_details_marked_as_examples(app, client):
    make_organisation(is_demo=True)
    make_service(**MANAGER_REFERRED)
    db.session.commit()
    index = text(client.get("/services"))
    assert "Example Occupational Health Service</strong> (an example name" in index
    assert "this number and address do not reach anyone" in index
    page = text(client.get("/services/attendance"))
    assert "<strong>Example details:</strong>" in page


def test_a_service_with_no_contact_route_is_a_draft_and_not_public(app, client,
                                                                    steering_client):
    service = make_service(name="Ill Health Retirement", slug="ihr", website="",
                           audience=Audience.MANAGERS_ONLY,
                           access_routes=[AccessRoute.MANAGER_REFERRAL.value])
    db.session.commit()
    assert not is_public(service)
    assert "no phone number, email address, website or referral form" in draft_reason(service)
    response = client.get("/services/ihr")
    assert response.status_code == 404
    assert "We could not find that service" in text(response)
    assert "Ill Health Retirement" not in text(client.get("/services"))
    listing = text(steering_client.get("/catalogue/"))
    assert "Draft" in listing and "Add one to publish it." in listing
    detail = text(steering_client.get(f"/catalogue/{service.id}"))
    assert "Not shown to the public: no phone number" in detail


def test_an_unpublished_service_is_not_public_even_with_a_number(app, client):
    make_service(slug="hidden", phone="01632 960 111", published=False)
    db.session.commit()
    assert client.get("/services/hidden").status_code == 404


def test_the_catalogue_list_flags_what_each_public_service_lacks(app, steering_client):
    make_service(**{**MANAGER_REFERRED, "what_to_have_ready": "", "hours": ""})
    make_service(name="Complete", website="https://example.org/x")
    db.session.commit()
    page = text(steering_client.get("/catalogue/"))
    row = page[page.index("Performance and Attendance Management"):]
    row = row[:row.index("</tr>")]
    assert "<li>What to have ready</li>" in row and "<li>Opening hours</li>" in row
    complete = page[page.index(">Complete<"):]
    assert "None" in complete[:complete.index("</tr>")]


def test_missing_details_name_the_referral_route_and_hours(app):
    service = make_service(**{**MANAGER_REFERRED, "referral_form_url": "", "email": "",
                              "phone": "", "website": "https://example.org/"})
    assert "how to refer (a referral form, email or phone)" in missing_details(service)
    assert is_public(service)  # a website is still a way to reach it


MANAGER_FORM = {"name": "Ill Health Retirement", "summary": "Assessment.", "description": "",
                "audience": "managers_only", "access_routes": ["manager_referral"],
                "phone": "", "email": "", "website": "", "hours": "", "referral_form_url": "",
                "what_to_have_ready": "", "what_happens_next": "", "published": "y"}


def test_publishing_a_service_with_no_contact_route_is_refused_with_what_to_add(
        app, manager_client):
    response = manager_client.post("/catalogue/new", data=MANAGER_FORM)
    assert response.status_code == 400
    page = text(response)
    assert ("To publish this service, add a phone number, email address, website or referral "
            "form") in page
    assert 'href="#published"' in page  # the error summary leads to the box
    assert db.session.scalar(select(Service).where(Service.name == "Ill Health Retirement")) \
        is None


def test_a_service_with_no_contact_route_can_be_saved_as_a_draft(app, manager_client):
    draft = {key: value for key, value in MANAGER_FORM.items() if key != "published"}
    response = manager_client.post("/catalogue/new", data=draft)
    assert response.status_code == 302
    service = db.session.scalar(select(Service).where(Service.name == "Ill Health Retirement"))
    assert service is not None and not service.published and not is_public(service)


def test_a_manager_adds_the_referral_details_and_publishes(app, manager_client, client):
    filled = {**MANAGER_FORM, "referral_form_url": "https://oh.example.org/refer/ihr",
              "email": "ihr@example.org", "phone": "+44 1632 960 107",
              "what_to_have_ready": "Their pension scheme"}
    response = manager_client.post("/catalogue/new", data=filled)
    assert response.status_code == 302
    service = db.session.scalar(select(Service).where(Service.name == "Ill Health Retirement"))
    assert service.referral_form_url == "https://oh.example.org/refer/ihr"
    page = text(client.get(f"/services/{service.slug}"))
    assert "How to refer" in page and "<li>Their pension scheme</li>" in page
    assert 'href="tel:+441632960107"' in page


@pytest.mark.parametrize(("field", "value", "message"), [
    ("referral_form_url", "javascript:alert(1)", "Enter a full web address starting with https://"),
    ("referral_form_url", "ftp://example.org/form", "Enter a full web address starting with"),
    ("website", "example.org", "Enter a full web address starting with https://"),
    ("website", "https://exa mple.org", "Enter a full web address starting with https://"),
    ("email", "referrals at example.org", "Enter a valid email address"),
    ("phone", "ring reception", "Enter a phone number using only digits and spaces"),
    ("phone", "01", "Enter a phone number of 3 to 15 digits"),
    ("phone", "0" * 16, "Enter a phone number of 3 to 15 digits"),
])
def test_bad_contact_details_are_refused_with_a_clear_message(app, manager_client, field,
                                                               value, message):
    data = {**MANAGER_FORM, "phone": "01632 960 107", field: value}
    response = manager_client.post("/catalogue/new", data=data)
    assert response.status_code == 400
    assert message in text(response)


def test_the_editing_logic_refuses_to_publish_without_a_contact_route(app):
    service = make_service()
    fields = {"name": service.name, "access_routes": ["self_referral"], "website": "",
              "published": True}
    with pytest.raises(CatalogueError, match="add a phone number, email address"):
        update_service(db.session, service, fields)


def test_check_exits_zero_and_says_so_when_every_published_service_is_reachable(app, runner):
    seed_catalogue(db.session)  # drafts: gaps listed, nothing wrong
    make_service(name="Our App", slug="app", website="https://example.org/app")
    db.session.commit()
    result = runner.invoke(args=["catalogue", "check"])
    assert result.exit_code == 0, result.output
    assert "app (published): complete" in result.output
    assert ("ill-health-retirement (draft): missing no phone number, email address, website "
            "or referral form") in result.output
    assert "ok: every published service has a contact route" in result.output
    assert "note: PROVIDER_NAME is not set" in result.output


def test_check_exits_non_zero_when_a_published_service_cannot_be_reached(app, runner):
    make_service(slug="lost", website="", published=True)
    make_service(slug="fine", phone="01632 960 100")
    db.session.commit()
    result = runner.invoke(args=["catalogue", "check"])
    assert result.exit_code == 1
    assert "lost (published, NOT SHOWN): missing no phone number" in result.output
    assert "fine (published): missing opening hours" in result.output
    assert "PROBLEM: 1 published service(s) with no phone, email, website or referral form" \
        in result.output
    assert "lost" in result.output.splitlines()[-1]


def test_the_demo_fills_every_seeded_service_with_marked_example_details(app):
    seed_catalogue(db.session)
    ctx = DemoContext(session=db.session, now=utcnow(), data_dir=None)  # type: ignore[arg-type]
    assert "for 8 services" in example_contacts(ctx)
    assert example_contacts(ctx) == "Catalogue contacts: already there."
    services = db.session.scalars(select(Service)).all()
    assert all(is_public(service) for service in services)
    for service in services:
        assert missing_details(service) == [], service.slug
        for number in filter(None, [service.phone]):
            assert number.startswith("01632 960 ")  # Ofcom's drama numbers
        for address in filter(None, [service.email, service.website,
                                     service.referral_form_url]):
            assert "example.org" in address


def test_the_provider_settings_are_read_from_the_environment():
    config = load_settings({"PROVIDER_NAME": " Fenland OH ", "PROVIDER_PHONE": "01632 960 000",
                            "PROVIDER_EMAIL": "oh@example.org"}, instance_path="/tmp/x")
    assert (config["PROVIDER_NAME"], config["PROVIDER_PHONE"], config["PROVIDER_EMAIL"]) == (
        "Fenland OH", "01632 960 000", "oh@example.org")
    assert load_settings({}, instance_path="/tmp/x")["PROVIDER_NAME"] == ""
