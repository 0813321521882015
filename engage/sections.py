"""Sections one feature adds to another feature's page, so that the page never names them.

A page marks a slot and includes what is registered there, each partial with its `section`:
`{% for partial, section in page_sections("organisation", org=org) %}{% include partial %}...`
A feature registers a section when its blueprint is registered on the app, so an app without
that blueprint simply shows the page without the section.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Blueprint, Flask, current_app
from flask.sansio.app import App

# Each slot: where it is and the objects its sections are given (the page owns the slot).
SLOTS: dict[str, str] = {
    "organisation": "the directory's organisation page, after the contacts; org",
    "campaign": "the campaign page, after the organisations not engaged; campaign",
    "touchpoint_reach": "the touchpoint page, between the reach and the history; touchpoint",
    "touchpoint": "the touchpoint page, after the history; touchpoint",
    "public_service": "a public service page, before the link to every service; service, via",
}

_EXTENSION = "engage.sections"

Builder = TypeVar("Builder", bound=Callable[..., Any])


@dataclass(frozen=True)
class Section:
    """A partial template, and what builds its `section` from the page's objects.

    `build` returns None to leave the section out of this page (not a meeting, not a manager).
    Lower `position` comes first; equal positions keep the order they were registered in.
    """

    slot: str
    template: str
    build: Callable[..., Any]
    position: int = 100


def _check(slot: str) -> None:
    if slot not in SLOTS:
        raise KeyError(f"no page has a section slot called {slot!r}")


def register_section(app: App, section: Section) -> None:
    _check(section.slot)
    registry: dict[str, list[Section]] = app.extensions.setdefault(_EXTENSION, {})
    placed = registry.setdefault(section.slot, [])
    placed.append(section)
    placed.sort(key=lambda s: s.position)  # stable: registration order breaks ties


def page_section(bp: Blueprint, slot: str, template: str,
                 position: int = 100) -> Callable[[Builder], Builder]:
    """Decorate a section's builder in a view module: registered with the blueprint."""
    _check(slot)

    def decorate(build: Builder) -> Builder:
        bp.record_once(lambda state: register_section(
            state.app, Section(slot, template, build, position)))
        return build

    return decorate


def sections_for(app: Flask, slot: str) -> list[Section]:
    _check(slot)
    return list(app.extensions.get(_EXTENSION, {}).get(slot, ()))


def page_sections(slot: str, **objects: Any) -> list[tuple[str, Any]]:
    """For the page template: each section of the slot that applies, as (template, section)."""
    shown = []
    for section in sections_for(current_app, slot):
        built = section.build(**objects)
        if built is not None:
            shown.append((section.template, built))
    return shown
