"""Campaigns, touchpoints, engagement records, calendar and .ics feed (built in a later issue)."""
