"""Access and portability: one collection of the person's data, shown as a page, JSON or PDF."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from ponte.audit.models import AuditEvent
from ponte.cases.factories import CaseFactory
from ponte.cases.indicators import Framework
from ponte.cases.models import (
    Activity,
    Assessment,
    AutonomyAssessment,
    BudgetLine,
    Case,
    CaseEvent,
    CaseNeed,
    CaseNote,
    CaseVulnerability,
    Experience,
    FirstListening,
    FollowUp,
    Goal,
    LanguageSkill,
    Observation,
    Outcome,
    Plan,
    PlanAction,
    PlanService,
    SafetyAssessment,
    SkillsProfile,
    SupportMeasure,
)
from ponte.cases.services.rights import collect_person_data
from ponte.outreach.models import Contact
from ponte.people.models import Gender

# Distinctive fictional strings: none of them may survive an erasure or reach the HTCDS file.
SECRET = {
    "given": "Zorbalina",
    "family": "Quixwerth",
    "phone": "+39 333 000 1234",
    "narrative": "NARRATIVE-fictional-mango",
    "note": "NOTE-fictional-papaya",
    "goal": "GOAL-fictional-kiwi",
    "action": "ACTION-fictional-lime",
    "employer": "EMPLOYER-fictional-guava",
    "alias": "ALIAS-fictional-plum",
    "reason": "REASON-fictional-fig",
    "observation": "OBS-fictional-date",
    "why_here": "WHYHERE-fictional-pear",
    "experience": "EXPERIENCE-fictional-apricot",
}


def make_full_case(access_point: Any, **case_kwargs: Any) -> Case:
    """A case with one row of every model of the case file, full of distinctive strings."""
    today = timezone.localdate()
    contact = Contact.objects.create(
        access_point=access_point,
        channel="street",
        met_at=timezone.now(),
        alias=SECRET["alias"],
        alias_key="k" * 64,
        sector="agriculture",
        safe_contact_note=SECRET["phone"],
    )
    case = CaseFactory(
        access_point=access_point,
        source_contact=contact,
        source="outreach",
        work_situation="exploitation",
        person__given_name=SECRET["given"],
        person__family_name=SECRET["family"],
        person__phone=SECRET["phone"],
        person__gender=Gender.FEMALE,
        person__birth_year=1995,
        person__citizenship="IN",
        **case_kwargs,
    )
    from ponte.people.factories import ConsentFactory

    # The person agreed to anonymous use for evaluation: their case may reach the HTCDS export.
    ConsentFactory(person=case.person, purpose="evaluation")
    CaseEvent.objects.create(case=case, at=timezone.now(), kind="opened", reason=SECRET["reason"])
    CaseVulnerability.objects.create(case=case, code="isolation")
    CaseNeed.objects.create(case=case, area="housing_emergency", recorded_on=today)
    FirstListening.objects.create(case=case, held_on=today, narrative=SECRET["narrative"])
    CaseNote.objects.create(case=case, body=SECRET["note"])
    assessment = Assessment.objects.create(
        case=case,
        assessed_on=today,
        status="possible_victim",
        status_decided_by="case_worker",
        justification=SECRET["reason"],
    )
    Observation.objects.create(
        assessment=assessment,
        framework=Framework.CONTROL,
        code="debt_bondage",
        source="account",
        observed_on=today,
        note=SECRET["observation"],
    )
    SafetyAssessment.objects.create(case=case, assessed_on=today, risk="high", details="d")
    profile = SkillsProfile.objects.create(case=case, competences=SECRET["note"])
    Experience.objects.create(profile=profile, what=SECRET["experience"])
    LanguageSkill.objects.create(profile=profile, language="en", level="B1")
    plan = Plan.objects.create(case=case, why_here=SECRET["why_here"])
    PlanService.objects.create(plan=plan, description="Corso fittizio")
    goal = Goal.objects.create(plan=plan, text=SECRET["goal"])
    PlanAction.objects.create(goal=goal, text=SECRET["action"], owner="person")
    Activity.objects.create(case=case, kind="legal", done_on=today, note=SECRET["note"])
    autonomy = AutonomyAssessment.objects.create(
        case=case,
        assessed_on=today,
        autonomy=3,
        decisions=3,
        territory=3,
        social_network=3,
        initiative=3,
    )
    measure = SupportMeasure.objects.create(
        case=case, kind="budget", autonomy_assessment=autonomy, granted_on=today
    )
    BudgetLine.objects.create(measure=measure, line="housing", planned_amount=Decimal("100"))
    FollowUp.objects.create(case=case, due_on=today, note=SECRET["note"])
    Outcome.objects.create(
        case=case, kind="job", achieved_on=today, sector="trade", employer=SECRET["employer"]
    )
    return case


def export_url(person: Any, **params: str) -> str:
    base = reverse("cases:person_export", args=[person.public_id])
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{base}?{query}" if query else base


@pytest.mark.django_db
def test_collect_person_data_has_every_models_rows(world: Any) -> None:
    case = make_full_case(world.own_access_point)
    data = json.loads(json.dumps(collect_person_data(case.person)))
    assert data["person"]["given_name"] == SECRET["given"]
    assert data["person"]["gender"]["code"] == "female" and data["person"]["gender"]["label"]
    assert len(data["consents"]) == 2  # taking in charge, evaluation
    (c,) = data["cases"]
    for key in (
        "vulnerabilities",
        "needs",
        "events",
        "listenings",
        "assessments",
        "safety_assessments",
        "plans",
        "activities",
        "autonomy_assessments",
        "support_measures",
        "follow_ups",
        "outcomes",
        "notes",
    ):
        assert len(c[key]) == 1, key
    assert c["assessments"][0]["observations"][0]["note"] == SECRET["observation"]
    assert c["skills"]["experiences"][0]["what"] == SECRET["experience"]
    assert c["skills"]["languages"][0]["level"]["code"] == "B1"
    assert c["plans"][0]["goals"][0]["actions"][0]["text"] == SECRET["action"]
    assert c["plans"][0]["services"][0]["description"] == "Corso fittizio"
    assert c["support_measures"][0]["lines"][0]["planned_amount"] == "100.00"
    assert c["outreach_contact"]["alias"] == SECRET["alias"]
    assert c["notes"][0]["body"] == SECRET["note"]
    assert datetime.date.fromisoformat(c["opened_on"]) == case.opened_on
    # Internal search keys are not the person's data.
    assert "name_search" not in data["person"] and "alias_key" not in c["outreach_contact"]


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
def test_export_matrix(world: Any, client_for: Any, persona: str, status: int) -> None:
    case = CaseFactory(access_point=world.own_access_point)
    response = client_for(world.users[persona]).get(export_url(case.person))
    assert response.status_code == status


@pytest.mark.django_db
def test_partner_with_sharing_consent_still_gets_404(world: Any, client_for: Any) -> None:
    from ponte.people.factories import ConsentFactory

    case = CaseFactory(access_point=world.own_access_point)
    ConsentFactory(person=case.person, purpose="sharing", recipient=world.partner)
    client = client_for(world.users["partner_operator@partner"])
    assert client.get(export_url(case.person)).status_code == 404


@pytest.mark.django_db
def test_export_asks_the_purpose_first_and_audits(world: Any, client_for: Any) -> None:
    case = make_full_case(world.own_access_point)
    client = client_for(world.users["coordinator"])
    form = client.get(export_url(case.person, format="json"))
    assert form.status_code == 200 and b'name="purpose"' in form.content
    assert not AuditEvent.objects.filter(action="people.person_exported").exists()
    missing = client.get(export_url(case.person, format="json", purpose="other"))
    assert missing.status_code == 200 and "application/json" not in missing["Content-Type"]

    response = client.get(export_url(case.person, format="json", purpose="access"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["cases"][0]["listenings"][0]["narrative"] == SECRET["narrative"]
    event = AuditEvent.objects.get(action="people.person_exported")
    assert event.data["format"] == "json" and event.data["purpose"] == "access"
    assert SECRET["given"] not in json.dumps(event.data)


@pytest.mark.django_db
def test_export_page_shows_the_same_data(world: Any, client_for: Any) -> None:
    case = make_full_case(world.own_access_point)
    client = client_for(world.users["coordinator"])
    response = client.get(export_url(case.person, format="html", purpose="portability"))
    assert response.status_code == 200
    text = response.content.decode()
    for key in ("narrative", "note", "goal", "action", "employer", "alias", "observation"):
        assert SECRET[key] in text, key


@pytest.mark.django_db
def test_export_pdf(world: Any, client_for: Any) -> None:
    case = make_full_case(world.own_access_point)
    client = client_for(world.users["coordinator"])
    response = client.get(
        export_url(case.person, format="pdf", purpose="other", purpose_other="audit")
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    event = AuditEvent.objects.get(action="people.person_exported")
    assert event.data == {
        "person": str(case.person.public_id),
        "format": "pdf",
        "purpose": "other",
        "purpose_other": "audit",
    }


def _referral_with_message(world: Any, case: Any) -> Any:
    """A sent referral of the case to the partner, with a message carrying an attachment."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ponte.catalog.taxonomy import Area
    from ponte.people.factories import ConsentFactory
    from ponte.referrals import services

    ConsentFactory(person=case.person, purpose="sharing", recipient=world.partner)
    draft = services.create_referral(
        case,
        actor=world.users["case_manager"],
        receiver=world.partner,
        need=Area.INTERNSHIPS,
        sections=["profile"],
        message="Fictional referral note",
    )
    referral = services.send(draft, actor=world.users["case_manager"])
    services.post_message(
        referral,
        actor=world.users["partner_operator@partner"],
        body="Fictional reply about the internship",
        attachment=SimpleUploadedFile(
            "fictional-letter.pdf", b"%PDF-1.4\n%fictional\n", content_type="application/pdf"
        ),
    )
    return referral


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
def test_export_page_and_pdf_show_the_referrals(world: Any, client_for: Any) -> None:
    from django.template.loader import render_to_string

    from ponte.cases.views.rights import readable

    case = make_full_case(world.own_access_point)
    _referral_with_message(world, case)
    client = client_for(world.users["coordinator"])
    response = client.get(export_url(case.person, format="html", purpose="portability"))
    assert response.status_code == 200
    page = response.content.decode()
    data = collect_person_data(case.person)
    # The page holds what the JSON holds: the section, the receiver, the message and the
    # attachment's original name, under headings with the referral's own labels.
    for text in (
        "Referrals",
        "Messages",
        world.partner.name,
        "Fictional reply about the internship",
        "fictional-letter.pdf",
        "Fictional referral note",
        "Referral from a case",
    ):
        assert text in page, text
    assert data["referrals"][0]["receiver"]["label"] == world.partner.name
    # The PDF is drawn from the same template include and sections.
    html = render_to_string(
        "cases/rights/person_export_pdf.html",
        {"person": case.person, "data": data, "sections": readable(data)},
    )
    assert world.partner.name in html and "Fictional reply about the internship" in html


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
def test_export_of_a_person_without_referrals_says_so(world: Any) -> None:
    from ponte.cases.views.rights import readable

    case = make_full_case(world.own_access_point)
    sections = readable(collect_person_data(case.person))
    assert [s["title"] for s in sections] == ["Profile", "Consents", "Cases", "Referrals"]
    assert sections[-1]["records"] == []  # the page says "Nothing recorded."
