"""Domain errors of uptake imports, each with a message a manager can act on."""

from __future__ import annotations


class UptakeRejected(ValueError):
    """A file, or a confirmation, that cannot go ahead; nothing was written."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
