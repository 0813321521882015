"""What goes on a poster, and the ZIP of a pack's QR codes.

A poster is for people in a staff room: the service, who it is for, the code, the short
address written out in full, and a phone number or email for those who will not scan.
"""

from __future__ import annotations

import base64
import io
import zipfile
from dataclasses import dataclass
from urllib.parse import urlsplit

from engage.catalogue.completeness import draft_reason, is_public
from engage.catalogue.models import Audience, Service
from engage.links.models import ShortLink
from engage.links.qr import qr_svg
from engage.links.shortlinks import short_url

# Paper sizes a manager can print on; the first is the default.
SIZES = ("A4", "A3")


class PosterRefused(Exception):
    """A poster that must not be printed: its service is retired or not on the public pages."""


@dataclass(frozen=True)
class Contact:
    label: str  # "Call", "Email", "Visit"
    value: str


@dataclass(frozen=True)
class Poster:
    link: ShortLink
    title: str
    who_for: str  # one line on who the service is for
    message: str
    url: str  # what the QR code holds
    typed: str  # the short address as people type it: no scheme
    domain: str  # where it leads, so staff can trust it
    organisation: str  # the organisation's name in proper case, or ""
    contacts: tuple[Contact, ...]  # for people who will not scan; may be empty
    hours: str
    qr_data_uri: str


def who_for(service: Service | None, organisation: str) -> str:
    """One line on who may use the service, at this organisation when the poster has one."""
    at = f" at {organisation}" if organisation else " in primary care"
    if service is None or service.audience == Audience.ALL_STAFF:
        return f"For everyone who works{at}"
    if service.audience == Audience.MANAGERS_ONLY:
        return f"For managers{at}, to refer a member of staff"
    return f"For staff{at} and their families"


def contacts(service: Service | None) -> tuple[Contact, ...]:
    """The catalogue's ways in without a phone camera: phone and email, else the website."""
    if service is None:
        return ()
    found = [Contact(label, value.strip()) for label, value in
             (("Call", service.phone), ("Email", service.email)) if value and value.strip()]
    if not found and service.website and service.website.strip():
        website = service.website.strip()
        found.append(Contact("Visit", website.split("://", 1)[-1].rstrip("/")))
    return tuple(found)


def poster(link: ShortLink, base_url: str) -> Poster:
    """The poster for `link`; PosterRefused when its service is retired or a draft."""
    service = link.service
    reason = refusal(service)
    if reason:
        raise PosterRefused(reason)
    url = short_url(base_url, link.code)
    parts = urlsplit(url)
    title = service.name if service else "Occupational health services"
    if link.target_url and link.touchpoint is not None:
        title = link.touchpoint.title  # an event's registration page (engage.registration)
    message = link.message or (service.summary if service and service.summary else
                               "Free, confidential support for everyone who works here.")
    organisation = link.organisation.display_name if link.organisation else ""
    svg = qr_svg(url)
    return Poster(
        link=link,
        title=title,
        who_for=who_for(service, organisation),
        message=message,
        url=url,
        typed=parts.netloc + parts.path,
        domain=parts.hostname or parts.netloc,
        organisation=organisation,
        contacts=contacts(service),
        hours=service.hours.strip() if service and service.hours else "",
        qr_data_uri="data:image/svg+xml;base64," + base64.b64encode(svg).decode(),
    )


def refusal(service: Service | None) -> str:
    """Why a poster for `service` must not be printed, in words for the manager; "" if it may.

    A code leads to the service's public page: for a retired service or one not yet public
    (a draft, or with no way to contact it) that page is "not found".
    """
    if service is None:
        return ""
    if service.retired:
        return (f"{service.name} is retired, so its poster cannot be printed: its page no "
                "longer tells people how to use it. Make a link to a service that is still "
                "offered, or restore the service in the catalogue.")
    if not is_public(service):
        return (f"{service.name} is not on the public pages yet, so its code would open a "
                f"'not found' page. {draft_reason(service)} Publish it in the catalogue, then "
                "print the poster.")
    return ""


def printable(links: list[ShortLink]) -> tuple[list[ShortLink], list[ShortLink]]:
    """(links that may be printed, links left out: their service is retired or not public)."""
    kept: list[ShortLink] = []
    left_out: list[ShortLink] = []
    for link in links:
        (left_out if refusal(link.service) else kept).append(link)
    return kept, left_out


def paper_size(value: str | None) -> str | None:
    """The paper size asked for ("a3", "A4"), None when it is not one we print on."""
    size = (value or SIZES[0]).strip().upper()
    return size if size in SIZES else None


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
