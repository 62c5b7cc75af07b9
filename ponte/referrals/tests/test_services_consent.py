"""Withdrawing the person's sharing consent to an organisation withdraws the open referrals to
it (people.extensions → referrals.services.consent), in the withdrawal's own transaction."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from ponte.audit.models import AuditEvent
from ponte.cases.models import EventKind
from ponte.network import services as network_services
from ponte.network.factories import OrganizationFactory
from ponte.network.roles import Role
from ponte.people.factories import ConsentFactory
from ponte.people.models import Consent
from ponte.people.services import withdraw_consent
from ponte.referrals import services
from ponte.referrals.models import Notification, Referral, Status
from ponte.referrals.tests.test_pages_helpers import client
from ponte.referrals.tests.test_services import make_case, make_draft, make_sent, operator

pytestmark = pytest.mark.usefixtures("english")


def _sharing(case: Any, recipient: Any) -> Consent:
    return Consent.objects.active().get(
        person=case.person, purpose=Consent.Purpose.SHARING, recipient=recipient
    )


def test_withdrawal_closes_every_open_referral_to_that_organisation(
    world, django_capture_on_commit_callbacks
):
    case = make_case(world)
    op = operator(world)
    sent = make_sent(world, case=case)
    accepted = services.transition(make_sent(world, case=case), to=Status.ACCEPTED, actor=op)
    in_progress = services.transition(
        services.transition(make_sent(world, case=case), to=Status.ACCEPTED, actor=op),
        to=Status.IN_PROGRESS,
        actor=op,
    )
    draft = make_draft(world, case=case)
    declined = services.transition(
        make_sent(world, case=case), to=Status.DECLINED, actor=op, reason="r"
    )
    # Another person's referral to the same organisation, and this person's to another one.
    other_person = make_sent(world)
    elsewhere = OrganizationFactory(data_sharing_agreement="DSA fittizio")
    ConsentFactory(person=case.person, purpose=Consent.Purpose.SHARING, recipient=elsewhere)
    to_elsewhere = make_sent(world, case=case, receiver=elsewhere)
    untouched = {r.pk: (r.status, r.version) for r in (draft, declined, other_person, to_elsewhere)}
    Notification.objects.all().delete()

    coordinator = world.users["coordinator"]  # not the case manager: the sender side is told
    with django_capture_on_commit_callbacks(execute=True):
        withdraw_consent(_sharing(case, world.partner), actor=coordinator, note="Ha cambiato idea")

    for referral in (sent, accepted, in_progress):
        before = referral.status
        referral.refresh_from_db()
        assert referral.status == Status.WITHDRAWN and referral.closed_at is not None
        assert referral.reason == "Consent withdrawn"
        event = referral.events.last()
        assert event is not None
        assert (event.from_status, event.to_status, event.actor, event.reason) == (
            before,
            Status.WITHDRAWN,
            coordinator,
            "Consent withdrawn",
        )
        assert AuditEvent.objects.filter(
            action="referrals.withdrawn_consent", data__referral=str(referral.public_id)
        ).exists()
        told = set(
            Notification.objects.filter(
                referral=referral, kind=Notification.Kind.WITHDRAWN
            ).values_list("user_id", flat=True)
        )
        assert {op.pk, world.users["case_manager"].pk} <= told
        assert coordinator.pk not in told  # who withdrew it knows
    for pk, state in untouched.items():
        row = Referral.objects.get(pk=pk)
        assert (row.status, row.version) == state
    # The case's timeline tells it too.
    lines = case.events.filter(kind=EventKind.REFERRAL, summary__startswith="withdrawn:")
    assert lines.count() == 3


def test_after_the_withdrawal_the_receiver_gets_404(world):
    referral = make_sent(world)
    partner = client(world, "partner_operator@partner")
    page = reverse("referrals:detail", args=[referral.public_id])
    assert partner.get(page).status_code == 200
    _row, raw = network_services.issue_api_token(
        actor=world.users["platform_admin"],
        organization=world.partner,
        name="Sistema",
        role=Role.PARTNER_OPERATOR,
    )
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get(f"/api/v1/referrals/{referral.public_id}").status_code == 200
    withdraw_consent(_sharing(referral.case, world.partner), actor=world.users["case_manager"])
    assert partner.get(page).status_code == 404
    assert api.get(f"/api/v1/referrals/{referral.public_id}").status_code == 404
    assert api.get("/api/v1/referrals/inbox").json()["count"] == 0
    # The sender keeps its record, closed.
    assert client(world, "case_manager").get(page).status_code == 200
    referral.refresh_from_db()
    assert referral.status == Status.WITHDRAWN


def test_a_refused_withdrawal_closes_nothing(world):
    referral = make_sent(world)
    with pytest.raises(PermissionDenied):
        withdraw_consent(_sharing(referral.case, world.partner), actor=operator(world))
    referral.refresh_from_db()
    assert referral.status == Status.SENT
    assert not AuditEvent.objects.filter(action="referrals.withdrawn_consent").exists()


def test_other_consents_close_nothing(world):
    referral = make_sent(world)
    taking_in_charge = Consent.objects.active().get(
        person=referral.case.person, purpose=Consent.Purpose.TAKING_IN_CHARGE
    )
    withdraw_consent(taking_in_charge, actor=world.users["case_manager"])
    referral.refresh_from_db()
    assert referral.status == Status.SENT
