"""The shared part of a case file, and the closed-loop figures on a dataset with known answers."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from ponte.cases.indicators import Framework, indicators_of
from ponte.cases.models import Assessment, CaseNote, FirstListening, Plan, SafetyAssessment
from ponte.cases.models.assessment import Observation, SkillsProfile
from ponte.cases.models.plan import Goal
from ponte.people.models import Consent
from ponte.people.services import withdraw_consent
from ponte.referrals import queries, services
from ponte.referrals.factories import InboundSignalFactory, ReferralFactory
from ponte.referrals.models import Referral, Section, Status
from ponte.referrals.tests.test_services import ALIAS, make_case, make_sent, operator

pytestmark = pytest.mark.usefixtures("english")


def _full_file(case: Any) -> None:
    today = timezone.localdate()
    FirstListening.objects.create(case=case, held_on=today, narrative="Racconto fittizio")
    indicator = indicators_of(Framework.ILO)[0]
    decided = Assessment.objects.create(
        case=case,
        assessed_on=today - datetime.timedelta(days=5),
        status="possible_victim",
        status_decided_by="case_worker",
        justification="Motivazione fittizia",
    )
    Observation.objects.create(
        assessment=decided,
        framework=indicator.framework,
        code=indicator.code,
        source="account",
        observed_on=today,
    )
    Assessment.objects.create(case=case, assessed_on=today, notes="Bozza non decisa")
    SafetyAssessment.objects.create(case=case, assessed_on=today, risk="high", threats=True)
    SkillsProfile.objects.create(case=case, competences="Potatura (fittizio)")
    agreed = Plan.objects.create(
        case=case, status=Plan.Status.AGREED, agreed_on=today, work_goal="Obiettivo A"
    )
    Goal.objects.create(plan=agreed, text="Patente")
    Plan.objects.create(case=case, revision=2, status=Plan.Status.DRAFT, work_goal="Bozza B")
    CaseNote.objects.create(case=case, body="Nota per i partner", visibility="partners")
    CaseNote.objects.create(case=case, body="Nota interna", visibility="team")


def test_only_the_shared_sections(world):
    case = make_case(world)
    case.person.family_name = "Cognomefittizio"
    case.person.phone = "3330000000"
    case.person.save()
    _full_file(case)
    referral = make_sent(world, case=case, sections=["notes", "profile", "plan", "assessment"])
    shared = queries.shared_file(referral, operator(world))
    assert list(shared) == ["profile", "assessment", "plan", "notes"]
    blob = str(shared)
    assert ALIAS in blob
    for absent in (
        "Cognomefittizio",
        "3330000000",
        "Racconto",
        "Potatura",
        "Nota interna",
        "Bozza",
        "high",
    ):
        assert absent not in blob, absent
    assert shared["assessment"]["status"] == "Possible victim"
    assert shared["assessment"]["indicators"][0]["label"]
    assert shared["plan"]["work_goal"] == "Obiettivo A"
    assert shared["plan"]["goals"] == [{"goal": "Patente", "status": "Open"}]
    assert [n["note"] for n in shared["notes"]] == ["Nota per i partner"]


def test_every_section_has_a_builder(world):
    case = make_case(world)
    _full_file(case)
    referral = make_sent(world, case=case, sections=list(Section.values))
    shared = queries.shared_file(referral, operator(world))
    assert list(shared) == list(Section.values)
    assert shared["listening"]["narrative"] == "Racconto fittizio"
    assert shared["safety"]["threats"] is True and shared["safety"]["risk"] == "High"
    assert shared["skills"]["competences"] == "Potatura (fittizio)"


def test_empty_sections_are_none(world):
    referral = make_sent(world, sections=["listening", "safety", "skills", "plan", "notes"])
    shared = queries.shared_file(referral, operator(world))
    assert shared == {
        "listening": None,
        "safety": None,
        "skills": None,
        "plan": None,
        "notes": [],
    }


def test_nothing_once_closed_or_the_consent_is_withdrawn(world):
    referral = make_sent(world, sections=["profile"])
    assert queries.shared_file(referral, operator(world))
    assert queries.shared_file(referral, world.users["coordinator@foreign"]) == {}
    withdraw_consent(
        Consent.objects.active().get(purpose=Consent.Purpose.SHARING),
        actor=world.users["case_manager"],
    )
    assert queries.shared_file(referral, operator(world)) == {}
    # Nothing leaves the PUA any more, for the sender either (it keeps the case itself).
    assert queries.shared_file(referral, world.users["case_manager"]) == {}
    other = make_sent(world, sections=["profile"])
    services.transition(other, to=Status.DECLINED, actor=operator(world), reason="r")
    assert queries.shared_file(other, operator(world)) == {}


# ---- closed-loop figures -------------------------------------------------------------------------

T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def _at(hours: float | None) -> datetime.datetime | None:
    return None if hours is None else T0 + datetime.timedelta(hours=hours)


def _referral(
    world: Any,
    status: str,
    *,
    received=None,
    answered=None,
    closed=None,
    sent: float = 0,
    inbound: bool = False,
) -> Referral:
    times = {
        "status": status,
        "sent_at": _at(sent) if status != Status.DRAFT else None,
        "received_at": _at(received),
        "answered_at": _at(answered),
        "closed_at": _at(closed),
    }
    if inbound:
        return InboundSignalFactory(
            access_point=world.own_access_point, sender=world.partner, **times
        )
    return ReferralFactory(
        case__access_point=world.own_access_point, receiver=world.partner, **times
    )


@pytest.fixture
def dataset(world: Any) -> Any:
    _referral(world, Status.COMPLETED, received=2, answered=4, closed=24)
    _referral(world, Status.DECLINED, answered=10, closed=10)
    _referral(world, Status.NOT_COMPLETED, received=6, answered=8, closed=48)
    _referral(world, Status.EXPIRED, closed=72)
    _referral(world, Status.WITHDRAWN, answered=2, closed=5)  # withdrawn after acceptance
    _referral(world, Status.DRAFT)  # never sent: not counted
    _referral(world, Status.ACCEPTED, received=1, answered=3, inbound=True)
    _referral(world, Status.SENT, sent=-24 * 400)  # a year earlier
    return world


def test_closed_loop_figures_per_pair(dataset, django_assert_num_queries):
    world = dataset
    with django_assert_num_queries(2):
        figures = queries.closed_loop_figures(since=T0 - datetime.timedelta(days=1))
    by_pair = {(f.sender_id, f.receiver_id): f for f in figures}
    assert set(by_pair) == {(world.own.pk, world.partner.pk), (world.partner.pk, world.own.pk)}
    out = by_pair[(world.own.pk, world.partner.pk)]
    assert (out.sent, out.accepted, out.declined, out.completed, out.not_completed) == (
        5,
        3,
        1,
        1,
        1,
    )
    assert (out.expired, out.withdrawn) == (1, 1)
    assert out.acceptance_rate == pytest.approx(3 / 5)  # accepted / (accepted+declined+expired)
    assert out.completion_rate == pytest.approx(1 / 2)
    assert out.median_hours_to_acknowledge == pytest.approx(4)  # of 2, 10, 6, 2
    assert out.median_hours_to_accept == pytest.approx(4)  # of 4, 8, 2
    assert out.median_hours_to_complete == pytest.approx(24)
    assert out.sender_name == world.own.name and out.receiver_name == world.partner.name
    back = by_pair[(world.partner.pk, world.own.pk)]
    assert (back.sent, back.accepted, back.acceptance_rate, back.completion_rate) == (
        1,
        1,
        1.0,
        None,
    )
    assert (back.median_hours_to_acknowledge, back.median_hours_to_accept) == (1, 3)
    assert back.median_hours_to_complete is None


def test_closed_loop_filters(dataset):
    world = dataset
    every = queries.closed_loop_figures()
    assert sum(f.sent for f in every) == 7  # the year-old one included
    assert queries.closed_loop_figures(organizations=[world.foreign.pk]) == []
    assert queries.closed_loop_figures(until=T0 - datetime.timedelta(days=1))[0].sent == 1
    assert len(queries.closed_loop_figures(organizations=[world.partner.pk])) == 2


def test_closed_loop_figures_without_times_is_one_query(dataset, django_assert_num_queries):
    with django_assert_num_queries(1):
        figures = queries.closed_loop_figures(
            since=T0 - datetime.timedelta(days=1), with_times=False
        )
    with_times = queries.closed_loop_figures(since=T0 - datetime.timedelta(days=1))
    # The same counts and rates; only the medians are left out.
    assert [(f.sent, f.accepted, f.acceptance_rate) for f in figures] == [
        (f.sent, f.accepted, f.acceptance_rate) for f in with_times
    ]
    assert all(f.median_hours_to_accept is None for f in figures)
