"""Synthetic catalog for `generate_data` (the network's plug-in point, see its module docstring).

Services and opportunities for the organisations the network steps just generated, drawn
from the same seeded generator after them, so the network part of a seed never changes.
Each service gets areas that suit its provider's kind, 0-3 languages, the Ambiti, province or
region it serves, a stage, sometimes free places and a place in the public guide. Dates are
counted back from the day of the run (how long since the entry was verified), so a seed gives
the same data on the same day and the same share of stale entries on any day.

Sizes: small ≈ 300, regional ≈ 10,000, national ≈ 100,000 services; about one opportunity
for every five services. Everything is bulk-inserted in batches and recognised by its
`source`, so the next run deletes it first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Q
from django.utils import timezone

from ponte.catalog.models import (
    Opportunity,
    Service,
    ServiceCapacity,
    ServiceLanguage,
    ServiceTopic,
)
from ponte.catalog.services import search_text_for
from ponte.catalog.taxonomy import Area, Format, Presence, Stage, Status
from ponte.network.management.synthetic import SOURCE_PREFIX, Context, save_all
from ponte.network.models import Organization, OrganizationKind, Territory

SERVICES = {"small": 300, "regional": 10_000, "national": 100_000}
A, K = Area, OrganizationKind

# What each kind of organisation typically offers (area, weight); others draw from ANY_KIND.
AREAS_BY_KIND: dict[str, list[tuple[str, int]]] = {
    K.AMBITO_OFFICE: [
        (A.WORK_GUIDANCE, 4),
        (A.MEDIATION, 3),
        (A.ECONOMIC_SUPPORT, 3),
        (A.HOUSING_TEMPORARY, 2),
        (A.LEGAL, 2),
        (A.INTERNSHIPS, 2),
        (A.ANTI_TRAFFICKING, 1),
    ],
    K.MUNICIPALITY: [(A.ECONOMIC_SUPPORT, 3), (A.HOUSING_EMERGENCY, 2), (A.BASIC_NEEDS, 2)],
    K.CPI: [(A.JOB_PLACEMENT, 5), (A.WORK_GUIDANCE, 4), (A.INTERNSHIPS, 2)],
    K.CPIA: [(A.ITALIAN_LANGUAGE, 6), (A.TRAINING, 2)],
    K.TRAINING_CENTRE: [(A.TRAINING, 5), (A.INTERNSHIPS, 3), (A.WORK_GUIDANCE, 1)],
    K.SCHOOL: [(A.TRAINING, 4), (A.ITALIAN_LANGUAGE, 1)],
    K.UNION: [(A.LABOUR_DISPUTES, 5), (A.LEGAL, 3), (A.WORK_GUIDANCE, 1)],
    K.ANTI_TRAFFICKING: [(A.ANTI_TRAFFICKING, 6), (A.LEGAL, 2), (A.HOUSING_EMERGENCY, 1)],
    K.CARITAS: [(A.BASIC_NEEDS, 4), (A.HOUSING_EMERGENCY, 3), (A.ECONOMIC_SUPPORT, 2)],
    K.RECEPTION_SAI: [(A.RECEPTION, 5), (A.HOUSING_TEMPORARY, 2), (A.ITALIAN_LANGUAGE, 1)],
    K.RECEPTION_CAS: [(A.RECEPTION, 5), (A.HOUSING_EMERGENCY, 2)],
    K.ASST: [(A.HEALTH, 6)],
    K.ATS: [(A.HEALTH, 4)],
    K.LABOUR_INSPECTORATE: [(A.LABOUR_DISPUTES, 3), (A.ANTI_TRAFFICKING, 2)],
    K.PREFECTURE: [(A.LEGAL, 3), (A.ANTI_TRAFFICKING, 1)],
    K.POLICE: [(A.LEGAL, 3)],
    K.INPS: [(A.ECONOMIC_SUPPORT, 3)],
    K.EMPLOYER: [(A.JOB_PLACEMENT, 4), (A.INTERNSHIPS, 2)],
    K.EMPLOYER_ASSOCIATION: [(A.JOB_PLACEMENT, 3), (A.TRAINING, 2)],
    K.INTERNATIONAL: [(A.ANTI_TRAFFICKING, 2), (A.LEGAL, 2)],
}
ANY_KIND: list[tuple[str, int]] = [
    (A.MEDIATION, 3),
    (A.HOUSING_SHARED, 2),
    (A.HOUSING_TEMPORARY, 2),
    (A.BASIC_NEEDS, 2),
    (A.WORK_GUIDANCE, 2),
    (A.ITALIAN_LANGUAGE, 2),
    (A.HEALTH, 1),
    (A.LEGAL, 1),
    (A.TRAINING, 1),
]
NAMES: dict[str, list[str]] = {
    A.WORK_GUIDANCE: ["Sportello lavoro", "Orientamento al lavoro", "Bilancio delle competenze"],
    A.TRAINING: ["Corso di formazione", "Laboratorio di mestiere", "Corso sicurezza sul lavoro"],
    A.INTERNSHIPS: ["Tirocini di inclusione", "Borse lavoro", "Tirocini in azienda"],
    A.JOB_PLACEMENT: ["Incontro domanda-offerta", "Inserimento lavorativo", "Preselezione"],
    A.LEGAL: ["Sportello legale", "Consulenza permessi di soggiorno", "Sportello stranieri"],
    A.LABOUR_DISPUTES: ["Sportello vertenze", "Controllo buste paga", "Tutela contrattuale"],
    A.ANTI_TRAFFICKING: ["Emersione e protezione", "Unità di strada", "Sportello antitratta"],
    A.HOUSING_EMERGENCY: ["Pronto intervento abitativo", "Dormitorio", "Accoglienza notturna"],
    A.HOUSING_TEMPORARY: ["Housing temporaneo", "Supporto all'abitare", "Agenzia per la casa"],
    A.HOUSING_SHARED: ["Appartamenti condivisi", "Coabitazione solidale", "Co-housing"],
    A.HEALTH: ["Ambulatorio STP", "Sportello salute", "Supporto psicologico"],
    A.MEDIATION: ["Mediazione linguistico-culturale", "Mediatori di comunità", "Interpretariato"],
    A.ITALIAN_LANGUAGE: ["Corso di italiano", "Alfabetizzazione", "Italiano per il lavoro"],
    A.BASIC_NEEDS: ["Distribuzione viveri", "Centro di ascolto", "Guardaroba solidale"],
    A.ECONOMIC_SUPPORT: ["Contributi economici", "Microcredito", "Fondo emergenze"],
    A.RECEPTION: ["Accoglienza SAI", "Accoglienza CAS", "Accoglienza diffusa"],
}
DESCRIPTIONS: dict[str, str] = {
    A.WORK_GUIDANCE: "Colloqui di orientamento, curriculum e ricerca attiva del lavoro.",
    A.TRAINING: "Corsi brevi con attestato, in orario serale o nel fine settimana.",
    A.INTERNSHIPS: "Tirocini con indennità e tutor, concordati nel piano individuale.",
    A.JOB_PLACEMENT: "Preselezione e accompagnamento ai colloqui con le aziende.",
    A.LEGAL: "Informazioni e pratiche per permessi, rinnovi e conversioni.",
    A.LABOUR_DISPUTES: "Verifica di contratti, ore e paghe; conciliazioni e vertenze.",
    A.ANTI_TRAFFICKING: "Colloqui di emersione, protezione e accesso al Programma unico.",
    A.HOUSING_EMERGENCY: "Posti letto per le emergenze, anche senza documenti.",
    A.HOUSING_TEMPORARY: "Posti in alloggi di transizione e ricerca della casa.",
    A.HOUSING_SHARED: "Appartamenti condivisi in semi-autonomia.",
    A.HEALTH: "Cure e sostegno, con mediatori; nessuna segnalazione all'autorità.",
    A.MEDIATION: "Mediatori per colloqui ai servizi, in presenza o a distanza.",
    A.ITALIAN_LANGUAGE: "Corsi di lingua italiana per adulti, dal livello pre-A1.",
    A.BASIC_NEEDS: "Viveri, vestiti e beni di prima necessità.",
    A.ECONOMIC_SUPPORT: "Contributi e prestiti per affitto, bollette ed emergenze.",
    A.RECEPTION: "Accoglienza con orientamento legale, lingua e lavoro.",
}
CAPACITY_UNITS: dict[str, str] = {
    A.HOUSING_EMERGENCY: "posti letto",
    A.HOUSING_TEMPORARY: "posti in alloggio",
    A.HOUSING_SHARED: "posti in appartamento",
    A.RECEPTION: "posti in accoglienza",
    A.TRAINING: "posti nei corsi",
    A.ITALIAN_LANGUAGE: "posti nei corsi",
    A.INTERNSHIPS: "tirocini",
}
OPPORTUNITY_KIND: dict[str, str] = {
    A.TRAINING: Opportunity.Kind.COURSE,
    A.ITALIAN_LANGUAGE: Opportunity.Kind.COURSE,
    A.INTERNSHIPS: Opportunity.Kind.INTERNSHIP,
    A.JOB_PLACEMENT: Opportunity.Kind.VACANCY,
    A.HOUSING_EMERGENCY: Opportunity.Kind.HOUSING,
    A.HOUSING_TEMPORARY: Opportunity.Kind.HOUSING,
    A.HOUSING_SHARED: Opportunity.Kind.HOUSING,
    A.RECEPTION: Opportunity.Kind.HOUSING,
}
OPPORTUNITY_TITLES: dict[str, list[str]] = {
    Opportunity.Kind.COURSE: ["Edizione serale", "Edizione intensiva", "Edizione del sabato"],
    Opportunity.Kind.INTERNSHIP: ["Tirocinio in logistica", "Tirocinio in cucina", "Tirocinio"],
    Opportunity.Kind.VACANCY: ["Magazziniere/a", "Operaio/a agricolo", "Addetto/a pulizie"],
    Opportunity.Kind.HOUSING: ["Posto letto", "Posto in appartamento", "Posto per nucleo"],
}
# Languages besides Italian, weighted roughly by how often Lombard services need them.
LANGUAGES = [
    ("en", 10),
    ("fr", 8),
    ("ar", 8),
    ("es", 4),
    ("ur", 4),
    ("pa", 4),
    ("bn", 4),
    ("sq", 3),
    ("ro", 3),
    ("wo", 2),
    ("uk", 2),
    ("zh", 1),
    ("ti", 1),
    ("hi", 1),
]
STAGES = [(Stage.ACTIVE, 75), (Stage.BEING_DESIGNED, 15), (Stage.TO_BE_DEVELOPED, 10)]
STATUSES = [(Status.ACTIVE, 95), (Status.TEMPORARILY_CLOSED, 3), (Status.INACTIVE, 2)]
LEVELS = ["", "", "A1", "A2", "B1"]


def expected_rows(scale_name: str) -> int:
    """For the progress bar: services and, per service, ~1.5 areas, 1.5 languages, 1.2 places."""
    return int(SERVICES.get(scale_name, 0) * 5.6)


def delete_previous() -> None:
    """Remove what an earlier run generated, before the network deletes its organisations."""
    organizations = Organization.objects.filter(source__startswith=SOURCE_PREFIX)
    services = Service.objects.filter(
        Q(source__startswith=SOURCE_PREFIX) | Q(organization__in=organizations)
    )
    Opportunity.objects.filter(Q(service__in=services) | Q(organization__in=organizations)).delete()
    # Children first, each with one DELETE; then the services have nothing left to cascade.
    for model in (ServiceTopic, ServiceLanguage, ServiceCapacity, Service.territories.through):
        model.objects.filter(service__in=services).delete()
    services.delete()


def _weighted(ctx: Context, options: Sequence[tuple[Any, int]]) -> Any:
    values, weights = zip(*options, strict=True)
    return ctx.rng.choices(values, weights=weights)[0]


class _Places:
    """The territories a provider can serve: its Ambiti, its province, its region."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.province = {p.pk: p for p in ctx.provinces}

    def province_of(self, organization: Organization) -> Territory:
        territory = organization.territory
        if territory is not None and territory.pk in self.province:
            return territory
        if territory is not None and territory.parent_id in self.province:
            return self.province[territory.parent_id]
        return self.ctx.rng.choice(self.ctx.provinces)

    def served(self, organization: Organization) -> tuple[list[int], Territory]:
        province = self.province_of(organization)
        ambiti = self.ctx.ambiti.get(province.pk, [])
        roll = self.ctx.rng.random()
        if ambiti and roll < 0.7:
            chosen = self.ctx.rng.sample(ambiti, 2 if roll < 0.07 and len(ambiti) > 1 else 1)
            return [a.pk for a in chosen], province
        if roll < 0.97 or province.parent_id is None:
            return [province.pk], province
        return [province.parent_id], province


