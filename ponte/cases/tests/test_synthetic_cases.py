"""The generator's people and cases: the same for a seed, every phase, timelines that agree
with the phases, a plausible share of positive screenings, and removed by the next run."""

from __future__ import annotations

import itertools
from io import StringIO

from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from ponte.cases import synthetic
from ponte.cases.factories import CaseFactory
from ponte.cases.models import (
    Assessment,
    Case,
    CaseEvent,
    EventKind,
    FollowUp,
    Outcome,
    Phase,
    Plan,
)
from ponte.network.management.synthetic import SOURCE_PREFIX
from ponte.outreach.models import Contact
from ponte.people import synthetic as people_synthetic
from ponte.people.models import Consent, Person


def _generate(seed: int) -> None:
    call_command(
        "generate_data", "--scale=small", f"--seed={seed}", "--no-progress", stdout=StringIO()
    )


def _fingerprint() -> tuple[dict[str, int], list[tuple]]:  # type: ignore[type-arg]
    counts = {
        model.__name__: model.objects.count()
        for model in (Person, Case, CaseEvent, Assessment, Plan, FollowUp, Outcome)
    }
    sample = list(
        Case.objects.order_by("public_id").values_list(
            "public_id",
            "person__public_id",
            "person__birth_year",
            "person__citizenship",
            "phase",
            "opened_on",
            "closed_on",
            "work_situation",
        )[:25]
    )
    return counts, sample


def _check_consistency() -> None:
    cases = Case.objects.filter(source_label__startswith=SOURCE_PREFIX)
    assert cases.count() >= synthetic.PEOPLE["small"]
    assert set(cases.values_list("phase", flat=True)) == set(Phase.values)
    # Most people agreed to the anonymous use of their data for evaluation, not all.
    people = Person.objects.filter(source__startswith=SOURCE_PREFIX)
    agreed = people.filter(consents__purpose=Consent.Purpose.EVALUATION).distinct().count()
    assert 0.6 < agreed / people.count() < 0.8
    # Every case opened once; its last move leads to the phase it is in.
    opened = CaseEvent.objects.filter(kind=EventKind.OPENED).values("case").annotate(n=Count("pk"))
    assert {row["n"] for row in opened} == {1} and len(opened) == cases.count()
    for case in cases.prefetch_related("events"):
        moves = sorted((e for e in case.events.all() if e.to_phase), key=lambda e: (e.at, e.pk))
        assert moves[0].kind == EventKind.OPENED
        assert moves[-1].to_phase == case.phase, case.public_id
        for before, after in itertools.pairwise(moves):
            assert after.from_phase == before.to_phase
        if case.phase == Phase.CLOSED:
            assert case.closed_on is not None and case.closure_reason and case.closure_outcome
            assert moves[-1].kind == EventKind.CLOSED
            assert timezone.localtime(moves[-1].at).date() == case.closed_on
        else:
            assert case.closed_on is None
        if case.phase == Phase.SUSPENDED:
            assert case.phase_before_suspension == moves[-1].from_phase
    assessments = Assessment.objects.filter(case__in=cases)
    share = assessments.filter(screening_positive=True).count() / assessments.count()
    assert 0.05 <= share <= 0.25, share
    # Engaged outreach contacts with a case reference are the cases' source contacts.
    linked = dict(Contact.objects.filter(case_ref__isnull=False).values_list("case_ref", "pk"))
    assert linked
    from_contacts = cases.filter(source_contact__isnull=False)
    by_case = dict(from_contacts.values_list("public_id", "source_contact"))
    assert by_case == linked


def test_generator_is_deterministic_consistent_and_replaced(db) -> None:  # type: ignore[no-untyped-def]
    kept = CaseFactory()  # a real case: no run may touch it
    _generate(5)
    _check_consistency()
    first = _fingerprint()
    _generate(5)  # a new run replaces the previous one, identically
    assert _fingerprint() == first

    # As generate_data does: the apps above cases (referrals) go first.
    from ponte.referrals import synthetic as referrals_synthetic

    referrals_synthetic.delete_previous()
    synthetic.delete_previous()
    people_synthetic.delete_previous()
    assert not Case.objects.filter(source_label__startswith=SOURCE_PREFIX).exists()
    assert not Person.objects.filter(source__startswith=SOURCE_PREFIX).exists()
    assert list(Case.objects.all()) == [kept]
