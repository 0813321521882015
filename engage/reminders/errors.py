"""Errors the reminders feature raises, with a message for the person who caused them."""


class ReminderError(ValueError):
    """A reminder rule or bulletin change that cannot be made, and what to do instead."""
