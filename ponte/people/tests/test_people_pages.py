"""The people list and the person's page: scoping, search, the partner's reduced view, audit."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from conftest import verified_client
from ponte.audit.models import AuditEvent
from ponte.cases.factories import CaseFactory
from ponte.people.factories import ConsentFactory, PersonFactory
from ponte.people.models import Consent, Person
from ponte.people.services import withdraw_consent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def own_person(world: Any, **kwargs: Any) -> Person:
    person = PersonFactory(organization=world.own, **kwargs)
    ConsentFactory(person=person)
    return person


def share_with(person: Person, organization: Any) -> Consent:
    return ConsentFactory(person=person, purpose=Consent.Purpose.SHARING, recipient=organization)


LIST_STATUS = {
    "case_manager": 200,
    "specialist": 200,
    "coordinator": 200,
    "outreach_worker": 200,  # personal-data role: the list opens, empty (no VIEW_CASES)
    "org_admin": 200,
    "analyst": 403,
    "partner_operator@partner": 200,
    "coordinator@foreign": 200,
    "no_membership": 403,
    "platform_admin": 200,
}


@pytest.mark.parametrize(("persona", "status"), LIST_STATUS.items())
def test_list_matrix(world: Any, persona: str, status: int) -> None:
    person = own_person(world, given_name="Amadou", family_name="Diallo")
    response = verified_client(world.users[persona]).get(reverse("people:person_list"))
    assert response.status_code == status
    if status == 200:
        sees = persona in {"case_manager", "specialist", "coordinator", "platform_admin"}
        assert (person.reference in response.content.decode()) is sees


def test_list_partner_sees_only_people_shared_with_it(world: Any) -> None:
    shared = own_person(world, given_name="Karim", family_name="Haddad")
    share_with(shared, world.partner)
    hidden = own_person(world, given_name="Ionela", family_name="Popescu")
    page = verified_client(world.users["partner_operator@partner"]).get(
        reverse("people:person_list")
    )
    text = page.content.decode()
    assert shared.reference in text
    assert hidden.reference not in text
    assert "shared by" in text


def test_search_is_tolerant_of_transliteration_and_finds_references(world: Any) -> None:
    mohammed = own_person(world, given_name="Mohammed", family_name="Rahman")
    other = own_person(world, given_name="Gurpreet", family_name="Singh")
    client = verified_client(world.users["case_manager"])
    url = reverse("people:person_list")
    # The search text goes by POST and is remembered for the list (never in the URL).
    text = client.get(client.post(url, {"q": "Muhammad"})["Location"]).content.decode()
    assert mohammed.reference in text
    assert other.reference not in text
    text = client.get(client.post(url, {"q": other.reference.lower()})["Location"]).content.decode()
    assert other.reference in text
    assert mohammed.reference not in text


def test_filter_open_case_and_phase_column(world: Any) -> None:
    case = CaseFactory(access_point=world.own_access_point)
    without = own_person(world)
    client = verified_client(world.users["case_manager"])
    url = reverse("people:person_list")
    text = client.get(url, {"open_case": "yes"}).content.decode()
    assert case.person.reference in text
    assert "Engagement" in text
    assert without.reference not in text
    text = client.get(url, {"open_case": "no"}).content.decode()
    assert without.reference in text
    assert case.person.reference not in text


def test_list_query_count_does_not_grow_with_rows(
    world: Any, django_assert_max_num_queries: Any
) -> None:
    client = verified_client(world.users["case_manager"])
    url = reverse("people:person_list")
    CaseFactory(access_point=world.own_access_point)
    client.get(url)  # warm the session and the caches
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for _ in range(8):
        CaseFactory(access_point=world.own_access_point)
        own_person(world)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


DETAIL_STATUS = {
    "case_manager": 200,
    "specialist": 200,
    "coordinator": 200,
    "outreach_worker": 404,
    "org_admin": 404,
    "analyst": 404,
    "partner_operator@partner": 404,  # no sharing consent
    "coordinator@foreign": 404,
    "no_membership": 404,
    "platform_admin": 200,
}


@pytest.mark.parametrize(("persona", "status"), DETAIL_STATUS.items())
def test_detail_matrix(world: Any, persona: str, status: int) -> None:
    person = own_person(world)
    url = reverse("people:person_detail", args=[person.public_id])
    assert verified_client(world.users[persona]).get(url).status_code == status


def test_full_page_shows_sensitive_data_consents_cases_and_is_audited(world: Any) -> None:
    case = CaseFactory(access_point=world.own_access_point, person__phone="+39 333 000 0000")
    person = case.person
    response = verified_client(world.users["case_manager"]).get(
        reverse("people:person_detail", args=[person.public_id])
    )
    text = response.content.decode()
    assert "+39 333 000 0000" in text
    assert case.reference in text
    assert "Taking in charge by the PUA" in text
    assert reverse("people:person_edit", args=[person.public_id]) in text
    event = AuditEvent.objects.filter(action="people.person_viewed").latest("seq")
    assert event.data == {"view": "full"}
    assert event.target_id in {str(person.pk), str(person.public_id)}


def test_specialist_reads_but_has_no_edit_buttons(world: Any) -> None:
    person = own_person(world)
    text = (
        verified_client(world.users["specialist"])
        .get(reverse("people:person_detail", args=[person.public_id]))
        .content.decode()
    )
    assert reverse("people:person_edit", args=[person.public_id]) not in text
    assert reverse("people:consent_create", args=[person.public_id]) not in text


def test_withdrawal_ends_partner_access_at_once(world: Any) -> None:
    person = own_person(world, phone="+39 333 111 2222", safe_contact="Only after 8 pm")
    consent = share_with(person, world.partner)
    partner = verified_client(world.users["partner_operator@partner"])
    url = reverse("people:person_detail", args=[person.public_id])
    response = partner.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Only after 8 pm" in text
    assert world.own.name in text
    assert "+39 333 111 2222" not in text  # data minimisation: no phone, documents, cases
    assert "Residence permit" not in text
    assert AuditEvent.objects.filter(action="people.person_viewed").latest("seq").data == {
        "view": "shared"
    }
    withdraw_consent(consent, actor=world.users["case_manager"])
    assert partner.get(url).status_code == 404


def test_sharing_with_another_organisation_does_not_open_the_person_to_the_partner(
    world: Any,
) -> None:
    person = own_person(world)
    share_with(person, world.foreign)
    url = reverse("people:person_detail", args=[person.public_id])
    assert verified_client(world.users["partner_operator@partner"]).get(url).status_code == 404
    assert verified_client(world.users["coordinator@foreign"]).get(url).status_code == 200


def test_htmx_search_returns_only_the_results(world: Any) -> None:
    person = own_person(world, given_name="Fatima", family_name="Benali")
    client = verified_client(world.users["case_manager"])
    client.post(reverse("people:person_list"), {"q": "Fathima"})
    response = client.get(reverse("people:person_list"), HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert person.reference in text
    assert '<div id="results"' in text
    assert "<h1>" not in text


def test_filter_by_registering_organisation(world: Any) -> None:
    ours = own_person(world)
    theirs = PersonFactory(organization=world.foreign)
    client = verified_client(world.users["platform_admin"])
    text = client.get(reverse("people:person_list"), {"organization": world.foreign.pk})
    assert theirs.reference in text.content.decode()
    assert ours.reference not in text.content.decode()
