"""Error pages that help the reader and reveal nothing about the internals."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("The request could not be understood", "Go back, check what you entered and try again."),
    403: ("You do not have permission to see this page",
          "If you think you should, ask an engage administrator to change your role."),
    404: ("Page not found",
          "If you typed the web address, check it is correct. If you pasted it, check you copied "
          "the whole address."),
    405: ("That action is not allowed here",
          "Changes can only be made with the buttons and forms in engage. Go back and use them."),
    413: ("The file is too large",
          "Files can be up to {limit} MB. Split the file into smaller parts, or remove columns "
          "engage does not need, and upload it again."),
    429: ("Too many attempts",
          "Wait a few minutes and try again. If you have forgotten your password, ask an "
          "administrator to reset it."),
    500: ("Sorry, there is a problem with the service",
          "Try again later. Nothing you entered has been saved. If it keeps happening, tell the "
          "engage administrator the time it happened."),
}


def render_error(code: int, title: str | None = None, message: str | None = None) -> tuple[str, int]:
    default_title, default_message = MESSAGES.get(code, MESSAGES[500])
    from flask import current_app

    limit = current_app.config.get("MAX_CONTENT_LENGTH", 0) // (1024 * 1024)
    return (
        render_template(
            "errors/error.html",
            code=code,
            title=title or default_title,
            message=(message or default_message).format(limit=limit),
        ),
        code,
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_error(
            400,
            "Your form had expired",
            "For your security, forms expire. Go back, reload the page and submit it again.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    @app.errorhandler(Exception)
    def unhandled(error: Exception) -> tuple[str, int]:
        log.exception("unhandled error", exc_info=error)
        return render_error(InternalServerError.code)
