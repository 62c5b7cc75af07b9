"""Pages of the joint assessment: who reaches what (404 outsiders, 403 wrong role), the forms
posting plain HTML, the detail page's screening, next steps and decision, bounded queries."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from ponte.audit.testing import assert_audited
from ponte.cases.factories import CaseFactory
from ponte.cases.models import Assessment, Case, CaseNeed, FirstListening, SafetyAssessment
from ponte.cases.services import assessment as services
from ponte.cases.services.assessment import ObservationInput

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
CASE_WORKERS = ("case_manager", "specialist", "coordinator", "platform_admin")
OUTSIDERS = (
    "outreach_worker",
    "analyst",
    "org_admin",
    "partner_operator@partner",
    "coordinator@foreign",
    "org_admin@foreign",
    "no_membership",
)
POSITIVE = [
    ("delphi", "d1_deceived_nature_of_job"),
    ("delphi", "d1_deceived_wages"),
    ("delphi", "d4_excessive_working_hours"),
    ("delphi", "d4_low_or_no_salary"),
    ("delphi", "d5_confiscation_of_documents"),
    ("delphi", "d5_debt_bondage"),
]


def _en(client: Any) -> Any:
    """Page text is checked in the source wording, whatever the translations say."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _case(world: Any) -> Case:
    return CaseFactory(access_point=world.own_access_point)


def _assessment(case: Case, user: Any, pairs: list[tuple[str, str]]) -> Assessment:
    return services.record_assessment(
        case,
        actor=user,
        assessed_on=TODAY,
        observations=[ObservationInput(fw, c, "account", TODAY) for fw, c in pairs],
        expected_version=case.version,
    )


def _urls(case: Case, assessment: Assessment, sheet: FirstListening) -> dict[str, str]:
    cid = case.public_id
    return {
        "listening_list": reverse("cases:listening_list", args=[cid]),
        "listening_create": reverse("cases:listening_create", args=[cid]),
        "listening_edit": reverse("cases:listening_edit", args=[cid, sheet.public_id]),
        "assessment_list": reverse("cases:assessment_list", args=[cid]),
        "assessment_create": reverse("cases:assessment_create", args=[cid]),
        "assessment_detail": reverse("cases:assessment_detail", args=[cid, assessment.public_id]),
        "assessment_notes": reverse("cases:assessment_notes", args=[cid, assessment.public_id]),
        "safety_list": reverse("cases:safety_list", args=[cid]),
        "safety_create": reverse("cases:safety_create", args=[cid]),
        "skills": reverse("cases:skills", args=[cid]),
        "skills_edit": reverse("cases:skills_edit", args=[cid]),
    }


@pytest.fixture
def filled(world: Any) -> tuple[Case, Assessment, FirstListening]:
    case = _case(world)
    manager = world.users["case_manager"]
    sheet = services.record_first_listening(
        case, actor=manager, data={"held_on": TODAY}, expected_version=case.version
    )
    assessment = _assessment(case, manager, POSITIVE)
    return case, assessment, sheet


def test_matrix_every_page(world: Any, client_for: Any, filled: Any) -> None:
    case, assessment, sheet = filled
    urls = _urls(case, assessment, sheet)
    decide = reverse("cases:assessment_decide", args=[case.public_id, assessment.public_id])
    for persona in CASE_WORKERS:
        client = client_for(world.users[persona])
        for name, url in urls.items():
            assert client.get(url).status_code == 200, (persona, name)
        expected = 403 if persona == "specialist" else 200
        assert client.get(decide).status_code == expected, persona
    for persona in OUTSIDERS:
        client = client_for(world.users[persona])
        for name, url in [*urls.items(), ("decide", decide)]:
            assert client.get(url).status_code == 404, (persona, name)


def test_a_foreign_case_is_seen_by_its_own_organisation(world: Any, client_for: Any) -> None:
    case = CaseFactory(access_point=world.foreign_access_point)
    url = reverse("cases:assessment_list", args=[case.public_id])
    assert client_for(world.users["coordinator@foreign"]).get(url).status_code == 200
    assert client_for(world.users["case_manager"]).get(url).status_code == 404


