"""The directory CSV import's fields, as the matching page offers them."""

from __future__ import annotations

from engage.directory.csv_import import FIELDS, REQUIRED
from engage.directory.models import OrgKind
from engage.matching_form import ImportFields

LABELS = {
    "code": "ODS code", "name": "Name", "trading_name": "Trading name (used as the name)",
    "kind": "Kind", "postcode": "Postcode", "locality": "Locality", "email": "Email",
    "phone": "Phone", "pcn": "PCN", "contact_name": "Contact name",
    "contact_role": "Contact role", "staff_headcount": "Staff headcount",
    "address": "Address (lines split by commas)",
    **{f"address_{n}": f"Address line {n}" for n in range(1, 5)},
    "town": "Town", "status": "Status",
    "health_and_wellbeing_board": "Health and wellbeing board (not read)",
    "icb": "ICB (not read)",
}
DIRECTORY_FIELDS = ImportFields(
    kind="directory", fields=FIELDS, labels=LABELS, required=REQUIRED,
    value_choices={"kind": [(kind.label, kind.label) for kind in OrgKind]},
    givable=("kind",),  # every code and name is an organisation's own
)