def make_services(ctx: Context) -> None:
    rng, places = ctx.rng, _Places(ctx)
    today = timezone.localdate()
    count = SERVICES[ctx.scale_name]
    drafts: list[Service] = []
    links: list[tuple[list[str], list[str], list[int], Territory]] = []
    for number in range(count):
        organization = rng.choice(ctx.organizations)
        options = AREAS_BY_KIND.get(organization.kind, ANY_KIND)
        areas = list(dict.fromkeys(_weighted(ctx, options) for _ in range(rng.choice([1, 1, 2]))))
        languages = sorted({_weighted(ctx, LANGUAGES) for _ in range(rng.choice([0, 1, 1, 2, 3]))})
        territory_ids, province = places.served(organization)
        town = ctx.town(province)
        stage = _weighted(ctx, STAGES)
        status = _weighted(ctx, STATUSES)
        age = None if rng.random() < 0.05 else rng.randrange(540)  # a third older than 6 months
        service = Service(
            organization=organization,
            name=f"{rng.choice(NAMES[areas[0]])} {town.name} n. {number + 1} (fittizio)",
            description=" ".join(DESCRIPTIONS[a] for a in areas),
            stage=stage,
            status=status,
            presence=_weighted(
                ctx, [(Presence.IN_PERSON, 7), (Presence.BOTH, 2), (Presence.ONLINE, 1)]
            ),
            format=_weighted(ctx, [(Format.INDIVIDUAL, 6), (Format.GROUP, 2), (Format.BOTH, 2)]),
            open_without_permit=rng.random() < 0.25,
            is_public=stage == Stage.ACTIVE and status == Status.ACTIVE and rng.random() < 0.3,
            last_verified_on=None if age is None else today - dt.timedelta(days=age),
            source=ctx.source,
            is_demo=True,
        )
        service.search_text = search_text_for(service, areas, languages)
        drafts.append(service)
        links.append((areas, languages, territory_ids, town))
    services = save_all(ctx, Service, drafts, "services")
    _children(ctx, services, links, today)


