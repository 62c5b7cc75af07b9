"""The sending team reads a referral's story on the case's own timeline."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from ponte.cases.factories import CaseFactory
from ponte.cases.models import EventKind
from ponte.cases.templatetags.cases import event_summary
from ponte.people.factories import ConsentFactory
from ponte.people.models import Consent
from ponte.referrals import services

pytestmark = pytest.mark.django_db


def test_referral_moves_reach_the_case_timeline(world: Any) -> None:
    case = CaseFactory(access_point=world.own_access_point)
    ConsentFactory(person=case.person, purpose=Consent.Purpose.SHARING, recipient=world.partner)
    manager, partner = world.users["case_manager"], world.users["partner_operator@partner"]
    referral = services.create_referral(
        case, actor=manager, receiver=world.partner, need="work_guidance", sections=["profile"]
    )
    services.send(referral, actor=manager)
    services.transition(referral, to="accepted", actor=partner)
    services.transition(referral, to="completed", actor=partner, outcome="Assunta (fittizio)")
    lines = list(case.events.filter(kind=EventKind.REFERRAL).order_by("at", "id"))
    assert [line.summary.split(":")[0] for line in lines] == [
        "draft",
        "sent",
        "accepted",
        "completed",
    ]
    with translation.override("en"):
        assert event_summary(lines[-1]) == f"Completed · {world.partner.name}"
    # The outcome is on the line: "Completed" alone tells the team nothing to act on.
    assert lines[-1].reason == "Assunta (fittizio)"
    assert [line.reason for line in lines[:-1]] == ["", "", ""]


def test_a_not_completed_line_carries_its_reason(world: Any) -> None:
    case = CaseFactory(access_point=world.own_access_point)
    ConsentFactory(person=case.person, purpose=Consent.Purpose.SHARING, recipient=world.partner)
    manager, partner = world.users["case_manager"], world.users["partner_operator@partner"]
    referral = services.create_referral(
        case, actor=manager, receiver=world.partner, need="work_guidance", sections=["profile"]
    )
    services.send(referral, actor=manager)
    services.transition(referral, to="accepted", actor=partner)
    # An outcome typed on a move that is not a completion is not kept as one.
    services.transition(
        referral, to="not_completed", actor=partner, reason="Non si è presentato", outcome="x"
    )
    line = case.events.filter(kind=EventKind.REFERRAL).order_by("at", "id").last()
    assert line is not None and line.reason == "Non si è presentato"
    referral.refresh_from_db()
    assert referral.outcome == ""
