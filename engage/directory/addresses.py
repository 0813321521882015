"""Reading postcodes and post towns as ODS and people write them."""

from __future__ import annotations

import re
from collections.abc import Sequence

_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")

# County names that follow the post town in ODS address lines, spelt as ODS spells them.
COUNTIES = frozenset({
    "AVON", "BEDFORDSHIRE", "BEDS", "BERKSHIRE", "BERKS", "BUCKINGHAMSHIRE", "BUCKS",
    "CAMBRIDGESHIRE", "CAMBS", "CHESHIRE", "CLEVELAND", "CORNWALL", "CUMBRIA", "DERBYSHIRE",
    "DERBYS", "DEVON", "DORSET", "DURHAM", "ESSEX", "GLOUCESTERSHIRE", "GLOS", "HAMPSHIRE",
    "HANTS", "HEREFORDSHIRE", "HERTFORDSHIRE", "HERTS", "HUMBERSIDE", "KENT", "LANCASHIRE",
    "LANCS", "LEICESTERSHIRE", "LEICS", "LINCOLNSHIRE", "LINCS", "MERSEYSIDE", "MIDDLESEX",
    "MIDDX", "NORFOLK", "NORTHAMPTONSHIRE", "NORTHANTS", "NORTHUMBERLAND", "NOTTINGHAMSHIRE",
    "NOTTS", "OXFORDSHIRE", "OXON", "RUTLAND", "SHROPSHIRE", "SALOP", "SOMERSET", "STAFFORDSHIRE",
    "STAFFS", "SUFFOLK", "SURREY", "WARWICKSHIRE", "WARKS", "WILTSHIRE", "WILTS",
    "WORCESTERSHIRE", "WORCS", "YORKSHIRE",
}) | {
    "CO DURHAM", "COUNTY DURHAM", "EAST SUSSEX", "E SUSSEX", "WEST SUSSEX", "W SUSSEX",
    "NORTH YORKSHIRE", "N YORKS", "NORTH YORKS", "SOUTH YORKSHIRE", "S YORKS", "SOUTH YORKS",
    "WEST YORKSHIRE", "W YORKS", "WEST YORKS", "EAST YORKSHIRE", "E YORKS", "EAST YORKS",
    "EAST RIDING OF YORKSHIRE", "NORTH HUMBERSIDE", "SOUTH HUMBERSIDE", "TYNE AND WEAR",
    "TYNE & WEAR", "WEST MIDLANDS", "W MIDLANDS", "GREATER MANCHESTER", "GREATER LONDON",
    "ISLE OF WIGHT", "ISLES OF SCILLY", "NORTH LINCOLNSHIRE", "NORTH EAST LINCOLNSHIRE",
    "SOUTH GLOUCESTERSHIRE", "UNITED KINGDOM", "ENGLAND",
}


def normalise_postcode(raw: str) -> str:
    """`pe71at` → `PE7 1AT`; text that is not a postcode is kept, tidied, as written."""
    compact = "".join(raw.split()).upper()
    if 5 <= len(compact) <= 7:
        return f"{compact[:-3]} {compact[-3:]}"
    return " ".join(raw.split()).upper()


def is_postcode(value: str) -> bool:
    return bool(_POSTCODE.match(value))


def normalise_town(raw: str) -> str:
    """`St. Ives` → `ST IVES`: upper case, full stops dropped, single spaces."""
    return " ".join(raw.replace(".", " ").upper().split())


def post_town_from_lines(lines: Sequence[str]) -> str:
    """The post town from ODS address lines: the last part that is not a county.

    ODS writes "HUNTINGDON,CAMBRIDGESHIRE" or "WEST TOWN, PETERBOROUGH" as often as a clean
    line, so each line is split on commas and read from the end.
    """
    for line in reversed(lines):
        town = town_in_line(line)
        if town is not None:
            return town
    return ""


def town_in_line(line: str) -> str | None:
    """The post town one address line ends with; None when it holds only a county (or nothing)
    and the town is on an earlier line; "" when it is a street, so there is no town to find."""
    for part in reversed(line.split(",")):
        town = normalise_town(part)
        if not town or town in COUNTIES:
            continue
        return "" if any(ch.isdigit() for ch in town) else town
    return None
