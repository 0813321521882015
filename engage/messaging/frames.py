"""An email's HTML part shown in a page's frame, exactly as it arrives.

Email HTML carries its styles inline (it has no other kind); the app's own pages forbid inline
styles. So the part is served by a route of its own, framed by the page, with a policy that
allows inline styles and nothing else: no script, no requests, no forms, and a sandbox, so even
a hostile part could do nothing but look wrong.
"""

from __future__ import annotations

from flask import Response

MAIL_FRAME_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                     "base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox")


def email_frame(html: str) -> Response:
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = MAIL_FRAME_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
