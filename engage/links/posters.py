"""What goes on a poster, and the ZIP of a pack's QR codes."""

from __future__ import annotations

import base64
import io
import zipfile
from dataclasses import dataclass
from urllib.parse import urlsplit

from engage.links.models import ShortLink
from engage.links.qr import qr_svg
from engage.links.shortlinks import short_url


@dataclass(frozen=True)
class Poster:
    link: ShortLink
    title: str
    message: str
    url: str  # what the QR code holds
    typed: str  # the short address as people type it: no scheme
    domain: str  # where it leads, so staff can trust it
    for_whom: str
    qr_data_uri: str


def poster(link: ShortLink, base_url: str) -> Poster:
    url = short_url(base_url, link.code)
    parts = urlsplit(url)
    service = link.service
    title = service.name if service else "Occupational health services"
    message = link.message or (service.summary if service and service.summary else
                               "Free, confidential support for everyone who works here.")
    svg = qr_svg(url)
    return Poster(
        link=link,
        title=title,
        message=message,
        url=url,
        typed=parts.netloc + parts.path,
        domain=parts.hostname or parts.netloc,
        for_whom=link.organisation.name if link.organisation else "",
        qr_data_uri="data:image/svg+xml;base64," + base64.b64encode(svg).decode(),
    )


def svg_zip(links: list[ShortLink], base_url: str) -> bytes:
    """A ZIP with one QR code SVG per link, named by organisation and code."""
    from slugify import slugify  # not at start-up: only the poster pack needs it

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for link in links:
            who = link.organisation.ods_code if link.organisation else "any"
            name = slugify(f"{who}-{link.organisation.name if link.organisation else ''}",
                           max_length=60) or "poster"
            archive.writestr(f"{name}-{link.code}.svg", qr_svg(short_url(base_url, link.code)))
    return buffer.getvalue()
