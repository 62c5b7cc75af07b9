"""Defects found in the security review of issue 5 (people and cases), one test each: they
failed before the fixes and keep the defects from coming back."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from ponte.cases import htcds
from ponte.cases.factories import CaseFactory
from ponte.cases.models import Case, EventKind, Phase
from ponte.cases.services import assessment as assessment_services
from ponte.cases.services import core, work_outcomes
from ponte.cases.services import work as work_services
from ponte.common.classification import level_of
from ponte.people.factories import ConsentFactory
from ponte.people.models import Consent

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _restricted_case(world: Any) -> Case:
    case = CaseFactory(access_point=world.own_access_point, phase=Phase.ANALYSIS)
    case.person.processing_restricted = True
    case.person.save(update_fields=["processing_restricted"])
    return case


# ---- 1. A restriction of processing (art. 18) does not stop new processing -------------------


def _write_listening(case: Case, actor: Any) -> None:
    assessment_services.record_first_listening(
        case, actor=actor, data={"held_on": TODAY(), "narrative": "x"}, expected_version=None
    )


def _write_note(case: Case, actor: Any) -> None:
    work_outcomes.add_note(case, actor=actor, body="fictional note")


def _write_activity(case: Case, actor: Any) -> None:
    work_services.record_activity(case, actor=actor, kind="guidance", done_on=TODAY())


@pytest.mark.parametrize("write", [_write_listening, _write_note, _write_activity])
def test_restricted_person_refuses_new_case_writes(world: Any, write: Any) -> None:
    case = _restricted_case(world)
    with pytest.raises(ValidationError):
        write(case, world.users["case_manager"])


# ---- 2. The partner's people list shows more than the partner's person page ------------------


def test_partner_list_shows_no_case_phase_citizenship_or_birth_year(
    world: Any, client_for: Any
) -> None:
    case = CaseFactory(access_point=world.own_access_point, phase=Phase.ANALYSIS)
    person = case.person
    person.birth_year = 1977
    person.save(update_fields=["birth_year"])
    ConsentFactory(person=person, purpose=Consent.Purpose.SHARING, recipient=world.partner)
    response = client_for(world.users["partner_operator@partner"]).get(
        reverse("people:person_list")
    )
    assert response.status_code == 200
    (row,) = response.context["rows"]
    assert row["person"].pk == person.pk
    assert row["phase"] is None  # the partner sees people, not case files
    html = response.content.decode()
    assert "1977" not in html
    assert row["country"] is None and row["birth_year"] is None


def test_partner_cannot_filter_shared_people_by_open_case(world: Any, client_for: Any) -> None:
    with_case = CaseFactory(access_point=world.own_access_point).person
    ConsentFactory(person=with_case, purpose=Consent.Purpose.SHARING, recipient=world.partner)
    without = ConsentFactory(
        person__organization=world.own, purpose=Consent.Purpose.SHARING, recipient=world.partner
    ).person
    client = client_for(world.users["partner_operator@partner"])
    yes = client.get(reverse("people:person_list"), {"open_case": "yes"})
    no = client.get(reverse("people:person_list"), {"open_case": "no"})
    listed_yes = {r["person"].pk for r in yes.context["rows"]}
    listed_no = {r["person"].pk for r in no.context["rows"]}
    # Whatever the filter does for a partner, it must not split the two people by their case.
    assert not (with_case.pk in listed_yes and without.pk in listed_no)


# ---- 3. Names are searched through the query string ------------------------------------------


@pytest.mark.parametrize("url_name", ["people:person_list", "cases:case_list"])
def test_name_search_is_not_a_get_form(world: Any, client_for: Any, url_name: str) -> None:
    html = client_for(world.users["case_manager"]).get(reverse(url_name)).content.decode()
    get_forms = re.findall(r"<form[^>]*method=\"get\"[^>]*>(.*?)</form>", html, re.S | re.I)
    assert not any('name="q"' in body for body in get_forms)


# ---- 4. The pseudonymous HTCDS export ignores the evaluation consent --------------------------


def test_htcds_export_only_people_who_agreed_to_evaluation(world: Any, client_for: Any) -> None:
    agreed = CaseFactory(access_point=world.own_access_point)
    ConsentFactory(person=agreed.person, purpose=Consent.Purpose.EVALUATION)
    refused = CaseFactory(access_point=world.own_access_point)
    response = client_for(world.users["analyst"]).get(
        reverse("cases:htcds_export"), {"purpose": "Fictional evaluation"}
    )
    body = response.content.decode("utf-8-sig")
    assert htcds.case_key(agreed) in body
    assert htcds.case_key(refused) not in body


# ---- 5. The screening outcome is written in the plain timeline summary ----------------------


def test_assessment_timeline_summary_has_no_screening_result(world: Any) -> None:
    case = CaseFactory(access_point=world.own_access_point, phase=Phase.ANALYSIS)
    with translation.override("en"):
        assessment_services.record_assessment(
            case,
            actor=world.users["case_manager"],
            assessed_on=TODAY(),
            observations=[],
            expected_version=None,
        )
    event = case.events.get(kind=EventKind.ASSESSMENT)
    assert "screening" not in event.summary
    assert "positive" not in event.summary and "negative" not in event.summary


# ---- 6. Free text about the person's past work is stored in clear ----------------------------


@pytest.mark.parametrize(
    ("label", "field"),
    [
        ("cases.Experience", "where"),
        ("cases.Experience", "learned"),
        ("cases.Outcome", "description"),
    ],
)
def test_free_text_about_work_is_sensitive(label: str, field: str) -> None:
    assert level_of(label, field) == "sensitive"


# ---- 7. A case's team is not checked by the service -------------------------------------------


def test_update_case_refuses_a_team_member_from_another_organisation(world: Any) -> None:
    case = CaseFactory(access_point=world.own_access_point)
    with pytest.raises(ValidationError):
        core.update_case(
            case,
            actor=world.users["case_manager"],
            data={},
            team=[world.users["coordinator@foreign"]],
            expected_version=case.version,
        )


# ---- 8. An anonymised person can be given a new consent and a new case -----------------------


def test_case_open_refuses_an_anonymised_person(world: Any, client_for: Any) -> None:
    from ponte.cases.services.rights import ErasureReason, anonymise_person

    person = CaseFactory(
        access_point=world.own_access_point, phase=Phase.CLOSED, closed_on=TODAY()
    ).person
    anonymise_person(person, actor=world.users["coordinator"], reason=ErasureReason.REQUEST)
    url = reverse("cases:case_open") + f"?person={person.public_id}"
    client = client_for(world.users["case_manager"])
    response = client.post(
        url,
        {
            "access_point": world.own_access_point.pk,
            "source": "self_referral",
            "opened_on": TODAY().isoformat(),
            "agreed": "on",
            "consent_method": Consent.Method.WRITTEN,
            "consent_language": "it",
            "consent_given_on": TODAY().isoformat(),
        },
    )
    assert response.status_code == 404
    assert Case.objects.filter(person=person).count() == 1
    assert not Consent.objects.active().filter(person=person).exists()


@pytest.mark.django_db
def test_name_search_is_kept_in_the_session_not_the_url(world: Any, client_for: Any) -> None:
    case = CaseFactory(access_point=world.own_access_point, person__given_name="Ousmane")
    other = CaseFactory(access_point=world.own_access_point, person__given_name="Priya")
    client = client_for(world.users["case_manager"])
    url = reverse("cases:case_list")
    response = client.post(url, {"q": "Usman"})
    assert response.status_code == 302 and "Usman" not in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert case.reference in page and other.reference not in page
    client.post(url, {"q": "", "clear": "1"})
    assert other.reference in client.get(url).content.decode()
