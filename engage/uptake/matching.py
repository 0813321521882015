"""The uptake import's fields, as the matching page offers them."""

from __future__ import annotations

from engage.matching_form import ImportFields
from engage.uptake.columns import ALIASES, REQUIRED

LABELS = {
    "date": "Date or month", "organisation_code": "Organisation ODS code",
    "service": "Service", "count": "Number of referrals", "reason": "Reason",
    "route": "Route", "reference": "Referral reference", "staff_group": "Staff group",
    "age_band": "Age band", "sex": "Sex", "ethnicity": "Ethnicity", "disability": "Disability",
}
UPTAKE_FIELDS = ImportFields(kind="uptake", fields=tuple(ALIASES), labels=LABELS,
                             required=REQUIRED)
