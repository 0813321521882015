"""Demo steps for the directory: Cambridgeshire and Peterborough's localities, its real GP
practices from the ODS file, and generated pharmacies, federations, headcounts and contacts.

Every step can run again without changing anything: each adds only what is missing and never
overwrites what someone has since edited.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from engage.demo.context import DemoContext
from engage.demo.names import FIRST_NAMES, STREETS, SURNAMES
from engage.directory.errors import ImportRejected
from engage.directory.imports import already_imported
from engage.directory.localities import (
    add_locality,
    add_rules,
    apply_rules,
    find_locality,
    load_resolver,
)
from engage.directory.models import (
    Contact,
    ContactRole,
    LocalityRule,
    LocalityRuleKind,
    Organisation,
    OrgKind,
    OrgSource,
    OrgStatus,
)
from engage.directory.ods_import import import_ods
from engage.directory.vocab import organisations

ODS_FILE = "epraccur-06H.csv"
COMMISSIONER = "06H"  # NHS Cambridgeshire and Peterborough CCG
HEADCOUNT_TARGET = 3800  # staff across the active practices and the pharmacies
PHONE_PREFIX = "01632 960"  # Ofcom keeps 01632 960000-960999 for fiction: none is anyone's number

SECTOR, DISTRICT, TOWN = (LocalityRuleKind.POSTCODE_SECTOR, LocalityRuleKind.POSTCODE_DISTRICT,
                          LocalityRuleKind.POST_TOWN)
# Worked out from the 06H file: with these, every active 06H GP practice has a locality, and of
# all 182 rows only Y04239 (a community service in Hitchin, SG5) has none. Whittlesey shares
# PE7 with Peterborough's Yaxley and Hampton, hence its two sectors; SG8 is Melbourn and the
# Royston practices that serve south Cambridgeshire.
LOCALITIES: dict[str, tuple[str, dict[LocalityRuleKind, list[str]]]] = {
    "Cambridge": ("Cambridge city, South and East Cambridgeshire", {
        DISTRICT: ["CB1", "CB2", "CB3", "CB4", "CB5", "CB6", "CB7", "CB21", "CB22", "CB23",
                   "CB24", "CB25", "SG8"],
        TOWN: ["CAMBRIDGE", "ELY"],
    }),
    "Fens": ("Fenland: Wisbech, March, Chatteris and Whittlesey", {
        SECTOR: ["PE7 1", "PE7 2"],
        DISTRICT: ["PE13", "PE14", "PE15", "PE16"],
        TOWN: ["WISBECH", "MARCH", "CHATTERIS", "WHITTLESEY"],
    }),
    "Huntingdon": ("Huntingdonshire: Huntingdon, St Ives, St Neots and Ramsey", {
        DISTRICT: ["PE19", "PE26", "PE27", "PE28", "PE29"],
        TOWN: ["HUNTINGDON", "ST IVES", "ST NEOTS", "RAMSEY"],
    }),
    "Peterborough": ("Peterborough city and villages", {
        DISTRICT: ["PE1", "PE2", "PE3", "PE4", "PE5", "PE6", "PE7", "PE8", "PE9"],
        TOWN: ["PETERBOROUGH"],
    }),
}


@dataclass(frozen=True)
class Place:
    town: str
    post_town: str
    postcodes: tuple[str, ...]  # districts (PE13) or sectors (PE7 1)
    pharmacies: int


# 65 community pharmacies, spread over the four localities roughly as their populations are.
PLACES = (
    Place("Cambridge", "Cambridge", ("CB1", "CB2", "CB3", "CB4", "CB5"), 10),
    Place("Ely", "Ely", ("CB6", "CB7"), 3),
    Place("Histon", "Cambridge", ("CB24",), 2),
    Place("Sawston", "Cambridge", ("CB22",), 2),
    Place("Cambourne", "Cambridge", ("CB23",), 2),
    Place("Soham", "Ely", ("CB7",), 1),
    Place("Linton", "Cambridge", ("CB21",), 1),
    Place("Waterbeach", "Cambridge", ("CB25",), 1),
    Place("Wisbech", "Wisbech", ("PE13",), 4),
    Place("March", "March", ("PE15",), 3),
    Place("Chatteris", "Chatteris", ("PE16",), 2),
    Place("Whittlesey", "Peterborough", ("PE7 1", "PE7 2"), 2),
    Place("Outwell", "Wisbech", ("PE14",), 1),
    Place("Huntingdon", "Huntingdon", ("PE29",), 4),
    Place("St Ives", "St Ives", ("PE27",), 3),
    Place("St Neots", "St Neots", ("PE19",), 3),
    Place("Ramsey", "Huntingdon", ("PE26",), 2),
    Place("Sawtry", "Huntingdon", ("PE28",), 1),
    Place("Peterborough", "Peterborough", ("PE1", "PE2", "PE3", "PE4"), 14),
    Place("Yaxley", "Peterborough", ("PE7 3",), 2),
    Place("Thorney", "Peterborough", ("PE6",), 1),
    Place("Eye", "Peterborough", ("PE6",), 1),
)
PHARMACY_NAMES = (
    "{town} Pharmacy Ltd", "{street} Pharmacy", "{surname}'s Chemist", "{town} Late Night Pharmacy",
    "{surname} Pharmacy", "{town} Community Pharmacy", "{surname} & {other} Chemists",
    "{town} Health Centre Pharmacy",
)
FEDERATIONS = (
    ("FED01", "Fenland GP Federation", Place("Wisbech", "Wisbech", ("PE13",), 0)),
    ("FED02", "Huntingdonshire GP Federation", Place("Huntingdon", "Huntingdon", ("PE29",), 0)),
    ("FED03", "Greater Cambridge GP Federation", Place("Cambridge", "Cambridge", ("CB2",), 0)),
)
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters UK postcodes use after the digit


def localities_and_rules(ctx: DemoContext) -> str:
    """The four localities and their rules; rules someone has since moved are left alone."""
    added_localities, added_rules = 0, 0
    for name, (description, rules) in LOCALITIES.items():
        locality = find_locality(ctx.session, name)
        if locality is None:
            locality = add_locality(ctx.session, name, description)
            added_localities += 1
        for kind, values in rules.items():
            taken = set(ctx.session.scalars(
                select(LocalityRule.value).where(LocalityRule.kind == kind,
                                                 LocalityRule.value.in_(values))))
            missing = [value for value in values if value not in taken]
            if missing:
                added_rules += len(add_rules(ctx.session, kind, missing, locality))
    moved = apply_rules(ctx.session, ctx.now) if added_rules else 0
    if not (added_localities or added_rules):
        return "Localities: already there."
    return (f"Localities: added {added_localities} localities and {added_rules} rules "
            f"({organisations(moved)} placed).")


def gp_practices(ctx: DemoContext) -> str:
    """The real 06H practices from NHS ODS's epraccur file, imported as a person would."""
    path = ctx.data_dir / ODS_FILE
    if not path.is_file():
        return (f"GP practices: NOT LOADED. The ODS file {ODS_FILE} is not at {path}. Put the "
                "reference data there (see README) or pass --data-dir, then run this again.")
    data = path.read_bytes()
    if already_imported(ctx.session, data, "ods", COMMISSIONER):
        return f"GP practices: {ODS_FILE} already imported."
    try:
        summary = import_ods(ctx.session, data, now=ctx.now, commissioner=COMMISSIONER,
                             filename=ODS_FILE)
    except ImportRejected as exc:
        return f"GP practices: NOT LOADED. {exc}"
    return (f"GP practices: imported {ODS_FILE} for {COMMISSIONER} ({summary.added} added, "
            f"{summary.updated} updated, {summary.skipped_total} other settings skipped).")


