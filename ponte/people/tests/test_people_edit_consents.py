"""Editing a person (stale forms refused) and the consent pages (record, withdraw, print)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import verified_client
from ponte.people.factories import ConsentFactory, PersonFactory
from ponte.people.models import Consent, Person
from ponte.people.services import CONSENT_TEXT_VERSION

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def own_person(world: Any, **kwargs: Any) -> Person:
    person = PersonFactory(organization=world.own, **kwargs)
    ConsentFactory(person=person)
    return person


def edit_data(person: Person, **overrides: Any) -> dict[str, Any]:
    data = {
        "given_name": person.given_name,
        "family_name": person.family_name,
        "gender": person.gender,
        "birth_year": person.birth_year or "",
        "citizenship": person.citizenship,
        "languages": person.language_list(),
        "preferred_language": person.preferred_language,
        "permit_type": person.permit_type,
        "passport": person.passport,
        "housing": person.housing,
        "version": person.version,
    }
    data.update(overrides)
    return data


# Pages only the owner's workers use: a partner, even with consent, gets 404 like outsiders.
OWNER_PAGES = ["people:person_edit", "people:consent_create"]
MANAGE_STATUS = {
    "case_manager": 200,
    "coordinator": 200,
    "platform_admin": 200,
    "specialist": 403,
    "outreach_worker": 404,
    "org_admin": 404,
    "analyst": 404,
    "partner_operator@partner": 404,
    "coordinator@foreign": 404,
    "no_membership": 404,
}


@pytest.mark.parametrize("name", OWNER_PAGES)
@pytest.mark.parametrize(("persona", "status"), MANAGE_STATUS.items())
def test_owner_pages_matrix(world: Any, name: str, persona: str, status: int) -> None:
    person = own_person(world)
    ConsentFactory(person=person, purpose=Consent.Purpose.SHARING, recipient=world.partner)
    url = reverse(name, args=[person.public_id])
    assert verified_client(world.users[persona]).get(url).status_code == status


@pytest.mark.parametrize(("persona", "status"), MANAGE_STATUS.items())
def test_withdraw_matrix(world: Any, persona: str, status: int) -> None:
    person = own_person(world)
    consent = person.consents.get()
    url = reverse("people:consent_withdraw", args=[person.public_id, consent.public_id])
    assert verified_client(world.users[persona]).get(url).status_code == status
    consent.refresh_from_db()
    assert consent.is_active  # a GET only asks for confirmation


PRINT_STATUS = {**MANAGE_STATUS, "specialist": 200}


@pytest.mark.parametrize(("persona", "status"), PRINT_STATUS.items())
def test_print_matrix(world: Any, persona: str, status: int) -> None:
    person = own_person(world)
    url = reverse("people:consent_print", args=[person.public_id])
    assert verified_client(world.users[persona]).get(url).status_code == status


def test_edit_saves_and_bumps_version(world: Any) -> None:
    person = own_person(world, family_name="Diallo")
    client = verified_client(world.users["case_manager"])
    url = reverse("people:person_edit", args=[person.public_id])
    response = client.post(url, edit_data(person, family_name="Diallo Ba", phone="+39 02 0000"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.family_name, person.phone, person.version) == ("Diallo Ba", "+39 02 0000", 2)


def test_stale_edit_is_refused_and_nothing_is_overwritten(world: Any) -> None:
    person = own_person(world, family_name="Diallo")
    url = reverse("people:person_edit", args=[person.public_id])
    first = verified_client(world.users["case_manager"])
    second = verified_client(world.users["coordinator"])
    # Both open the form on version 1.
    assert first.get(url).status_code == 200
    assert second.get(url).status_code == 200
    assert first.post(url, edit_data(person, family_name="Diallo Ba")).status_code == 302
    refused = second.post(url, edit_data(person, family_name="Sow", household="Two children"))
    assert refused.status_code == 200
    text = refused.content.decode()
    assert "Someone else changed this record" in text
    assert 'value="Sow"' in text  # the second user's input is kept on the form
    person.refresh_from_db()
    assert (person.family_name, person.household, person.version) == ("Diallo Ba", "", 2)


def test_record_a_sharing_consent(world: Any) -> None:
    person = own_person(world)
    client = verified_client(world.users["case_manager"])
    url = reverse("people:consent_create", args=[person.public_id])
    form = client.get(url).context["form"]
    choices = list(form.fields["recipient"].queryset)
    assert world.partner in choices
    assert world.own not in choices
    response = client.post(
        url,
        {
            "purpose": Consent.Purpose.SHARING,
            "recipient": world.partner.pk,
            "method": Consent.Method.WRITTEN,
            "language": "fr",
            "given_on": timezone.localdate().isoformat(),
            "agreed": "on",
        },
    )
    assert response.status_code == 302
    consent = person.consents.get(purpose=Consent.Purpose.SHARING)
    assert consent.recipient == world.partner
    assert consent.text_version == CONSENT_TEXT_VERSION
    assert consent.recorded_by == world.users["case_manager"]


def test_sharing_consent_needs_a_recipient_and_duplicates_are_refused(world: Any) -> None:
    person = own_person(world)
    client = verified_client(world.users["case_manager"])
    url = reverse("people:consent_create", args=[person.public_id])
    base = {
        "method": Consent.Method.WRITTEN,
        "language": "it",
        "given_on": timezone.localdate().isoformat(),
        "agreed": "on",
    }
    missing = client.post(url, {**base, "purpose": Consent.Purpose.SHARING})
    assert "recipient" in missing.context["form"].errors
    again = client.post(url, {**base, "purpose": Consent.Purpose.TAKING_IN_CHARGE})
    assert again.status_code == 200
    assert "already recorded" in again.content.decode()
    assert person.consents.count() == 1


def test_withdraw_takes_effect_and_shows_on_the_page(world: Any) -> None:
    person = own_person(world)
    consent = ConsentFactory(
        person=person, purpose=Consent.Purpose.SHARING, recipient=world.partner
    )
    partner = verified_client(world.users["partner_operator@partner"])
    detail = reverse("people:person_detail", args=[person.public_id])
    assert partner.get(detail).status_code == 200
    client = verified_client(world.users["case_manager"])
    url = reverse("people:consent_withdraw", args=[person.public_id, consent.public_id])
    response = client.post(url, {"note": "Asked by phone"})
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_by == world.users["case_manager"]
    assert consent.withdrawal_note == "Asked by phone"
    assert partner.get(detail).status_code == 404
    assert "Withdrawn on" in client.get(detail).content.decode()
    # A second withdrawal is refused on the form, not with an error page.
    assert "already withdrawn" in client.post(url, {}).content.decode()


def test_print_in_the_persons_language_with_a_switch(world: Any) -> None:
    person = own_person(world, preferred_language="ar")
    client = verified_client(world.users["case_manager"])
    url = reverse("people:consent_print", args=[person.public_id])
    text = client.get(url).content.decode()
    assert 'lang="ar"' in text
    assert 'dir="rtl"' in text
    assert CONSENT_TEXT_VERSION in text
    text = client.get(url, {"lang": "en", "purpose": "sharing"}).content.decode()
    assert 'lang="en"' in text
    assert 'dir="rtl"' not in text
    assert f"Version {CONSENT_TEXT_VERSION}" in text
    assert "Sharing with another organisation" in text
    assert "Help from the access point" not in text
    assert person.display_name in text


def test_blank_consent_text_for_the_intake(world: Any) -> None:
    url = reverse("people:consent_text")
    response = verified_client(world.users["case_manager"]).get(url, {"lang": "en"})
    assert response.status_code == 200
    assert "Help from the access point" in response.content.decode()
    assert verified_client(world.users["analyst"]).get(url).status_code == 403
    assert verified_client(world.users["outreach_worker"]).get(url).status_code == 403
