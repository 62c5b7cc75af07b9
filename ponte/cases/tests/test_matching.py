"""Matching: each reason a service or opportunity fits or may not, the ranking, the page."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from conftest import verified_client
from ponte.cases.matching import Suggestion, suggest
from ponte.cases.models import Case, CaseNeed, Experience, LanguageSkill, SkillsProfile
from ponte.cases.tests.test_plan_services import make_case
from ponte.catalog.factories import CapacityFactory, OpportunityFactory, ServiceFactory
from ponte.catalog.models import Opportunity, RequiredDocument
from ponte.catalog.taxonomy import Area, Stage
from ponte.network.factories import TerritoryFactory
from ponte.network.models import Territory
from ponte.people.models import PassportStatus, PermitType

TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def english() -> Any:
    """The reasons are asserted on their English msgids."""
    with translation.override("en"):
        yield


@dataclass
class Map:
    region: Territory
    province: Territory
    ambito: Territory
    nearby: Territory
    town: Territory
    far_town: Territory
    elsewhere: Territory


@pytest.fixture
def places(world: Any) -> Map:
    region = TerritoryFactory(level="region", code="R-F", name="Regione fittizia")
    province = TerritoryFactory(
        level="province", code="P-F", name="Provincia fittizia", parent=region
    )
    ambito = TerritoryFactory(level="ambito", code="A-F", name="Ambito fittizio", parent=province)
    nearby = TerritoryFactory(level="ambito", code="A-N", name="Ambito vicino", parent=province)
    town = TerritoryFactory(
        level="municipality", code="M-F", name="Comune fittizio", parent=province, ambito=ambito
    )
    far_town = TerritoryFactory(
        level="municipality", code="M-N", name="Comune vicino", parent=province, ambito=nearby
    )
    other_province = TerritoryFactory(level="province", code="P-X", name="Altrove", parent=region)
    elsewhere = TerritoryFactory(
        level="ambito", code="A-X", name="Ambito lontano", parent=other_province
    )
    world.own_access_point.ambiti.set([ambito])
    return Map(region, province, ambito, nearby, town, far_town, elsewhere)


@pytest.fixture
def case(world: Any, places: Map) -> Case:
    c = make_case(world)
    person = c.person
    person.languages = "fr,wo"
    person.permit_type = PermitType.NONE
    person.save()
    CaseNeed.objects.create(case=c, area=Area.WORK_GUIDANCE, recorded_on=TODAY())
    CaseNeed.objects.create(case=c, area=Area.TRAINING, recorded_on=TODAY())
    return c


def _find(items: list[Suggestion], title: str) -> Suggestion:
    return next(s for s in items if s.title == title)


def _texts(s: Suggestion) -> tuple[str, str]:
    return " | ".join(s.fits), " | ".join(s.concerns)


def test_service_reasons(world: Any, case: Case, places: Map) -> None:
    user = world.users["case_manager"]
    good = ServiceFactory(
        name="Orientamento fittizio",
        areas=[Area.WORK_GUIDANCE],
        langs=["fr"],
        places=[places.ambito],
        open_without_permit=True,
        last_verified_on=TODAY(),
    )
    CapacityFactory(service=good, available=2)
    full = ServiceFactory(
        name="Corso pieno fittizio",
        areas=[Area.TRAINING],
        langs=["bn"],
        places=[places.province],
        last_verified_on=TODAY(),
    )
    CapacityFactory(service=full, available=0)
    RequiredDocument.objects.create(service=full, document="Permesso di soggiorno")
    far = ServiceFactory(
        name="Orientamento vicino", areas=[Area.WORK_GUIDANCE], places=[places.nearby]
    )
    ServiceFactory(
        name="Orientamento lontano", areas=[Area.WORK_GUIDANCE], places=[places.elsewhere]
    )
    ServiceFactory(name="Casa fittizia", areas=[Area.HOUSING_EMERGENCY], places=[places.ambito])
    ServiceFactory(name="In progettazione", stage=Stage.BEING_DESIGNED, places=[places.ambito])

    items = suggest(case, user)
    titles = [s.title for s in items]
    assert titles[0] == "Orientamento fittizio"
    assert "Orientamento lontano" not in titles  # outside the province
    assert "Casa fittizia" not in titles  # answers no need
    assert "In progettazione" not in titles  # not active

    fits, concerns = _texts(_find(items, "Orientamento fittizio"))
    assert "Answers a need: Work guidance" in fits
    assert "Offered in français" in fits
    assert "Open to people without a valid permit" in fits
    assert "In the PUA's area" in fits
    assert "2 places free now" in fits
    assert concerns == ""

    fits, concerns = _texts(_find(items, "Corso pieno fittizio"))
    assert "Covers Provincia fittizia" in fits
    assert "No places free now" in concerns
    assert "Requires a valid residence permit" in concerns
    assert "Documents required: Permesso di soggiorno" in concerns
    assert "interpreter may be needed" in concerns

    fits, concerns = _texts(_find(items, "Orientamento vicino"))
    assert "In a nearby area: Ambito vicino" in concerns
    assert "Not verified for over six months" in concerns
    del far


def test_opportunity_reasons(world: Any, case: Case, places: Map) -> None:
    user = world.users["case_manager"]
    profile = SkillsProfile.objects.create(case=case, childcare_constraints=True)
    LanguageSkill.objects.create(profile=profile, language="it", level="A2")
    Experience.objects.create(profile=profile, what="Raccolta", sector="agriculture")
    person = case.person
    person.passport = PassportStatus.HELD_BY_OTHERS
    person.save()
    OpportunityFactory(
        title="Tirocinio agricolo fittizio",
        kind=Opportunity.Kind.INTERNSHIP,
        seats_total=3,
        seats_available=2,
        open_without_permit=True,
        skills="Esperienza in agriculture o raccolta",
        municipality=places.town,
    )
    OpportunityFactory(
        title="Corso B1 fittizio",
        kind=Opportunity.Kind.COURSE,
        seats_total=10,
        seats_available=0,
        italian_level="B1",
        required_documents="Passaporto\nCodice fiscale",
        driving_licence_required=True,
        municipality=places.far_town,
        application_deadline=TODAY() + datetime.timedelta(days=3),
    )
    OpportunityFactory(title="Chiusa fittizia", is_open=False)
    OpportunityFactory(
        title="Scaduta fittizia", application_deadline=TODAY() - datetime.timedelta(days=1)
    )

    items = suggest(case, user)
    titles = [s.title for s in items]
    assert "Chiusa fittizia" not in titles and "Scaduta fittizia" not in titles

    good = _find(items, "Tirocinio agricolo fittizio")
    fits, concerns = _texts(good)
    assert "Answers a need" not in fits  # internships/job placement were not recorded needs
    assert "2 seats available" in fits
    assert "Open to people without a valid permit" in fits
    assert "Experience in the sector: Agriculture" in fits
    assert "In the PUA's area" in fits
    assert "children to look after" in concerns

    bad = _find(items, "Corso B1 fittizio")
    fits, concerns = _texts(bad)
    assert "Answers a need: Training" in fits
    assert "No seats now" in concerns
    assert "Needs B1 Italian" in concerns
    assert "Documents required: Passaporto; Codice fiscale" in concerns
    assert "does not hold their passport" in concerns
    assert "Needs a driving licence" in concerns
    assert "Requires a valid residence permit" in concerns
    assert "Comune vicino" in concerns
    assert "Apply by" in concerns
    assert good.score > bad.score


def test_italian_level_enough_and_unknown(world: Any, case: Case) -> None:
    OpportunityFactory(title="Corso A2 fittizio", italian_level="A2")
    unknown = _find(suggest(case, world.users["case_manager"]), "Corso A2 fittizio")
    assert "the person's level is not recorded" in " ".join(unknown.concerns)
    profile = SkillsProfile.objects.create(case=case)
    LanguageSkill.objects.create(profile=profile, language="it", level="B1")
    enough = _find(suggest(case, world.users["case_manager"]), "Corso A2 fittizio")
    assert "Italian level is enough (A2 required)" in enough.fits


def test_query_count_is_bounded(
    world: Any, case: Case, places: Map, django_assert_max_num_queries: Any
) -> None:
    for n in range(15):
        s = ServiceFactory(name=f"Servizio {n}", langs=["fr", "ar"], places=[places.ambito])
        CapacityFactory(service=s)
        RequiredDocument.objects.create(service=s, document="Documento")
        OpportunityFactory(title=f"Opportunità {n}", service=s, municipality=places.town)
    case = Case.objects.select_related("person", "access_point").get(pk=case.pk)
    with django_assert_max_num_queries(16):
        items = suggest(case, world.users["case_manager"])
    assert len(items) == 30


def test_matching_page_and_add_button(world: Any, case: Case, places: Map) -> None:
    ServiceFactory(name="Orientamento fittizio", places=[places.ambito])
    url = reverse("cases:matching", args=[case.public_id])
    page = verified_client(world.users["case_manager"]).get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Orientamento fittizio" in html
    assert reverse("cases:plan_add_service", args=[case.public_id]) in html
    assert f"{reverse('catalog:service_list')}?area=training&amp;place={places.ambito.pk}" in html
    reader = verified_client(world.users["specialist"]).get(url).content.decode()
    assert reverse("cases:plan_add_service", args=[case.public_id]) not in reader
    assert verified_client(world.users["analyst"]).get(url).status_code == 404


def test_the_best_fit_is_kept_on_a_large_catalog_whatever_its_name(
    world: Any, case: Case, places: Map, django_assert_max_num_queries: Any
) -> None:
    """More candidates than the cap, all answering a need in the PUA's area: the best fit sorts
    last by name, yet the SQL ranking keeps it among the candidates, and it comes first."""
    from ponte.cases.matching import MAX_CANDIDATES

    for n in range(MAX_CANDIDATES + 5):
        ServiceFactory(
            name=f"Agenzia {n:03d} fittizia",
            areas=[Area.WORK_GUIDANCE],
            langs=["bn"],
            places=[places.ambito],
            last_verified_on=TODAY(),
        )
    best = ServiceFactory(
        name="Zeta orientamento fittizio",
        areas=[Area.WORK_GUIDANCE, Area.TRAINING],
        langs=["fr"],
        places=[places.ambito],
        open_without_permit=True,
        last_verified_on=TODAY(),
    )
    CapacityFactory(service=best, available=3)
    case = Case.objects.select_related("person", "access_point").get(pk=case.pk)
    with django_assert_max_num_queries(16):
        items = suggest(case, world.users["case_manager"])
    assert items[0].title == best.name
    assert any(fit.startswith("Offered in ") for fit in items[0].fits)
    # Nothing else is lost: the rest are still suggested, in score order.
    assert len(items) == 30
    assert [s.score for s in items] == sorted((s.score for s in items), reverse=True)


def test_a_fitting_opportunity_is_kept_behind_many_earlier_deadlines(
    world: Any, case: Case, places: Map
) -> None:
    from ponte.cases.matching import MAX_CANDIDATES

    organization = OpportunityFactory().organization
    soon = TODAY() + datetime.timedelta(days=10)
    Opportunity.objects.bulk_create(
        Opportunity(
            organization=organization,
            kind=Opportunity.Kind.HOUSING,
            title=f"Posto letto {n:03d} fittizio",
            application_deadline=soon,
            is_open=True,
            is_demo=True,
        )
        for n in range(MAX_CANDIDATES + 5)
    )
    course = OpportunityFactory(
        title="Corso di formazione fittizio",
        application_deadline=TODAY() + datetime.timedelta(days=90),
        seats_available=4,
        municipality=places.town,
    )
    titles = [s.title for s in suggest(case, world.users["case_manager"])]
    assert titles[0] == course.title