def _postcode(ctx: DemoContext, code: str, area: str) -> str:
    rng = ctx.random("postcode", code)
    letters = "".join(rng.choice(INWARD_LETTERS) for _ in range(2))
    if " " in area:  # a sector: the digit is given
        return f"{area}{letters}"
    return f"{area} {rng.randint(1, 9)}{letters}"


def _new_demo_org(ctx: DemoContext, code: str, name: str, kind: OrgKind, place: Place,
                  street: str, phone_number: int) -> Organisation:
    rng = ctx.random("address", code)
    lines = [f"{rng.randint(1, 120)} {street}", place.town]
    if place.post_town != place.town:
        lines.append(place.post_town)
    org = Organisation(
        ods_code=code, name=name, kind=kind, status=OrgStatus.ACTIVE, source=OrgSource.DEMO,
        is_demo=True, address="\n".join(lines),
        postcode=_postcode(ctx, code, rng.choice(place.postcodes)),
        phone=f"{PHONE_PREFIX}{phone_number:03d}", commissioner="", locality_locked=False,
        created_at=ctx.now, updated_at=ctx.now,
    )
    ctx.session.add(org)
    return org


def _pharmacy_plan(ctx: DemoContext) -> list[tuple[str, str, Place, str]]:
    """(code, name, place, street) for each generated pharmacy: the same on every run."""
    rng = ctx.random("pharmacies")
    codes: set[str] = set()
    names: set[str] = set()
    plan = []
    for place in PLACES:
        for _ in range(place.pharmacies):
            code = ""
            while not code or code in codes:
                code = f"F{rng.choice('ABCDEGHJKLMNPQRTVWXY')}{rng.randint(100, 999)}"
            name, street = "", ""
            while not name or name in names:
                street = rng.choice(STREETS)
                name = rng.choice(PHARMACY_NAMES).format(
                    town=place.town, street=street, surname=rng.choice(SURNAMES),
                    other=rng.choice(SURNAMES))
            codes.add(code)
            names.add(name)
            plan.append((code, name, place, street))
    return plan


