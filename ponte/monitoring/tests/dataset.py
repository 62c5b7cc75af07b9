"""A hand-built network whose indicators are known by hand (the comments give the sums).

Period: 1 January – 30 June 2026. Two PUAs of the `own` organisation: A (two Ambiti of one
province) and B (one Ambito of another province); a PUA of `foreign`, outside the scope.
All fictitious.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from ponte.cases.factories import CaseFactory
from ponte.cases.models import (
    Activity,
    AutonomyAssessment,
    Case,
    CaseEvent,
    ClosureOutcome,
    EventKind,
    FollowUp,
    LegalBasis,
    Outcome,
    Phase,
    SupportMeasure,
)
from ponte.monitoring.scope import Scope
from ponte.network.factories import AccessPointFactory
from ponte.network.models import AccessPoint, Territory
from ponte.outreach.factories import ContactFactory, OutingFactory, PeopleMetFactory
from ponte.people.factories import PersonFactory
from ponte.referrals.factories import ReferralFactory
from ponte.referrals.models import Status

SINCE = dt.date(2026, 1, 1)
UNTIL = dt.date(2026, 6, 30)


def at(y: int, m: int, d: int, h: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(y, m, d, h))


@dataclass
class Dataset:
    a: AccessPoint
    b: AccessPoint
    outside: AccessPoint
    cases: dict[str, Case]
    province_a: Territory
    province_b: Territory
    ambiti: list[Territory]

    def scope(self, breakdown: str = "") -> Scope:
        return Scope(frozenset({self.a.pk, self.b.pk}), SINCE, UNTIL, breakdown)


def _territories() -> tuple[Territory, Territory, list[Territory]]:
    region = Territory.objects.create(level="region", code="t-reg", name="Regione fittizia")
    p_a = Territory.objects.create(
        level="province", code="t-pa", name="Provincia Alfa", parent=region
    )
    p_b = Territory.objects.create(
        level="province", code="t-pb", name="Provincia Beta", parent=region
    )
    ambiti = [
        Territory.objects.create(level="ambito", code="t-a1", name="Ambito Alfa Uno", parent=p_a),
        Territory.objects.create(level="ambito", code="t-a2", name="Ambito Alfa Due", parent=p_a),
        Territory.objects.create(level="ambito", code="t-b1", name="Ambito Beta", parent=p_b),
    ]
    return p_a, p_b, ambiti


def _phase_event(case: Case, when: dt.datetime, to_phase: str, from_phase: str = "") -> None:
    CaseEvent.objects.create(
        case=case, at=when, kind=EventKind.PHASE, from_phase=from_phase, to_phase=to_phase
    )


def _case(
    ap: AccessPoint, opened: dt.date, phase: str, closed_on: dt.date | None = None, **person: Any
) -> Case:
    defaults = {"gender": "male", "birth_year": 1990, "citizenship": "PK"}
    person_obj = PersonFactory(organization=ap.lead_organization, **{**defaults, **person})
    return CaseFactory(
        access_point=ap,
        person=person_obj,
        opened_on=opened,
        phase=phase,
        phase_since=at(opened.year, opened.month, opened.day),
        closed_on=closed_on,
    )


def build(world: Any) -> Dataset:
    p_a, p_b, ambiti = _territories()
    a = world.own_access_point
    a.name = "PUA Alfa (fittizio)"
    a.save()
    a.ambiti.set(ambiti[:2])
    b = AccessPointFactory(lead_organization=world.own, name="PUA Beta (fittizio)")
    b.ambiti.set(ambiti[2:])
    outside = world.foreign_access_point

    # ---- outreach: A has 4 contacts in the period (alias a1 twice), B one; 12 + 3 met in groups
    outing_a = OutingFactory(access_point=a, date=dt.date(2026, 1, 3))
    outing_b = OutingFactory(access_point=b, date=dt.date(2026, 3, 1))
    k1 = ContactFactory(
        outing=outing_a,
        met_at=at(2026, 1, 3),
        alias_key="a1",
        engaged_at=at(2026, 1, 5),
        gender="female",
        nationality="NG",
    )
    ContactFactory(outing=outing_a, met_at=at(2026, 1, 5), alias_key="a1")
    ContactFactory(outing=outing_a, met_at=at(2026, 2, 1), alias_key="b2")
    ContactFactory(outing=outing_a, met_at=at(2026, 2, 2), alias_key="")
    ContactFactory(outing=outing_b, met_at=at(2026, 3, 1), alias_key="c3")
    ContactFactory(outing=outing_a, met_at=at(2025, 12, 20), alias_key="b2")  # before
    ContactFactory(outing=OutingFactory(access_point=outside), met_at=at(2026, 2, 1))
    PeopleMetFactory(outing=outing_a, count=7)
    PeopleMetFactory(outing=outing_a, count=5, gender="female")
    PeopleMetFactory(outing=outing_b, count=3)

    # ---- cases
    c1 = _case(
        a,
        dt.date(2026, 1, 10),
        Phase.CLOSED,
        closed_on=dt.date(2026, 5, 1),
        gender="female",
        birth_year=1990,
        citizenship="NG",
    )
    c1.source = "outreach"
    c1.source_contact = k1
    c1.closed_on = dt.date(2026, 5, 1)
    c1.closure_outcome = ClosureOutcome.POSITIVE
    c1.closure_reason = "goals_reached"
    c1.save()
    k1.case_ref = c1.public_id
    k1.save()
    _phase_event(c1, at(2026, 1, 15), Phase.ENGAGEMENT, Phase.CONTACT)
    _phase_event(c1, at(2026, 2, 1), Phase.ANALYSIS, Phase.ENGAGEMENT)
    _phase_event(c1, at(2026, 3, 1), Phase.PLAN, Phase.ANALYSIS)
    _phase_event(c1, at(2026, 3, 20), Phase.IMPLEMENTATION, Phase.PLAN)
    _phase_event(c1, at(2026, 5, 1), Phase.CLOSED, Phase.IMPLEMENTATION)

    c2 = _case(a, dt.date(2026, 2, 1), Phase.ENGAGEMENT, birth_year=1980)
    _phase_event(c2, at(2026, 2, 11), Phase.ENGAGEMENT, Phase.CONTACT)
    c3 = _case(b, dt.date(2026, 3, 1), Phase.CONTACT)
    c4 = _case(a, dt.date(2025, 6, 1), Phase.IMPLEMENTATION, citizenship="MA")
    c4.phase_since = timezone.now() - dt.timedelta(days=100)
    c4.save()
    restricted = _case(a, dt.date(2026, 2, 1), Phase.ENGAGEMENT, processing_restricted=True)
    foreign = _case(outside, dt.date(2026, 2, 1), Phase.ENGAGEMENT)

    # ---- follow-ups: trust 5, 3, 4 in the period (2 outside); well-being trajectories c1, c4
    def follow_up(case: Case, due: dt.date, **fields: Any) -> FollowUp:
        return FollowUp.objects.create(case=case, due_on=due, **fields)

    done = FollowUp.Status.DONE
    follow_up(
        c1,
        dt.date(2026, 2, 10),
        status=done,
        done_on=dt.date(2026, 2, 15),
        trust=5,
        wellbeing_general=2,
        wellbeing_work=2,
    )
    follow_up(
        c1,
        dt.date(2026, 4, 1),
        status=done,
        done_on=dt.date(2026, 4, 15),
        trust=3,
        wellbeing_general=4,
        wellbeing_work=4,
    )
    follow_up(c1, dt.date(2026, 6, 1), after_closure=True)
    follow_up(
        c2,
        dt.date(2026, 3, 10),
        status=done,
        done_on=dt.date(2026, 3, 10),
        trust=4,
        wellbeing_general=3,
    )
    follow_up(c3, dt.date(2026, 4, 1), status=FollowUp.Status.MISSED)
    follow_up(
        c4,
        dt.date(2025, 12, 1),
        status=done,
        done_on=dt.date(2025, 12, 1),
        trust=2,
        wellbeing_general=4,
    )
    follow_up(
        c4, dt.date(2026, 3, 1), status=done, done_on=dt.date(2026, 3, 1), wellbeing_general=3
    )
    for other in (restricted, foreign):
        follow_up(
            other,
            dt.date(2026, 3, 1),
            status=done,
            done_on=dt.date(2026, 3, 1),
            trust=1,
            wellbeing_general=1,
        )

    # ---- referrals: c1 sends two (one accepted and completed, one declined), c2 one accepted
    r1 = ReferralFactory(
        case=c1,
        receiver=world.partner,
        status=Status.COMPLETED,
        sent_at=at(2026, 2, 20),
        answered_at=at(2026, 2, 22),
        closed_at=at(2026, 3, 20),
    )
    ReferralFactory(
        case=c1,
        receiver=world.partner,
        status=Status.DECLINED,
        sent_at=at(2026, 3, 1),
        answered_at=at(2026, 3, 2),
        closed_at=at(2026, 3, 2),
    )
    ReferralFactory(
        case=c2,
        receiver=world.partner,
        status=Status.IN_PROGRESS,
        sent_at=at(2026, 3, 15),
        answered_at=at(2026, 3, 16),
    )
    ReferralFactory(case=c2, receiver=world.partner, status=Status.DRAFT)
    ReferralFactory(
        case=restricted, receiver=world.partner, status=Status.SENT, sent_at=at(2026, 3, 15)
    )
    del r1

    # ---- activities (1.5 hours), support (250 € spent), outcomes
    Activity.objects.create(case=c1, kind="guidance", done_on=dt.date(2026, 2, 2), minutes=60)
    Activity.objects.create(case=c1, kind="legal", done_on=dt.date(2026, 2, 3), minutes=30)
    Activity.objects.create(case=c4, kind="guidance", done_on=dt.date(2026, 1, 20))
    Activity.objects.create(case=c4, kind="guidance", done_on=dt.date(2025, 12, 20), minutes=600)
    autonomy = AutonomyAssessment.objects.create(
        case=c1,
        assessed_on=dt.date(2026, 3, 1),
        autonomy=3,
        decisions=3,
        territory=3,
        social_network=3,
        initiative=3,
    )
    SupportMeasure.objects.create(
        case=c1,
        kind="internship",
        autonomy_assessment=autonomy,
        granted_on=dt.date(2026, 3, 5),
        planned_amount=Decimal("600.00"),
        spent_amount=Decimal("250.00"),
    )
    Outcome.objects.create(
        case=c1,
        kind="job",
        achieved_on=dt.date(2026, 4, 20),
        contract_type="permanent",
        sector="agriculture",
    )
    Outcome.objects.create(
        case=c1,
        kind="dispute",
        achieved_on=dt.date(2026, 4, 25),
        dispute_settled=True,
        amount_recovered=Decimal("1200.50"),
    )
    Outcome.objects.create(
        case=c4,
        kind="permit",
        achieved_on=dt.date(2026, 2, 1),
        legal_basis=LegalBasis.objects.order_by("pk").first(),
    )
    Outcome.objects.create(case=restricted, kind="job", achieved_on=dt.date(2026, 2, 1))
    return Dataset(
        a=a,
        b=b,
        outside=outside,
        cases={"c1": c1, "c2": c2, "c3": c3, "c4": c4, "restricted": restricted},
        province_a=p_a,
        province_b=p_b,
        ambiti=ambiti,
    )
