"""The demo's people and cases: every phase, the parts each screen shows, loaded twice without
duplicates, and the demo accounts see what they should."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from ponte.accounts.models import User
from ponte.cases.demo.builder import CASE_MANAGER
from ponte.cases.models import (
    Assessment,
    Case,
    FollowUp,
    LanguageSkill,
    Outcome,
    Phase,
    Plan,
    SafetyAssessment,
    SkillsProfile,
    SupportMeasure,
)
from ponte.network.demo import DEMO_SOURCE, EMAIL_DOMAIN
from ponte.people.models import Consent, Person


def _snapshot() -> dict[str, int]:
    return {
        "people": Person.objects.count(),
        "cases": Case.objects.count(),
        "assessments": Assessment.objects.count(),
        "plans": Plan.objects.count(),
        "follow_ups": FollowUp.objects.count(),
        "outcomes": Outcome.objects.count(),
        "consents": Consent.objects.count(),
    }


def test_demo_cases_load_twice_and_cover_the_path(db, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEMO = True
    call_command("load_demo", stdout=StringIO())
    first = _snapshot()
    call_command("load_demo", stdout=StringIO())
    assert _snapshot() == first

    cases = Case.objects.filter(source_label=DEMO_SOURCE)
    assert set(cases.values_list("phase", flat=True)) == set(Phase.values)
    people = Person.objects.filter(source=DEMO_SOURCE)
    assert people.count() == cases.count() >= 12
    assert all(p.given_name.endswith("(demo)") and p.is_alias for p in people)
    closed = {c.person.given_name: c.closure_outcome for c in cases.filter(phase=Phase.CLOSED)}
    assert {"positive", "none"} <= set(closed.values())

    # The Milano case manager holds most of the caseload, with follow-ups overdue.
    manager = User.objects.get(email=CASE_MANAGER)
    mine = cases.filter(case_manager=manager)
    assert mine.count() >= 10 and mine.count() > cases.count() / 2
    today = timezone.localdate()
    assert FollowUp.objects.filter(
        case__in=mine, status=FollowUp.Status.PLANNED, due_on__lt=today
    ).exists()
    assert set(FollowUp.objects.values_list("status", flat=True)) == set(FollowUp.Status.values)
    assert FollowUp.objects.filter(status="done", trust__isnull=False).exists()

    # Assessments: one positive screening (with a decision), negative ones, safety, skills.
    assert Assessment.objects.filter(screening_positive=True).count() == 1
    positive = Assessment.objects.get(screening_positive=True)
    assert positive.screening["possible_victim"] and positive.status == "possible_victim"
    assert Assessment.objects.filter(screening_positive=False).exists()
    assert SafetyAssessment.objects.filter(risk="high").exists()
    assert LanguageSkill.objects.filter(profile__in=SkillsProfile.objects.all()).exists()

    plan = Plan.objects.filter(status=Plan.Status.AGREED, services__service__isnull=False).first()
    assert plan is not None and plan.goals.filter(actions__isnull=False).exists()
    budget = SupportMeasure.objects.get(kind="budget")
    assert budget.lines.count() == 3 and budget.autonomy_assessment_id
    kinds = set(Outcome.objects.values_list("kind", flat=True))
    assert {"job", "dispute", "permit"} <= kinds
    assert Outcome.objects.filter(kind="dispute", amount_recovered__gt=0).exists()
    assert Outcome.objects.filter(kind="permit", legal_basis__code="art18-ter").exists()

    # One sharing consent, with the demo CPI: its operator sees exactly that person.
    sharing = Consent.objects.filter(purpose=Consent.Purpose.SHARING, recipient__is_demo=True)
    sharing = sharing.filter(recipient__name="Centro per l'Impiego di Milano (demo)")
    assert sharing.count() == 1
    partner = User.objects.get(email=f"partner.cpi@{EMAIL_DOMAIN}")
    assert list(Person.objects.visible_to(partner)) == [sharing.get().person]
    assert not Case.objects.visible_to(partner).exists()

    # The funnel: the outreach contact "Samir" became a case, linked both ways.
    from_contact = cases.get(source_contact__isnull=False)
    assert from_contact.source_contact is not None
    assert from_contact.source_contact.case_ref == from_contact.public_id

    # Each case's timeline starts with its opening, on the day it opened.
    for case in cases.annotate(n=Count("events")):
        opening = case.events.order_by("at", "id").first()
        assert opening is not None and opening.kind == "opened"
        assert timezone.localtime(opening.at).date() == case.opened_on