def pharmacies_and_federations(ctx: DemoContext) -> str:
    """65 generated community pharmacies and 3 GP federations, placed by the locality rules."""
    plan = [(code, name, OrgKind.COMMUNITY_PHARMACY, place, street)
            for code, name, place, street in _pharmacy_plan(ctx)]
    plan += [(code, name, OrgKind.GP_FEDERATION, place, "Station Road")
             for code, name, place in FEDERATIONS]
    existing = set(ctx.session.scalars(
        select(Organisation.ods_code).where(Organisation.ods_code.in_([p[0] for p in plan]))))
    resolver = load_resolver(ctx.session)
    added = 0
    for number, (code, name, kind, place, street) in enumerate(plan):
        if code in existing:
            continue
        org = _new_demo_org(ctx, code, name, kind, place, street, number)
        org.locality_id = resolver.resolve(org.postcode, org.address)
        added += 1
    ctx.session.flush()
    if not added:
        return "Pharmacies and federations: already there."
    return f"Pharmacies and federations: added {added}."


def _active(ctx: DemoContext, kinds: tuple[OrgKind, ...]) -> list[Organisation]:
    return list(ctx.session.scalars(
        select(Organisation).options(selectinload(Organisation.contacts))
        .where(Organisation.kind.in_(kinds), Organisation.status == OrgStatus.ACTIVE)
        .order_by(Organisation.ods_code)))


