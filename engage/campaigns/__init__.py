"""Campaigns, touchpoints, the engagement ledger, attendance imports, calendar and .ics feed."""
