"""Device class and coarse family from the user agent.

crawlerdetect recognises crawlers, link previewers (WhatsApp, Slack, Teams, Outlook's safe-links
scanners, Facebook) and scripted clients (curl, python-requests); ua-parser (the uap-core rules)
says which operating system a real browser runs on. Both are regex libraries, about a
millisecond a call, so answers are cached by user agent: a practice's phones send a handful of
distinct strings.

The family is what the visitor key uses instead of the whole user agent (visitors.py): one of
three values, so a client that sends a new user agent with every request still makes at most
three visitors a day for a link, while an iPhone and an Android phone behind one practice
address stay two people.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from engage.links.models import Device

MOBILE_SYSTEMS = frozenset({
    "iOS", "iPadOS", "Android", "Windows Phone", "BlackBerry OS", "KaiOS", "Firefox OS",
    "HarmonyOS", "Tizen", "Symbian OS", "Chrome OS Mobile",
})
# The coarse families: the two phone systems staff carry, and everything else.
FAMILIES = {"iOS": "ios", "iPadOS": "ios", "Android": "android"}
OTHER_FAMILY = "other"


class Profile(NamedTuple):
    device: Device
    family: str  # "ios", "android" or "other"


@lru_cache(maxsize=4096)
def device_profile(user_agent: str | None) -> Profile:
    """What kind of client sent `user_agent`; a missing user agent is a script, so a bot."""
    # The rule sets load at the first scan (answers are cached), not at every start-up.
    from crawlerdetect import CrawlerDetect
    from ua_parser import parse_device, parse_os

    agent = (user_agent or "").strip()[:512]
    if not agent or CrawlerDetect().is_crawler(agent):
        return Profile(Device.BOT, OTHER_FAMILY)
    device = parse_device(agent)
    if device is not None and device.family == "Spider":
        return Profile(Device.BOT, OTHER_FAMILY)
    system = parse_os(agent)
    name = system.family if system is not None else ""
    family = FAMILIES.get(name, OTHER_FAMILY)
    if name in MOBILE_SYSTEMS or "Mobile" in agent or "Tablet" in agent:
        return Profile(Device.MOBILE, family)
    return Profile(Device.DESKTOP, family)


def device_class(user_agent: str | None) -> Device:
    """Mobile, desktop or bot (cached with the family, see `device_profile`)."""
    return device_profile(user_agent).device


def device_family(user_agent: str | None) -> str:
    """The coarse family the visitor key is made from: "ios", "android" or "other"."""
    return device_profile(user_agent).family