def staff_headcounts(ctx: DemoContext) -> str:
    """Headcounts for practices and pharmacies totalling 3,800, for those that have none."""
    orgs = [org for org in _active(ctx, (OrgKind.GP_PRACTICE, OrgKind.COMMUNITY_PHARMACY))
            if org.kind is OrgKind.GP_PRACTICE or org.is_demo]
    raw = {}
    for org in orgs:
        rng = ctx.random("headcount", org.ods_code)
        raw[org.ods_code] = (rng.randint(15, 75) if org.kind is OrgKind.GP_PRACTICE
                             else rng.randint(4, 14))
    missing = [org for org in orgs if org.staff_headcount is None]
    if not missing:
        return "Staff headcounts: already set."
    scale = HEADCOUNT_TARGET / sum(raw.values()) if len(missing) == len(orgs) else 1.0
    for org in missing:
        org.staff_headcount = max(1, round(raw[org.ods_code] * scale))
    if len(missing) == len(orgs):  # a first run: make the total exact
        largest = max(orgs, key=lambda org: org.staff_headcount or 0)
        largest.staff_headcount = (largest.staff_headcount or 0) + HEADCOUNT_TARGET - sum(
            org.staff_headcount or 0 for org in orgs)
    for code, _name, _place in FEDERATIONS:
        federation = ctx.session.scalar(select(Organisation).where(Organisation.ods_code == code))
        if federation is not None and federation.staff_headcount is None:
            federation.staff_headcount = ctx.random("headcount", code).randint(12, 40)
    total = sum(org.staff_headcount or 0 for org in orgs)
    return f"Staff headcounts: set for {organisations(len(missing))} ({total} staff in all)."


def primary_care_networks(ctx: DemoContext) -> str:
    """Group the active practices of each locality into PCNs of four to seven, by postcode."""
    practices = [org for org in _active(ctx, (OrgKind.GP_PRACTICE,)) if org.locality is not None]
    if not practices:
        return "Primary care networks: no practices to group."
    if any(org.pcn for org in practices):
        return "Primary care networks: already set."
    by_locality: dict[str, list[Organisation]] = defaultdict(list)
    for org in sorted(practices, key=lambda org: (org.postcode, org.ods_code)):
        by_locality[org.locality.name].append(org)  # type: ignore[union-attr]
    names: set[str] = set()
    for locality, members in sorted(by_locality.items()):
        rng = ctx.random("pcn", locality)
        groups: list[list[Organisation]] = []
        while members:
            size = rng.randint(4, 7)
            groups.append(members[:size])
            members = members[size:]
        if len(groups) > 1 and len(groups[-1]) < 4:
            groups[-2].extend(groups.pop())  # no PCN of one or two practices
        for group in groups:
            towns = [org.post_town for org in group if org.post_town]
            town = (max(set(towns), key=towns.count) if towns else locality).title()
            name, n = f"{town} PCN", 2
            while name in names:
                name, n = f"{town} {n} PCN", n + 1
            names.add(name)
            for org in group:
                org.pcn = name
    return f"Primary care networks: grouped {len(practices)} practices into {len(names)} PCNs."


def contacts(ctx: DemoContext) -> str:
    """A practice and a referral manager per practice, a lead per pharmacy and federation."""
    wanted = {
        OrgKind.GP_PRACTICE: (ContactRole.PRACTICE_MANAGER, ContactRole.REFERRAL_MANAGER),
        OrgKind.COMMUNITY_PHARMACY: (ContactRole.PHARMACY_LEAD,),
        OrgKind.GP_FEDERATION: (ContactRole.FEDERATION_MANAGER,),
    }
    added = 0
    for org in _active(ctx, tuple(wanted)):
        if org.kind is OrgKind.COMMUNITY_PHARMACY and not org.is_demo:
            continue  # a real pharmacy's people are not ours to invent
        have = {contact.role for contact in org.contacts}
        for role in wanted[org.kind]:
            if role in have:
                continue
            rng = ctx.random("contact", org.ods_code, role.value)
            first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
            org.contacts.append(Contact(
                name=f"{first} {last}", role=role, is_demo=True, phone="",
                email=f"{first}.{last}@{org.ods_code}.example.org".lower().replace("'", ""),
                do_not_email=rng.random() < 0.03,
            ))
            added += 1
    if not added:
        return "Contacts: already there."
    return f"Contacts: added {added} (example.org addresses)."

