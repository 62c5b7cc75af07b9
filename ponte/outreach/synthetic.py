"""Synthetic outreach for `generate_data` (the network's plug-in point, see its docstring).

For each generated PUA: a handful of places of the kinds the units really visit, outings over
the last year by the PUA's outreach workers, people counted in aggregate, materials in the
languages of the people met, and individual contacts. About half the contacts carry an alias,
and almost a third of those are people the same PUA met before (the alias comes back, spelled a
little differently sometimes), so the repeat-contact rate and the funnel have something to
show. A few contacts are engaged, and some of those have a case reference.

Sizes: small ≈ 300, regional ≈ 5,000, national ≈ 50,000 outings, about three contacts each.
Everything is bulk-inserted and recognised by its `source`; places by their organisation.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone

from ponte.catalog.taxonomy import Area
from ponte.network.management.synthetic import SOURCE_PREFIX, Context, save_all
from ponte.network.models import AccessPoint, Organization
from ponte.network.roles import Role
from ponte.outreach.codes import ISIC_SECTION, Method, PlaceKind, Signal
from ponte.outreach.models import (
    Contact,
    ContactNeed,
    ContactSignal,
    Outing,
    OutingMaterial,
    PeopleMet,
    Place,
)
from ponte.outreach.services import alias_key

OUTINGS = {"small": 300, "regional": 5_000, "national": 50_000}

PLACE_KINDS = [
    (PlaceKind.DELIVERY_HUB, 4),
    (PlaceKind.FIELD, 5),
    (PlaceKind.STATION, 4),
    (PlaceKind.MARKET, 3),
    (PlaceKind.ETHNIC_SHOP, 2),
    (PlaceKind.PLACE_OF_WORSHIP, 2),
    (PlaceKind.DORMITORY, 1),
    (PlaceKind.INDUSTRIAL_AREA, 2),
    (PlaceKind.MEETING_PLACE, 2),
    (PlaceKind.RECEPTION_CENTRE, 1),
    (PlaceKind.ONLINE_SPACE, 1),
]
PLACE_NAMES = {
    PlaceKind.DELIVERY_HUB: "Hub consegne",
    PlaceKind.FIELD: "Campi",
    PlaceKind.STATION: "Stazione",
    PlaceKind.MARKET: "Mercato",
    PlaceKind.ETHNIC_SHOP: "Negozio etnico",
    PlaceKind.PLACE_OF_WORSHIP: "Luogo di culto",
    PlaceKind.DORMITORY: "Dormitorio",
    PlaceKind.INDUSTRIAL_AREA: "Zona industriale",
    PlaceKind.MEETING_PLACE: "Piazza",
    PlaceKind.RECEPTION_CENTRE: "Centro di accoglienza",
    PlaceKind.ONLINE_SPACE: "Gruppo social",
}
METHODS = [(Method.TERRITORIAL, 6), (Method.PEER, 3), (Method.DIGITAL, 2), (Method.NETWORK, 1)]
# Communities met most often, with their languages and the sectors they mostly work in.
COMMUNITIES: list[tuple[str, list[str], list[str], int]] = [
    ("IN", ["pa", "hi"], ["agriculture", "agriculture", "logistics"], 5),
    ("PK", ["ur", "pa"], ["logistics", "agriculture", "trade"], 4),
    ("BD", ["bn"], ["hospitality", "trade", "logistics"], 3),
    ("SN", ["wo", "fr"], ["agriculture", "trade", "logistics"], 3),
    ("MA", ["ar", "fr"], ["construction", "agriculture", "trade"], 3),
    ("NG", ["en"], ["logistics", "domestic", "agriculture"], 2),
    ("RO", ["ro"], ["construction", "domestic", "agriculture"], 2),
    ("UA", ["uk", "ru"], ["domestic", "hospitality"], 1),
    ("AL", ["sq"], ["construction", "manufacturing"], 1),
    ("", ["it"], ["other", "manufacturing"], 1),
]
FIRST = [
    "Raj",
    "Gurpreet",
    "Ali",
    "Imran",
    "Rahim",
    "Mamadou",
    "Fatou",
    "Youssef",
    "Ahmed",
    "Blessing",
    "Ion",
    "Olena",
    "Arben",
    "Kamal",
    "Harpreet",
    "Moussa",
    "Aisha",
    "Samir",
]
TAGS = [
    "del furgone",
    "della stazione",
    "bici rossa",
    "dei campi",
    "del mercato",
    "jr",
    "con il cappello",
    "del turno di notte",
    "del bar",
    "del dormitorio",
]
NEEDS = [
    (Area.LEGAL, 5),
    (Area.LABOUR_DISPUTES, 4),
    (Area.HOUSING_EMERGENCY, 3),
    (Area.HEALTH, 3),
    (Area.ITALIAN_LANGUAGE, 2),
    (Area.JOB_PLACEMENT, 3),
    (Area.ANTI_TRAFFICKING, 1),
    (Area.BASIC_NEEDS, 2),
]
SIGNALS = [s.value for s in Signal]


def expected_rows(scale_name: str) -> int:
    return OUTINGS.get(scale_name, 0) * 9


def delete_previous() -> None:
    organizations = Organization.objects.filter(source__startswith=SOURCE_PREFIX)
    access_points = AccessPoint.objects.filter(lead_organization__in=organizations)
    contacts = Contact.objects.filter(access_point__in=access_points)
    ContactNeed.objects.filter(contact__in=contacts).delete()
    ContactSignal.objects.filter(contact__in=contacts).delete()
    contacts.delete()
    outings = Outing.objects.filter(access_point__in=access_points)
    for model in (OutingMaterial, PeopleMet, Outing.places.through, Outing.team.through):
        model.objects.filter(outing__in=outings).delete()
    outings.delete()
    Place.objects.filter(organization__in=organizations).delete()


def _weighted(ctx: Context, options: list[tuple[Any, int]]) -> Any:
    values, weights = zip(*options, strict=True)
    return ctx.rng.choices(values, weights=weights)[0]


def _alias(ctx: Context) -> str:
    initial = chr(ord("A") + ctx.rng.randrange(26))
    return f"{ctx.rng.choice(FIRST)} {initial}. {ctx.rng.choice(TAGS)}"


def _respell(ctx: Context, alias: str) -> str:
    """The same person written down by another worker: case and spacing differ."""
    roll = ctx.rng.random()
    return alias.lower() if roll < 0.3 else f" {alias.upper()} " if roll < 0.4 else alias


def make_outreach(ctx: Context) -> None:
    rng = ctx.rng
    total = OUTINGS[ctx.scale_name]
    access_points = [ap for ap in ctx.access_points if ap.pk]
    if not access_points or not ctx.provinces:
        return
    workers: dict[int, list[int]] = {}
    for membership in ctx.memberships:
        if membership.role in (Role.OUTREACH_WORKER, Role.CASE_MANAGER):
            workers.setdefault(membership.organization_id, []).append(membership.user_id)

    places: list[Place] = []
    for ap in access_points:
        province = rng.choice(ctx.provinces)
        for _ in range(rng.randint(3, 8)):
            kind = _weighted(ctx, PLACE_KINDS)
            town = ctx.town(province)
            places.append(
                Place(
                    organization_id=ap.lead_organization_id,
                    kind=kind,
                    name=f"{PLACE_NAMES[kind]} di {town.name} (fittizio)",
                    municipality=town,
                    best_times="Dalle 5:30 alle 7" if rng.random() < 0.3 else "",
                )
            )
    places = save_all(ctx, Place, places, "outreach places")
    places_by_org: dict[int, list[Place]] = {}
    for place in places:
        places_by_org.setdefault(place.organization_id, []).append(place)

    today = timezone.localdate()
    outings: list[Outing] = []
    plan: list[tuple[AccessPoint, list[Place], list[int]]] = []
    for _ in range(total):
        ap = rng.choice(access_points)
        method = _weighted(ctx, METHODS)
        start = dt.time(rng.choice([5, 6, 6, 7, 10, 17, 20]), rng.choice([0, 15, 30]))
        outings.append(
            Outing(
                public_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                access_point=ap,
                date=today - dt.timedelta(days=rng.randrange(365)),
                start_time=start,
                end_time=dt.time(min(start.hour + rng.choice([1, 2, 3]), 23), start.minute),
                method=method,
                logbook="Uscita regolare, nessuna criticità (fittizio)."
                if rng.random() < 0.2
                else "",
                synced_at=timezone.now(),
                source=ctx.source,
            )
        )
        org_places = places_by_org.get(ap.lead_organization_id, [])
        visited = rng.sample(org_places, min(len(org_places), rng.choice([1, 1, 2])))
        team = workers.get(ap.lead_organization_id, [])
        plan.append((ap, visited, rng.sample(team, min(len(team), rng.choice([1, 2])))))
    outings = save_all(ctx, Outing, outings, "outreach outings")

    place_links, team_links, materials, people = [], [], [], []
    contacts: list[Contact] = []
    tags: list[tuple[list[str], list[str]]] = []
    known: dict[int, list[str]] = {}  # aliases already met, by PUA
    for outing, (ap, visited, team) in zip(outings, plan, strict=True):
        place_links += [Outing.places.through(outing_id=outing.pk, place_id=p.pk) for p in visited]
        team_links += [Outing.team.through(outing_id=outing.pk, user_id=u) for u in team]
        met = [_weighted(ctx, [(c, c[3]) for c in COMMUNITIES]) for _ in range(rng.randint(2, 9))]
        for language in sorted({c[1][0] for c in met}):
            materials.append(
                OutingMaterial(
                    outing=outing,
                    kind=rng.choice(["leaflet", "leaflet", "rights_card", "health_kit"]),
                    language=language,
                    quantity=rng.randint(5, 40),
                )
            )
        groups: dict[tuple[str, str, str], int] = {}
        for community in met:
            key = (
                rng.choice(["male"] * 4 + ["female"]),
                rng.choice(["18-24", "25-34", "35-49"]),
                community[0],
            )
            groups[key] = groups.get(key, 0) + 1
        people += [
            PeopleMet(outing=outing, gender=g, age_band=a, nationality=n, count=c)
            for (g, a, n), c in sorted(groups.items())
        ]
        channel = "digital" if outing.method == Method.DIGITAL else "street"
        for community in met[: rng.choice([0, 1, 2, 3, 3, 4, 5])]:
            alias = ""
            if rng.random() < 0.55:
                pool = known.setdefault(ap.pk, [])
                if pool and rng.random() < 0.3:
                    # Mostly someone met in recent weeks: the relationship goes on.
                    alias = _respell(ctx, rng.choice(pool[-30:]))
                else:
                    alias = _alias(ctx)
                    pool.append(alias)
            met_at = timezone.make_aware(
                dt.datetime.combine(outing.date, outing.start_time or dt.time(6))
            )
            engaged = rng.random() < 0.08
            sector = rng.choice(community[2])
            contacts.append(
                Contact(
                    public_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                    access_point=ap,
                    outing=outing,
                    channel=channel,
                    met_at=met_at + dt.timedelta(minutes=rng.randrange(90)),
                    alias=alias,
                    alias_key=alias_key(ap.pk, alias),
                    gender=rng.choice(["male"] * 4 + ["female", "unknown"]),
                    age_band=rng.choice(["18-24", "25-34", "25-34", "35-49", "50+", "unknown"]),
                    nationality=community[0],
                    languages=",".join(community[1]),
                    sector=sector if sector in ISIC_SECTION else "other",
                    next_step=rng.choice(
                        ["none", "none", "another_meeting", "pua_appointment", "referral"]
                    ),
                    consent_recontact=engaged or rng.random() < 0.3,
                    engaged_at=met_at + dt.timedelta(days=7) if engaged else None,
                    engagement_consent_at=met_at + dt.timedelta(days=7) if engaged else None,
                    case_ref=uuid.UUID(int=rng.getrandbits(128), version=4)
                    if engaged and rng.random() < 0.6
                    else None,
                    synced_at=timezone.now(),
                    source=ctx.source,
                )
            )
            needs = sorted({_weighted(ctx, NEEDS) for _ in range(rng.choice([0, 1, 1, 2]))})
            signals = sorted(set(rng.sample(SIGNALS, rng.choice([0, 0, 0, 1, 2]))))
            tags.append((needs, signals))
    save_all(ctx, Outing.places.through, place_links, "outreach outing places")
    save_all(ctx, Outing.team.through, team_links, "outreach outing teams")
    save_all(ctx, OutingMaterial, materials, "outreach materials")
    save_all(ctx, PeopleMet, people, "outreach people met")
    contacts = save_all(ctx, Contact, contacts, "outreach contacts")
    needs_rows, signal_rows = [], []
    for contact, (needs, signals) in zip(contacts, tags, strict=True):
        needs_rows += [ContactNeed(contact_id=contact.pk, area=a) for a in needs]
        signal_rows += [ContactSignal(contact_id=contact.pk, code=s) for s in signals]
    save_all(ctx, ContactNeed, needs_rows, "outreach contact needs")
    save_all(ctx, ContactSignal, signal_rows, "outreach contact signals")


SYNTHETIC_STEPS = [make_outreach]
