"""The intake at the desk: person, consent and case together, and the duplicate warning."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import verified_client
from ponte.cases.models import Case
from ponte.people.factories import PersonFactory
from ponte.people.models import Consent, Person

pytestmark = pytest.mark.django_db

URL = "/people/new/"


def intake_data(world: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "given_name": "Muhammad",
        "family_name": "Rahman",
        "gender": "male",
        "birth_year": "1991",
        "citizenship": "BD",
        "languages": ["bn", "en"],
        "preferred_language": "bn",
        "permit_type": "unknown",
        "passport": "unknown",
        "housing": "unknown",
        "method": Consent.Method.ORAL_WITH_INTERPRETER,
        "witness": "Mediatrice fittizia",
        "language": "bn",
        "given_on": timezone.localdate().isoformat(),
        "agreed": "on",
        "access_point": str(world.own_access_point.pk),
        "open_case": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("case_manager", 200),
        ("coordinator", 200),
        ("platform_admin", 200),
        ("specialist", 403),
        ("outreach_worker", 403),
        ("org_admin", 403),
        ("analyst", 403),
        ("partner_operator@partner", 403),
        ("coordinator@foreign", 200),  # their own PUA, never ours (below)
        ("no_membership", 403),
    ],
)
def test_intake_matrix(world: Any, persona: str, status: int) -> None:
    assert verified_client(world.users[persona]).get(URL).status_code == status


def test_foreign_coordinator_cannot_register_at_our_access_point(world: Any) -> None:
    client = verified_client(world.users["coordinator@foreign"])
    response = client.post(URL, intake_data(world))
    assert response.status_code == 200
    assert "access_point" in response.context["form"].errors
    assert not Person.objects.exists()


def test_intake_registers_person_consent_and_case(world: Any) -> None:
    client = verified_client(world.users["case_manager"])
    response = client.post(URL, intake_data(world))
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case_detail", args=[case.public_id])
    person = case.person
    assert person.organization == world.own
    assert person.languages == "bn,en"
    consent = person.consents.get()
    assert consent.purpose == Consent.Purpose.TAKING_IN_CHARGE
    assert consent.witness == "Mediatrice fittizia"
    assert case.case_manager == world.users["case_manager"]


def test_intake_without_a_case(world: Any) -> None:
    client = verified_client(world.users["case_manager"])
    response = client.post(URL, intake_data(world, open_case=None))
    person = Person.objects.get()
    assert response["Location"] == reverse("people:person_detail", args=[person.public_id])
    assert person.consents.count() == 1
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"agreed": None}, "agreed"),
        ({"given_name": ""}, "given_name"),
        ({"codice_fiscale": "RSSMRA85T10A562X"}, "codice_fiscale"),
        ({"method": Consent.Method.ORAL_WITH_WITNESS, "witness": ""}, "witness"),
    ],
)
def test_refusals_save_nothing(world: Any, overrides: dict[str, Any], field: str) -> None:
    client = verified_client(world.users["case_manager"])
    response = client.post(URL, intake_data(world, **overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Person.objects.exists()
    assert not Consent.objects.exists()


def test_valid_codice_fiscale_is_kept(world: Any) -> None:
    client = verified_client(world.users["case_manager"])
    client.post(URL, intake_data(world, codice_fiscale="rssmra85t10a562s"))
    assert Person.objects.get().codice_fiscale == "RSSMRA85T10A562S"


def test_possible_duplicate_is_shown_before_anything_is_saved(world: Any) -> None:
    existing = PersonFactory(
        organization=world.own,
        given_name="Mohammed",
        family_name="Rahman",
        birth_year=1991,
        citizenship="BD",
    )
    client = verified_client(world.users["case_manager"])
    first = client.post(URL, intake_data(world))
    assert first.status_code == 200
    text = first.content.decode()
    assert existing.reference in text
    assert reverse("people:person_detail", args=[existing.public_id]) in text
    assert "Mohammed / Muhammad" in text
    assert Person.objects.count() == 1
    # Ticking the box without having seen the candidates does not skip the check...
    again = client.post(URL, intake_data(world, not_duplicate="on"))
    assert again.status_code == 200
    assert Person.objects.count() == 1
    # ...ticking it after seeing them saves.
    seen = again.context["form"]["seen_duplicates"].value()
    assert str(existing.public_id) in seen
    saved = client.post(URL, intake_data(world, not_duplicate="on", seen_duplicates=seen))
    assert saved.status_code == 302
    assert Person.objects.count() == 2


def test_people_of_other_organisations_are_not_offered_as_duplicates(world: Any) -> None:
    PersonFactory(organization=world.foreign, given_name="Mohammed", family_name="Rahman")
    client = verified_client(world.users["case_manager"])
    assert client.post(URL, intake_data(world)).status_code == 302
