"""Erasure (art. 17) with legal hold, and the restriction of processing."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from ponte.audit.models import AuditEvent
from ponte.cases.factories import CaseFactory
from ponte.cases.models import (
    Case,
    CaseNeed,
    FirstListening,
    LanguageSkill,
    Observation,
    Outcome,
)
from ponte.cases.services.rights import anonymise_person, collect_person_data
from ponte.cases.tests.test_rights_export import SECRET, make_full_case
from ponte.outreach.models import Contact
from ponte.people.models import Consent, Person

# Messages and labels are read in English (the msgids).
pytestmark = pytest.mark.usefixtures("english")


def _erase_url(person: Any) -> str:
    return reverse("cases:person_erase", args=[person.public_id])


def _raw_dump() -> str:
    """Every text column of the tables involved, as stored (encrypted fields stay ciphertext)."""
    tables = [
        "people_person",
        "cases_firstlistening",
        "cases_experience",
        "outreach_contact",
    ]
    out = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            out.append(repr(cursor.fetchall()))
    return "\n".join(out)


@pytest.mark.django_db
def test_anonymise_blanks_identities_and_texts_and_keeps_codes(world: Any) -> None:
    case = make_full_case(world.own_access_point)
    person = anonymise_person(case.person, actor=world.users["coordinator"], reason="request")
    assert person.anonymised_at is not None
    assert person.given_name == "" and person.family_name == "" and person.phone == ""
    assert person.display_name != SECRET["given"]
    text = str(collect_person_data(person))
    for key, value in SECRET.items():
        assert value not in text, key
    assert SECRET["given"] not in _raw_dump()
    # The coded facts stay for the counts.
    assert Case.objects.get(pk=case.pk).phase == case.phase
    assert CaseNeed.objects.filter(case=case, area="housing_emergency").exists()
    assert Observation.objects.filter(assessment__case=case, code="debt_bondage").exists()
    assert Outcome.objects.get(case=case).kind == "job"
    assert person.birth_year == 1995 and person.gender == "female"
    assert not Consent.objects.active().filter(person=person).exists()
    contact = Contact.objects.get(pk=case.source_contact_id)
    assert contact.alias == "" and contact.alias_key == ""
    event = AuditEvent.objects.get(action="people.person_anonymised")
    assert event.data["reason"] == "request"
    assert str(case.public_id) in event.data["cases"]
    assert SECRET["given"] not in str(event.data) + event.target_label


@pytest.mark.django_db
def test_anonymise_clears_quasi_identifiers_but_keeps_what_monitoring_reads(world: Any) -> None:
    case = make_full_case(world.own_access_point)
    listening = FirstListening.objects.get(case=case)
    FirstListening.objects.filter(pk=listening.pk).update(language="pa")
    Contact.objects.filter(pk=case.source_contact_id).update(languages="pa,hi", nationality="IN")
    Person.objects.filter(pk=case.person_id).update(
        birth_date=datetime.date(1995, 4, 17),
        permit_type="special_cases",
        permit_expiry=datetime.date(2027, 3, 14),
        passport="held_by_others",
        housing="employer",
        languages="pa,hi",
        preferred_language="pa",
        needs_interpreter=True,
    )
    person = anonymise_person(case.person, actor=world.users["coordinator"], reason="request")
    # Gone: with the exact case dates that stay, these could point at the person.
    assert person.birth_date is None and person.permit_expiry is None
    assert (person.permit_type, person.passport, person.housing) == ("unknown",) * 3
    assert person.languages == "" and not person.needs_interpreter
    assert person.preferred_language == "it"
    assert FirstListening.objects.get(pk=listening.pk).language == ""
    assert not LanguageSkill.objects.filter(profile__case=case).exists()
    contact = Contact.objects.get(pk=case.source_contact_id)
    assert contact.languages == ""
    # Kept: what the monitoring indicators and microdata read (gender, age band, citizenship).
    assert (person.gender, person.birth_year, person.citizenship) == ("female", 1995, "IN")
    assert contact.nationality == "IN"


@pytest.mark.django_db
def test_anonymise_needs_the_right_and_no_legal_hold(world: Any) -> None:
    case = CaseFactory(access_point=world.own_access_point)
    with pytest.raises(PermissionDenied):
        anonymise_person(case.person, actor=world.users["case_manager"], reason="request")
    Person.objects.filter(pk=case.person.pk).update(legal_hold=True)
    with pytest.raises(ValidationError):
        anonymise_person(case.person, actor=world.users["coordinator"], reason="request")
    assert Person.objects.get(pk=case.person.pk).anonymised_at is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("coordinator", 200),
        ("case_manager", 403),
        ("specialist", 403),
        ("outreach_worker", 404),
        ("analyst", 404),
        ("org_admin", 404),
        ("partner_operator@partner", 404),
        ("coordinator@foreign", 404),
        ("no_membership", 404),
        ("platform_admin", 200),
    ],
)
def test_erase_matrix(world: Any, client_for: Any, persona: str, status: int) -> None:
    case = CaseFactory(access_point=world.own_access_point)
    assert client_for(world.users[persona]).get(_erase_url(case.person)).status_code == status


@pytest.mark.django_db
def test_erase_page_flow(world: Any, client_for: Any) -> None:
    case = make_full_case(world.own_access_point)
    person = case.person
    client = client_for(world.users["coordinator"])
    wrong = client.post(_erase_url(person), {"reason": "request", "reference": "NOPE"})
    assert wrong.status_code == 200
    assert Person.objects.get(pk=person.pk).anonymised_at is None
    done = client.post(_erase_url(person), {"reason": "request", "reference": person.reference})
    assert done.status_code == 200
    assert Person.objects.get(pk=person.pk).anonymised_at is not None
    # Afterwards the person and the case are gone from every page.
    export = reverse("cases:person_export", args=[person.public_id])
    assert client.get(export).status_code == 404
    assert client.get(_erase_url(person)).status_code == 404
    assert not Person.objects.visible_to(world.users["coordinator"]).filter(pk=person.pk).exists()
    assert not Case.objects.visible_to(world.users["coordinator"]).filter(pk=case.pk).exists()


@pytest.mark.django_db
def test_erase_refused_under_legal_hold(world: Any, client_for: Any) -> None:
    case = CaseFactory(access_point=world.own_access_point)
    person = case.person
    client = client_for(world.users["coordinator"])
    hold_url = reverse("cases:person_legal_hold", args=[person.public_id])
    response = client.post(hold_url, {"hold": "1", "reason": "Fictional proceedings"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.legal_hold and person.legal_hold_reason == "Fictional proceedings"
    assert AuditEvent.objects.filter(action="people.legal_hold_set").exists()
    assert "Fictional" not in str(AuditEvent.objects.get(action="people.legal_hold_set").data)

    page = client.get(_erase_url(person))
    assert b"legal hold" in page.content.lower()
    refused = client.post(_erase_url(person), {"reason": "request", "reference": person.reference})
    assert refused.status_code == 200
    assert Person.objects.get(pk=person.pk).anonymised_at is None

    client.post(hold_url, {"hold": "0", "reason": "Proceedings over"})
    person.refresh_from_db()
    assert not person.legal_hold and person.legal_hold_reason == ""
    assert AuditEvent.objects.filter(action="people.legal_hold_cleared").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("coordinator", 302),
        ("case_manager", 403),
        ("specialist", 403),
        ("analyst", 404),
        ("partner_operator@partner", 404),
        ("coordinator@foreign", 404),
        ("no_membership", 404),
    ],
)
def test_hold_and_restriction_matrix(
    world: Any, client_for: Any, persona: str, status: int
) -> None:
    case = CaseFactory(access_point=world.own_access_point)
    client = client_for(world.users[persona])
    hold = reverse("cases:person_legal_hold", args=[case.person.public_id])
    restrict = reverse("cases:person_restriction", args=[case.person.public_id])
    assert client.post(hold, {"hold": "1", "reason": "x"}).status_code == status
    assert client.post(restrict, {"restricted": "1", "reason": "request"}).status_code == status


@pytest.mark.django_db
def test_restriction_toggle(world: Any, client_for: Any) -> None:
    case = CaseFactory(access_point=world.own_access_point)
    client = client_for(world.users["coordinator"])
    url = reverse("cases:person_restriction", args=[case.person.public_id])
    assert client.post(url, {"restricted": "1", "reason": "bogus"}).status_code == 400
    assert client.post(url, {"restricted": "1", "reason": "request"}).status_code == 302
    assert Person.objects.get(pk=case.person.pk).processing_restricted
    event = AuditEvent.objects.get(action="people.processing_restricted")
    assert event.data["reason"] == "request"
    client.post(url, {"restricted": "0", "reason": "lifted"})
    assert not Person.objects.get(pk=case.person.pk).processing_restricted
