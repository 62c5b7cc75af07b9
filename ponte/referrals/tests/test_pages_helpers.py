"""Builders shared by the tests of the referral pages (no tests here).

A sent outbound referral from a case at `own` to `partner`, with the person's sharing consent
to partner; an inbound signal from partner to own's PUA. Everything fictitious.
"""

from __future__ import annotations

from typing import Any

from django.test import Client

from conftest import verified_client
from ponte.cases.factories import CaseFactory
from ponte.people.factories import ConsentFactory
from ponte.people.models import Consent
from ponte.referrals.factories import InboundSignalFactory, ReferralFactory

PERSONAS = [
    "case_manager",
    "specialist",
    "coordinator",
    "outreach_worker",
    "analyst",
    "org_admin",
    "partner_operator@partner",
    "coordinator@foreign",
    "no_membership",
    "platform_admin",
]
ALIAS = "Zebediah"  # fictitious


def make_case(world: Any, *, consent_to: Any = "partner") -> Any:
    case = CaseFactory(
        access_point=world.own_access_point,
        case_manager=world.users["case_manager"],
        person__given_name=ALIAS,
    )
    if consent_to == "partner":
        ConsentFactory(person=case.person, purpose=Consent.Purpose.SHARING, recipient=world.partner)
    return case


def outbound(world: Any, **kwargs: Any) -> Any:
    case = kwargs.pop("case", None) or make_case(world)
    values = {"case": case, "receiver": world.partner, "sent": True, **kwargs}
    return ReferralFactory(**values)


def inbound(world: Any, **kwargs: Any) -> Any:
    values = {
        "access_point": world.own_access_point,
        "sender": world.partner,
        "person_alias": ALIAS,
        **kwargs,
    }
    return InboundSignalFactory(**values)


def client(world: Any, persona: str) -> Client:
    return verified_client(world.users[persona])
