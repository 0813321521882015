"""Error pages that help the reader and reveal nothing about the internals."""

from __future__ import annotations

import logging

from flask import Flask, current_app, render_template
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
          "Files can be up to {limit}. Split the file into smaller parts, or remove columns "
          "engage does not need, and upload it again."),
    429: ("Too many attempts",
          "Wait a few minutes and try again. If you have forgotten your password, ask an "
          "administrator to reset it."),
    500: ("Sorry, there is a problem with the service",
          "Try again later. Nothing you entered has been saved. If it keeps happening, tell the "
          "engage administrator the time it happened."),
}
# Headers an HTTP error must keep on its page: Allow on 405, Retry-After on 429 and 503.
KEPT_HEADERS = ("Allow", "Retry-After")


def size_label(size: int) -> str:
    """A byte count as people say it: 20 MB, 512 KB."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    return f"{max(1, size // 1024)} KB"


def render_error(
    code: int, title: str | None = None, message: str | None = None
) -> tuple[str, int]:
    """The error page for `code`, with its usual words unless others are given."""
    default_title, default_message = MESSAGES.get(code, MESSAGES[500])
    limit = size_label(current_app.config.get("MAX_CONTENT_LENGTH") or 0)
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
    def http_error(error: HTTPException) -> tuple[str, int, list[tuple[str, str]]] | HTTPException:
        if error.code is None or error.code < 400:
            return error
        body, code = render_error(error.code)
        headers = [(k, v) for k, v in error.get_headers() if k in KEPT_HEADERS]
        return body, code, headers

    @app.errorhandler(Exception)
    def unhandled(error: Exception) -> tuple[str, int]:
        # The traceback goes to the log for the operator; the reader gets the generic page.
        log.exception("unhandled error", exc_info=error)
        from engage.extensions import db

        db.session.rollback()  # a failed transaction must not break the page or the next request
        return render_error(InternalServerError.code)
