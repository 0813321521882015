"""Device class from the user agent: mobile, desktop, or bot.

crawlerdetect recognises crawlers, link previewers (WhatsApp, Slack, Teams, Outlook's safe-links
scanners, Facebook) and scripted clients (curl, python-requests); ua-parser (the uap-core rules)
says which operating system a real browser runs on. Both are regex libraries, about a
millisecond a call, so answers are cached by user agent: a practice's phones send a handful of
distinct strings.
"""

from __future__ import annotations

from functools import lru_cache

from crawlerdetect import CrawlerDetect
from ua_parser import parse_device, parse_os

from engage.links.models import Device

MOBILE_SYSTEMS = frozenset({
    "iOS", "iPadOS", "Android", "Windows Phone", "BlackBerry OS", "KaiOS", "Firefox OS",
    "HarmonyOS", "Tizen", "Symbian OS", "Chrome OS Mobile",
})


@lru_cache(maxsize=4096)
def device_class(user_agent: str | None) -> Device:
    """What kind of client sent `user_agent`; a missing user agent is a script, so a bot."""
    agent = (user_agent or "").strip()[:512]
    if not agent or CrawlerDetect().is_crawler(agent):
        return Device.BOT
    device = parse_device(agent)
    if device is not None and device.family == "Spider":
        return Device.BOT
    system = parse_os(agent)
    if system is not None and system.family in MOBILE_SYSTEMS:
        return Device.MOBILE
    if "Mobile" in agent or "Tablet" in agent:
        return Device.MOBILE
    return Device.DESKTOP
