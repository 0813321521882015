"""The NHS.UK form macros: error summary links reach a focusable field; hints are announced."""

from __future__ import annotations

import re

from flask import Flask
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, StringField
from wtforms.validators import DataRequired

TEMPLATE = """{% from "macros/forms.html" import error_summary, input, checkbox, radios %}
{{ error_summary(form) }}{{ input(form.name) }}{{ checkbox(form.agree, hint="Tick if yes") }}
{{ radios(form.colour) }}"""


class ExampleForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField("Name", validators=[DataRequired("Enter a name")])
    agree = BooleanField("I agree")
    colour = RadioField("Colour", choices=["Red", "Green"],
                        validators=[DataRequired("Choose a colour")])
    token = HiddenField(validators=[DataRequired("The form had expired")])


def render(app: Flask) -> str:
    with app.test_request_context("/", method="POST", data={}):
        form = ExampleForm()
        form.validate()
        return app.jinja_env.from_string(TEMPLATE).render(form=form)


def test_error_summary_links_each_message_to_something_that_takes_focus(app):
    html = render(app)
    assert '<a href="#name">Enter a name</a>' in html
    # A radio group has no element with the field's own id: link its first option.
    assert '<a href="#colour-0">Choose a colour</a>' in html
    assert 'id="colour-0"' in html
    # A hidden field cannot take focus, so its message is plain text.
    assert re.search(r"<li>\s*The form had expired\s*</li>", html)


def test_hints_and_errors_are_tied_to_their_fields(app):
    html = render(app)
    assert re.search(r'<input[^>]*aria-describedby="name-error"[^>]*id="name"', html)
    assert re.search(r'<input[^>]*aria-describedby="agree-hint"[^>]*id="agree"', html)
    assert 'aria-describedby="colour-error"' in html
