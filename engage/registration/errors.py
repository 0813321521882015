"""What can go wrong with a registration, each with a message for the person registering."""

from __future__ import annotations


class RegistrationError(ValueError):
    """A registration or setting that cannot be made; the message says what to do."""


class RegistrationClosed(RegistrationError):
    """The event is cancelled, over, or no longer taking registrations (410 Gone)."""


class EventFull(RegistrationError):
    """No place left and no waiting list."""


class AlreadyRegistered(RegistrationError):
    """This address already has a place (or a place in the queue) at this event."""

    def __init__(self, registration_id: int) -> None:
        super().__init__("This email address is already registered for this event.")
        self.registration_id = registration_id


class NotAPerson(RegistrationError):
    """The honeypot was filled, the form came back too fast, or its token is not ours."""


class UnknownOrganisation(RegistrationError):
    """The organisation typed names no organisation in the directory, or several."""
