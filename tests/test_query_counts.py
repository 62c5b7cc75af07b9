"""The number of queries of a list or detail page does not grow with the data (no N+1).

Each test renders a page with N records, then with 3N (a list: N more rows, twice over; a
detail page: an object with N children, then another with 3N), and asserts the same number
of queries. On failure the message shows the queries that only the larger page ran.

Pages already checked this way next to their app, not repeated here:
- catalog: service list / search (catalog/tests/test_catalog_pages.py);
- network: organisation, access point and agreement lists (network/tests/test_pages.py,
  30 rows under a bound of 12–14 queries);
- outreach: outing, contact and place lists, dashboard (outreach/tests/test_pages.py);
- people: person list (people/tests/test_people_pages.py);
- cases: case list (cases/tests/test_core.py); my work, both scopes (cases/tests/test_tasks.py);
  activities, support, follow-ups, outcomes, notes (cases/tests/test_work_views.py);
- referrals: inbox "sent" and a referral's page (referrals/tests/test_pages.py);
- monitoring: every dashboard section (monitoring/tests/test_pages.py), microdata
  (monitoring/tests/test_microdata.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import World, verified_client
from ponte.audit.services import record_now
from ponte.cases.factories import CaseFactory
from ponte.cases.models import Case, CaseEvent, CaseNeed, EventKind
from ponte.cases.tests.test_plan_services import draft
from ponte.catalog.factories import CapacityFactory, OpportunityFactory, ServiceFactory
from ponte.catalog.models import (
    Location,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceTranslation,
)
from ponte.catalog.taxonomy import Area
from ponte.network.factories import (
    AccessPointFactory,
    AgreementFactory,
    MembershipFactory,
    OrganizationFactory,
    SignatoryFactory,
    SiteFactory,
    TeamMemberFactory,
    TerritoryFactory,
    UserFactory,
)
from ponte.network.models import Territory
from ponte.network.roles import Role
from ponte.outreach.factories import (
    ContactFactory,
    OutingFactory,
    OutingMaterialFactory,
    PeopleMetFactory,
    PlaceFactory,
)
from ponte.outreach.models import ContactNeed, ContactSignal, Place
from ponte.people.factories import ConsentFactory, PersonFactory
from ponte.people.models import Consent, Person
from ponte.referrals.factories import InboundSignalFactory, ReferralFactory

N = 3
LANGUAGES = ["ar", "fr", "en", "ur", "pa", "bn", "es", "ro", "sq", "uk", "wo", "ha"]
AREAS = list(Area.values)


@dataclass
class Rendered:
    queries: list[str]
    size: int  # bytes of the page: it must grow with the data, or the test proves nothing


def render(client: Client, url: str) -> Rendered:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return Rendered([q["sql"] for q in captured.captured_queries], len(response.content))


def assert_flat(few: Rendered, many: Rendered, what: str) -> None:
    assert many.size > few.size, f"{what}: the larger data set does not show on the page"
    if len(few.queries) != len(many.queries):
        extra = [q for q in many.queries if q not in few.queries] or many.queries[
            len(few.queries) :
        ]
        shown = "\n".join(q[:400] for q in extra[:10])
        pytest.fail(
            f"{what}: {len(few.queries)} queries with {N}, {len(many.queries)} with {3 * N}:\n"
            + shown
        )


def list_stays_flat(client: Client, url: str, add: Callable[[int], None]) -> None:
    """A list page: N rows, then 3N; the same number of queries."""
    add(N)
    client.get(url)  # the session, caches and lazily loaded settings, once
    few = render(client, url)
    add(2 * N)
    assert_flat(few, render(client, url), url)


def detail_stays_flat(client: Client, url_for: Callable[[int], str]) -> None:
    """A detail page: an object with N children, then another with 3N."""
    small, large = url_for(N), url_for(3 * N)
    client.get(small)
    assert_flat(render(client, small), render(client, large), large)


def _municipality(number: int) -> Territory:
    """The same number gives the same municipality (the factory gets or creates)."""
    return TerritoryFactory(
        level=Territory.Level.MUNICIPALITY, code=f"M{number:05d}", name=f"Comune fittizio {number}"
    )


# ---- catalog ----------------------------------------------------------------------------------


def _service_with(world: World, n: int, *, public: bool = False) -> Service:
    """A service with n of everything its pages list."""
    service = ServiceFactory(
        organization=world.partner,
        areas=AREAS[:n],
        langs=LANGUAGES[:n],
        places=[TerritoryFactory() for _ in range(n)],
        is_public=public,
    )
    for i in range(n):
        CapacityFactory(service=service)
        OpportunityFactory(organization=world.partner, service=service, is_open=True)
        Phone.objects.create(service=service, number=f"0123 45{i:04d}")
        Schedule.objects.create(service=service, byday="MO,WE", opens_at=dt.time(9, i))
        RequiredDocument.objects.create(service=service, document=f"Documento fittizio {i}")
        location = Location.objects.create(
            organization=world.partner, name=f"Sede fittizia {i}", municipality=_municipality(i)
        )
        ServiceAtLocation.objects.create(service=service, location=location)
        ServiceTranslation.objects.create(
            service=service, language=LANGUAGES[i], name=f"Service {i}", description="…"
        )
    return service


def test_service_detail(world: World) -> None:
    client = verified_client(world.users["case_manager"])
    detail_stays_flat(
        client,
        lambda n: reverse("catalog:service_detail", args=[_service_with(world, n).public_id]),
    )


def test_opportunity_list(world: World) -> None:
    client = verified_client(world.users["case_manager"])

    def add(count: int) -> None:
        for i in range(count):
            OpportunityFactory(
                organization=world.partner,
                service=ServiceFactory(organization=world.partner),
                municipality=_municipality(i),
                is_open=True,
            )

    list_stays_flat(client, reverse("catalog:opportunity_list"), add)


def test_public_guide_results(world: World) -> None:
    def add(count: int) -> None:
        for _ in range(count):
            _service_with(world, 2, public=True)

    list_stays_flat(Client(), reverse("guide:results", args=["ar"]), add)


def test_public_guide_service(world: World) -> None:
    detail_stays_flat(
        Client(),
        lambda n: reverse(
            "guide:detail", args=["ar", _service_with(world, n, public=True).public_id]
        ),
    )


# ---- network ----------------------------------------------------------------------------------


def test_organization_detail(world: World) -> None:
    client = verified_client(world.users["coordinator"])

    def url(n: int) -> str:
        organization = OrganizationFactory()
        for _ in range(n):
            SiteFactory(access_point=AccessPointFactory(lead_organization=organization))
            SignatoryFactory(
                agreement=AgreementFactory(promoter=world.own), organization=organization
            )
        return reverse("network:organization_detail", args=[organization.public_id])

    detail_stays_flat(client, url)


def test_access_point_detail(world: World) -> None:
    client = verified_client(world.users["coordinator"])

    def url(n: int) -> str:
        access_point = AccessPointFactory(lead_organization=world.own)
        for i in range(n):
            SiteFactory(access_point=access_point, municipality=_municipality(i))
            TeamMemberFactory(access_point=access_point)
            access_point.ambiti.add(
                TerritoryFactory(level=Territory.Level.AMBITO, parent=TerritoryFactory())
            )
        return reverse("network:access_point_detail", args=[access_point.public_id])

    detail_stays_flat(client, url)


def test_agreement_detail(world: World) -> None:
    client = verified_client(world.users["coordinator"])

    def url(n: int) -> str:
        agreement = AgreementFactory(promoter=world.own)
        for _ in range(n):
            SignatoryFactory(agreement=agreement, organization=OrganizationFactory())
        return reverse("network:agreement_detail", args=[agreement.public_id])

    detail_stays_flat(client, url)


def test_member_list(world: World) -> None:
    client = verified_client(world.users["org_admin"])

    def add(count: int) -> None:
        for _ in range(count):
            MembershipFactory(organization=world.own, role=Role.SPECIALIST, user=UserFactory())

    list_stays_flat(client, reverse("network:member_list", args=[world.own.public_id]), add)


def test_audit_list(world: World) -> None:
    client = verified_client(world.users["coordinator"])

    def add(count: int) -> None:
        for _ in range(count):
            record_now(
                "network.organization_changed",
                actor=world.users["org_admin"],
                target=world.own,
                organization=world.own,
            )

    list_stays_flat(client, reverse("network:audit_list"), add)


# ---- outreach ---------------------------------------------------------------------------------


def test_outing_detail(world: World) -> None:
    coordinator = world.users["coordinator"]
    TeamMemberFactory(access_point=world.own_access_point, user=coordinator)
    client = verified_client(coordinator)

    def url(n: int) -> str:
        outing = OutingFactory(access_point=world.own_access_point, logbook="Diario fittizio")
        for i in range(n):
            outing.places.add(PlaceFactory(organization=world.own))
            outing.team.add(UserFactory())
            OutingMaterialFactory(outing=outing, language=LANGUAGES[i])
            PeopleMetFactory(outing=outing, nationality=["PK", "IN", "MA", "SN", "NG"][i % 5])
            contact = ContactFactory(outing=outing, alias=f"Alias fittizio {i}")
            ContactNeed.objects.create(contact=contact, area=AREAS[i])
            ContactSignal.objects.create(contact=contact, code="wages")
        return reverse("outreach:outing_detail", args=[outing.public_id])

    detail_stays_flat(client, url)


def test_place_detail(world: World) -> None:
    client = verified_client(world.users["coordinator"])
    place: Place = PlaceFactory(organization=world.own)

    def add(count: int) -> None:
        for _ in range(count):
            outing = OutingFactory(access_point=world.own_access_point)
            outing.places.add(place)
            ContactFactory(outing=outing)

    list_stays_flat(client, reverse("outreach:place_detail", args=[place.public_id]), add)


# ---- people and cases -------------------------------------------------------------------------


def test_person_detail(world: World) -> None:
    client = verified_client(world.users["case_manager"])

    def url(n: int) -> str:
        person: Person = PersonFactory(organization=world.own)
        for _ in range(n):
            CaseFactory(access_point=world.own_access_point, person=person)
            ConsentFactory(
                person=person, purpose=Consent.Purpose.SHARING, recipient=OrganizationFactory()
            )
        return reverse("people:person_detail", args=[person.public_id])

    detail_stays_flat(client, url)


def _case_with(world: World, n: int) -> Case:
    """A case with n events on its timeline, needs, conditions, team members and consents."""
    case: Case = CaseFactory(
        access_point=world.own_access_point, case_manager=world.users["case_manager"]
    )
    now = timezone.now()
    for i in range(n):
        CaseEvent.objects.create(
            case=case,
            at=now - dt.timedelta(hours=i),
            actor=world.users["case_manager"],
            kind=EventKind.EDITED,
            summary=f"Modifica fittizia {i}",
        )
        CaseNeed.objects.create(case=case, area=AREAS[i], recorded_on=timezone.localdate())
        case.team.add(world.users["specialist"] if i == 0 else UserFactory())
        ConsentFactory(
            person=case.person, purpose=Consent.Purpose.SHARING, recipient=OrganizationFactory()
        )
    return case


def test_case_detail_and_timeline(world: World) -> None:
    client = verified_client(world.users["case_manager"])
    detail_stays_flat(
        client, lambda n: reverse("cases:case_detail", args=[_case_with(world, n).public_id])
    )


def test_case_plan(world: World) -> None:
    manager = world.users["case_manager"]
    client = verified_client(manager)

    def url(n: int) -> str:
        case = _case_with(world, 1)
        draft(case, manager, goals=n)
        return reverse("cases:plan", args=[case.public_id])

    detail_stays_flat(client, url)


# ---- referrals --------------------------------------------------------------------------------


def test_referral_inbox_received(world: World) -> None:
    client = verified_client(world.users["case_manager"])

    def add(count: int) -> None:
        for _ in range(count):
            InboundSignalFactory(access_point=world.own_access_point, sender=world.partner)

    list_stays_flat(client, reverse("referrals:inbox"), add)


def test_referrals_of_a_case(world: World) -> None:
    client = verified_client(world.users["case_manager"])

    def url(n: int) -> str:
        case = _case_with(world, 1)
        for _ in range(n):
            ReferralFactory(case=case, sent=True, receiver=OrganizationFactory())
        return reverse("referrals:case_referrals", args=[case.public_id])

    detail_stays_flat(client, url)
