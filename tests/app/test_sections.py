"""The registry of page sections: a section shows in its own slot, in order, only when its
feature's blueprint is registered."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Blueprint, Flask, render_template_string
from flask.testing import FlaskClient
from jinja2 import DictLoader

import engage
from engage import create_app
from engage.auth.models import Role
from engage.extensions import db
from engage.sections import Section, page_section, page_sections, register_section
from tests.conftest import base_config
from tests.factories import make_organisation, make_service

PAGE = ('<organisation>{% for partial, section in page_sections("organisation", org=org) %}'
        '{% include partial %}{% endfor %}</organisation>'
        '<campaign>{% for partial, section in page_sections("campaign", campaign=campaign) %}'
        '{% include partial %}{% endfor %}</campaign>')


def bare_app(*blueprints: Blueprint) -> Flask:
    app = Flask(__name__)
    app.jinja_env.globals["page_sections"] = page_sections
    app.jinja_env.loader = DictLoader({
        "first.html": "[first {{ section.name }} of {{ org }}]",
        "second.html": "[second {{ section.name }}]",
        "late.html": "[late]",
        "scans.html": "[scans of {{ campaign }}]",
    })
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    return app


def render(app: Flask) -> str:
    with app.test_request_context():
        return render_template_string(PAGE, org="Ash Surgery", campaign="Winter")


def by_name(name: str) -> Any:
    return lambda **_objects: {"name": name}


def test_a_section_shows_in_its_slot_in_order_and_nowhere_else() -> None:
    app = bare_app()
    register_section(app, Section("organisation", "late.html", by_name("late"), position=50))
    register_section(app, Section("organisation", "first.html", by_name("one")))
    register_section(app, Section("organisation", "second.html", by_name("two")))
    register_section(app, Section("campaign", "scans.html", lambda campaign: {}, position=10))
    register_section(app, Section("organisation", "first.html", by_name("early"), position=10))
    assert render(app) == (
        "<organisation>[first early of Ash Surgery][late][first one of Ash Surgery]"
        "[second two]</organisation><campaign>[scans of Winter]</campaign>")


def test_a_section_whose_builder_returns_none_is_left_out() -> None:
    app = bare_app()
    register_section(app, Section("organisation", "first.html", lambda org: None))
    register_section(app, Section("organisation", "second.html", by_name("shown")))
    assert render(app) == "<organisation>[second shown]</organisation><campaign></campaign>"


def test_a_blueprints_sections_come_only_with_the_blueprint() -> None:
    feature = Blueprint("feature", __name__)

    @page_section(feature, "campaign", "scans.html")
    def _scans(campaign: str) -> dict[str, str]:
        return {}

    assert render(bare_app(feature)) == (
        "<organisation></organisation><campaign>[scans of Winter]</campaign>")
    assert render(bare_app()) == "<organisation></organisation><campaign></campaign>"


def test_an_unknown_slot_is_refused() -> None:
    with pytest.raises(KeyError):
        register_section(bare_app(), Section("organisaton", "first.html", by_name("typo")))
    with pytest.raises(KeyError):
        page_section(Blueprint("feature", __name__), "nowhere", "first.html")


def test_the_organisation_page_shows_the_features_sections_in_order(
        manager_client: FlaskClient, login: Any) -> None:
    org = make_organisation()
    db.session.commit()
    url = f"/directory/organisations/{org.ods_code}"
    page = manager_client.get(url).get_data(as_text=True)
    headings = ['id="outreach-heading"', 'id="referrals-heading"', 'id="org-scans-heading"',
                'id="emails-heading"']
    assert [page.index(h) for h in headings] == sorted(page.index(h) for h in headings)
    steering = login(Role.STEERING).get(url).get_data(as_text=True)
    assert 'id="org-scans-heading"' in steering and 'id="emails-heading"' not in steering


def test_an_app_without_the_links_feature_shows_a_service_page_without_its_question(
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engage, "FEATURES", tuple(f for f in engage.FEATURES if f != "links"))
    app = create_app(base_config(database_url))
    assert "links.answer" not in app.view_functions
    with app.app_context():
        service = make_service()
        db.session.commit()
        slug = service.slug
    page = app.test_client().get(f"/services/{slug}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "All occupational health services" in text and "pub-question" not in text