def _children(
    ctx: Context,
    services: list[Service],
    links: list[tuple[list[str], list[str], list[int], Territory]],
    today: dt.date,
) -> None:
    rng = ctx.rng
    topics, languages, places, capacities, opportunities = [], [], [], [], []
    through = Service.territories.through
    for service, (areas, codes, territory_ids, town) in zip(services, links, strict=True):
        topics += [ServiceTopic(service_id=service.pk, area=a) for a in areas]
        languages += [ServiceLanguage(service_id=service.pk, code=c) for c in codes]
        places += [through(service_id=service.pk, territory_id=t) for t in territory_ids]
        unit = next((CAPACITY_UNITS[a] for a in areas if a in CAPACITY_UNITS), None)
        if unit and rng.random() < 0.5:
            maximum = rng.randint(4, 60)
            capacities.append(
                ServiceCapacity(
                    service_id=service.pk,
                    unit=unit,
                    available=rng.randint(0, maximum // 3),
                    maximum=maximum,
                )
            )
        kind = next((OPPORTUNITY_KIND[a] for a in areas if a in OPPORTUNITY_KIND), None)
        if kind and service.stage == Stage.ACTIVE and rng.random() < 0.45:
            opportunities.append(_opportunity(ctx, service, kind, town, today))
    save_all(ctx, ServiceTopic, topics, "service_topics")
    save_all(ctx, ServiceLanguage, languages, "service_languages")
    save_all(ctx, through, places, "service_territories")
    save_all(ctx, ServiceCapacity, capacities, "service_capacities")
    save_all(ctx, Opportunity, opportunities, "opportunities")


def _opportunity(
    ctx: Context, service: Service, kind: str, town: Territory, today: dt.date
) -> Opportunity:
    rng = ctx.rng
    starts = today + dt.timedelta(days=rng.randint(-30, 120))
    total = rng.randint(1, 25)
    return Opportunity(
        organization_id=service.organization_id,
        service_id=service.pk,
        kind=kind,
        title=f"{rng.choice(OPPORTUNITY_TITLES[kind])} – {town.name} (fittizio)",
        starts_on=starts,
        ends_on=starts + dt.timedelta(days=rng.randint(10, 240)),
        application_deadline=starts - dt.timedelta(days=rng.randint(0, 20)),
        seats_total=total,
        seats_available=rng.randint(0, total),
        italian_level=rng.choice(LEVELS),
        driving_licence_required=kind == Opportunity.Kind.VACANCY and rng.random() < 0.2,
        open_without_permit=kind != Opportunity.Kind.VACANCY and rng.random() < 0.3,
        municipality=town,
        is_open=rng.random() < 0.9,
        is_demo=True,
    )


SYNTHETIC_STEPS = [make_services]