def test_anonymous_goes_to_login(world: Any, filled: Any) -> None:
    from django.test import Client

    case = filled[0]
    response = Client().get(reverse("cases:assessment_list", args=[case.public_id]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_reads_are_audited(world: Any, client_for: Any, filled: Any) -> None:
    case, assessment, _sheet = filled
    client = _en(client_for(world.users["specialist"]))
    client.get(reverse("cases:assessment_detail", args=[case.public_id, assessment.public_id]))
    assert_audited("cases.case_viewed", case, section="assessment")


def test_specialist_adds_a_listening_sheet_with_needs(world: Any, client_for: Any) -> None:
    case = _case(world)
    client = _en(client_for(world.users["specialist"]))
    url = reverse("cases:listening_create", args=[case.public_id])
    page = client.get(url)
    assert "a narrative, not an interrogation" in page.content.decode().lower()
    response = client.post(
        url,
        {
            "held_on": TODAY.isoformat(),
            "narrative": "Racconto fittizio.",
            "immediate_needs": ["legal", "housing_emergency"],
            "rights_information": ["helpline"],
            "language": "fr",
            "mediator_present": "on",
            "version": case.version,
        },
    )
    assert response.status_code == 302
    sheet = FirstListening.objects.get(case=case)
    assert sheet.mediator_present and sheet.rights_information == "helpline"
    assert set(CaseNeed.objects.filter(case=case).values_list("area", flat=True)) == {
        "legal",
        "housing_emergency",
    }


def test_stale_form_is_refused_and_nothing_written(world: Any, client_for: Any) -> None:
    case = _case(world)
    client = _en(client_for(world.users["specialist"]))
    stale = case.version
    _assessment(case, world.users["case_manager"], [])
    response = client.post(
        reverse("cases:safety_create", args=[case.public_id]),
        {
            "assessed_on": TODAY.isoformat(),
            "risk": "low",
            "documents_held_by": "unknown",
            "version": stale,
        },
    )
    assert response.status_code == 200
    assert "Someone else changed this record" in response.content.decode()
    assert not SafetyAssessment.objects.exists()
    case.refresh_from_db()
    response = client.post(
        reverse("cases:safety_create", args=[case.public_id]),
        {
            "assessed_on": TODAY.isoformat(),
            "risk": "high",
            "phone_controlled": "on",
            "documents_held_by": "employer",
            "version": case.version,
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("cases:safety_list", args=[case.public_id])).content.decode()
    assert "Someone controls the person's phone" in page.replace("&#x27;", "'")


def test_assessment_form_posts_observations_without_js(world: Any, client_for: Any) -> None:
    case = _case(world)
    client = _en(client_for(world.users["specialist"]))
    url = reverse("cases:assessment_create", args=[case.public_id])
    page = client.get(url).content.decode()
    assert 'name="delphi__d5_debt_bondage__observed"' in page
    assert 'name="delphi__d5_debt_bondage__source"' in page
    earlier = TODAY - datetime.timedelta(days=3)
    data: dict[str, Any] = {"assessed_on": TODAY.isoformat(), "version": case.version}
    for fw, code in POSITIVE:
        data[f"{fw}__{code}__observed"] = "on"
        data[f"{fw}__{code}__source"] = "account"
    data["delphi__d5_debt_bondage__date"] = earlier.isoformat()
    data["delphi__d5_debt_bondage__note"] = "Nota fittizia"
    # A ticked indicator without a source is sent back, nothing saved.
    data["ilo__deception__observed"] = "on"
    response = client.post(url, data)
    assert response.status_code == 200
    assert not Assessment.objects.exists()
    data["ilo__deception__source"] = "documents"
    response = client.post(url, data)
    assert response.status_code == 302
    assessment = Assessment.objects.get(case=case)
    assert assessment.observations.count() == len(POSITIVE) + 1
    debt = assessment.observations.get(code="d5_debt_bondage")
    assert debt.observed_on == earlier and debt.note == "Nota fittizia"
    assert assessment.observations.get(code="d1_deceived_wages").observed_on == TODAY
    assert assessment.screening_positive and assessment.status == ""
    # Re-assessment starts from the last one: its observations come pre-ticked.
    again = client.get(url + "?from=last").content.decode()
    assert (
        'name="delphi__d5_debt_bondage__observed" id="id_delphi__d5_debt_bondage__observed" checked'
        in again
    )


def test_detail_shows_screening_steps_helpline_and_decision(world: Any, client_for: Any) -> None:
    case = _case(world)
    manager = world.users["case_manager"]
    first = _assessment(case, manager, POSITIVE[:2])
    second = _assessment(case, manager, POSITIVE)
    url = reverse("cases:assessment_detail", args=[case.public_id, second.public_id])
    page = _en(client_for(manager)).get(url).content.decode()
    assert "suggest a possible victim of trafficking" in page
    assert "decision support" in page
    assert 'href="tel:800290290"' in page
    assert "at least 2 strong indicators" in page
    assert reverse("cases:assessment_decide", args=[case.public_id, second.public_id]) in page
    assert "Since the previous assessment" in page and "Debt bondage" in page
    spec_page = _en(client_for(world.users["specialist"])).get(url).content.decode()
    assert "Record the decision" not in spec_page
    first_page = _en(client_for(manager)).get(
        reverse("cases:assessment_detail", args=[case.public_id, first.public_id])
    )
    assert "do not meet the screening rule" in first_page.content.decode()


def test_decision_by_manager_with_justification(world: Any, client_for: Any) -> None:
    case = _case(world)
    assessment = _assessment(case, world.users["specialist"], POSITIVE)
    url = reverse("cases:assessment_decide", args=[case.public_id, assessment.public_id])
    data = {"status": "possible_victim", "decided_by": "case_worker", "version": case.version}
    specialist = client_for(world.users["specialist"])
    assert specialist.post(url, {**data, "justification": "x"}).status_code == 403
    manager = _en(client_for(world.users["case_manager"]))
    response = manager.post(url, {**data, "justification": ""})
    assert response.status_code == 200
    assessment.refresh_from_db()
    assert assessment.status == ""
    response = manager.post(url, {**data, "justification": "Motivazione fittizia."})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == "possible_victim"
    assert assessment.decided_by_user == world.users["case_manager"]
    assert_audited("cases.trafficking_status_decided", case)
    detail = manager.get(
        reverse("cases:assessment_detail", args=[case.public_id, assessment.public_id])
    )
    assert "Motivazione fittizia." in detail.content.decode()


def test_skills_formsets_work_without_js(world: Any, client_for: Any) -> None:
    case = _case(world)
    client = _en(client_for(world.users["specialist"]))
    url = reverse("cases:skills_edit", args=[case.public_id])
    page = client.get(url).content.decode()
    assert 'name="exp-1-what"' in page and 'name="exp-2-what"' not in page
    assert 'name="exp-5-what"' in client.get(url + "?extra=6").content.decode()
    data = {
        "version": case.version,
        "education": "3",
        "exp-TOTAL_FORMS": "2",
        "exp-INITIAL_FORMS": "0",
        "exp-0-what": "Bracciante (fittizio)",
        "exp-0-sector": "agriculture",
        "exp-0-months": "8",
        "exp-1-what": "",
        "lang-TOTAL_FORMS": "2",
        "lang-INITIAL_FORMS": "0",
        "lang-0-language": "fr",
        "lang-0-level": "native",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    profile = case.skills
    assert profile.experiences.get().months == 8
    assert profile.languages.get().language == "fr"
    shown = client.get(reverse("cases:skills", args=[case.public_id])).content.decode()
    assert "Bracciante (fittizio)" in shown and "Agriculture" in shown


def test_list_and_detail_queries_are_bounded(
    world: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    case = _case(world)
    manager = world.users["case_manager"]
    for _i in range(6):
        last = _assessment(case, manager, POSITIVE)
    client = _en(client_for(manager))
    list_url = reverse("cases:assessment_list", args=[case.public_id])
    detail_url = reverse("cases:assessment_detail", args=[case.public_id, last.public_id])
    client.get(list_url)  # warm the session and caches
    with django_assert_max_num_queries(20):
        assert client.get(list_url).status_code == 200
    with django_assert_max_num_queries(22):
        assert client.get(detail_url).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(reverse("cases:safety_list", args=[case.public_id])).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(reverse("cases:listening_list", args=[case.public_id])).status_code == 200
