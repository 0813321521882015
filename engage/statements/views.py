"""The privacy notice and the accessibility statement: public, no log-in, no cookie."""

from __future__ import annotations

from datetime import date

from flask import current_app, render_template

from engage.auth.access import Access, access
from engage.statements.blueprint import bp
from engage.statements.contacts import Contact, contact
from engage.templating import demo_data_present

# When the accessibility statement was prepared and last reviewed (it must say so).
ACCESSIBILITY_PREPARED = date(2026, 12, 6)
ACCESSIBILITY_REVIEWED = date(2026, 12, 6)


def _contact(setting: str) -> Contact:
    return contact(setting, current_app.config.get(setting, ""), demo=demo_data_present())


@bp.get("/privacy")
@access(Access.PUBLIC)
def privacy() -> str:
    """What the public pages collect (nothing that identifies anyone), keep, and for how long."""
    return render_template(
        "statements/privacy.html", contact=_contact("DATA_PROTECTION_CONTACT"),
        burst_minutes=current_app.config["AWARENESS_BURST_MINUTES"])


@bp.get("/accessibility")
@access(Access.PUBLIC)
def accessibility() -> str:
    """The accessibility statement: WCAG 2.2 AA, how it was tested, known issues, reporting."""
    return render_template(
        "statements/accessibility.html", contact=_contact("ACCESSIBILITY_CONTACT"),
        prepared=ACCESSIBILITY_PREPARED, reviewed=ACCESSIBILITY_REVIEWED)
