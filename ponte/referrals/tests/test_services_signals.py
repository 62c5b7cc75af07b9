"""Inbound signals, their triage by the PUA, and answers recorded for receivers outside Ponte."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ponte.audit.models import AuditEvent
from ponte.cases.factories import CaseFactory
from ponte.cases.models import Case
from ponte.cases.services.core import Intake
from ponte.catalog.taxonomy import Area
from ponte.network.factories import AccessPointFactory, MembershipFactory, OrganizationFactory
from ponte.network.roles import Role
from ponte.people.models import Consent
from ponte.people.services import ConsentInput
from ponte.referrals import services
from ponte.referrals.models import (
    ANSWER_DAYS,
    Direction,
    Notification,
    Referral,
    SenderKind,
    Status,
    Urgency,
)
from ponte.referrals.tests.test_services import make_sent, operator, snapshot

pytestmark = pytest.mark.usefixtures("english")

SIGNAL_ALIAS = "Quintilla"


def signal(world: Any, **kwargs: Any) -> Referral:
    values: dict[str, Any] = {
        "actor": operator(world),
        "sender": world.partner,
        "access_point": world.own_access_point,
        "sender_kind": SenderKind.STREET_UNIT,
        "need": Area.WORK_GUIDANCE,
        "person_alias": SIGNAL_ALIAS,
        "person_contact": "Solo di mattina (fittizio)",
        "first_evaluation": "Valutazione fittizia",
        "message": "Segnalazione fittizia",
        **kwargs,
    }
    return services.send_signal(**values)


def test_send_signal_is_sent_at_once_to_the_puas_case_managers(
    world, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        referral = signal(world)
    assert referral.direction == Direction.INBOUND
    assert referral.status == Status.SENT and referral.sent_at is not None
    assert referral.receiver == world.own and referral.sender == world.partner
    assert referral.created_by == operator(world)
    assert referral.events.get().to_status == Status.SENT
    told = set(Notification.objects.values_list("user__email", flat=True))
    # MANAGE_CASES at the PUA: the case manager and the coordinator, not the specialist.
    assert told == {world.users["case_manager"].email, world.users["coordinator"].email}
    assert len(mailoutbox) == 2
    for mail in mailoutbox:
        assert SIGNAL_ALIAS not in mail.body and SIGNAL_ALIAS not in mail.subject
        assert world.partner.name not in mail.body
    row = AuditEvent.objects.get(action="referrals.signal_sent")
    assert SIGNAL_ALIAS not in str(row.data) and "fittizi" not in str(row.data)


def test_send_signal_needs_refer_at_the_sender(world):
    for name in ("specialist", "analyst", "no_membership"):
        with pytest.raises(PermissionDenied):
            signal(world, actor=world.users[name])
    # The operator refers for their own organisation only.
    with pytest.raises(PermissionDenied):
        signal(world, sender=world.foreign)
    assert not Referral.objects.exists()
    signal(
        world,
        actor=world.users["outreach_worker"],
        sender=world.own,
        access_point=world.foreign_access_point,
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"sender_kind": "pigeon"}, "sender_kind"),
        ({"need": "astrology"}, "need"),
        ({"urgency": "whenever"}, "urgency"),
        ({"answer_due_on": datetime.date(2000, 1, 1)}, "answer_due_on"),
    ],
)
def test_send_signal_checks_its_fields(world, kwargs, field):
    with pytest.raises(ValidationError) as error:
        signal(world, **kwargs)
    assert field in error.value.message_dict


def test_a_signal_goes_to_another_active_pua(world):
    with pytest.raises(ValidationError):
        signal(world, actor=world.users["outreach_worker"], sender=world.own)
    inactive = AccessPointFactory(lead_organization=world.foreign, is_active=False)
    with pytest.raises(ValidationError, match="no longer active"):
        signal(world, access_point=inactive)


# ---- triage --------------------------------------------------------------------------------------


def test_triage_new_case_takes_the_person_in_charge_and_accepts(
    world, django_capture_on_commit_callbacks
):
    referral = signal(world)
    intake = Intake(
        access_point=world.own_access_point,
        person_data={"given_name": SIGNAL_ALIAS, "is_alias": True},
        consent=ConsentInput(
            purpose=Consent.Purpose.TAKING_IN_CHARGE,
            method=Consent.Method.WRITTEN,
            language="it",
            given_on=timezone.localdate(),
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        referral = services.triage_signal(
            referral, actor=world.users["case_manager"], decision="new_case", intake=intake
        )
    assert referral.status == Status.ACCEPTED and referral.answered_at is not None
    assert referral.case is not None
    assert referral.case.person.given_name == SIGNAL_ALIAS
    note = Notification.objects.get(kind=Notification.Kind.ANSWER)
    assert note.user == operator(world)
    assert AuditEvent.objects.filter(action="referrals.triaged", data__to="accepted").exists()


def test_triage_new_case_without_consent_changes_nothing(world):
    referral = signal(world)
    intake = Intake(
        access_point=world.own_access_point,
        person_data={"given_name": SIGNAL_ALIAS},
        consent=ConsentInput(
            purpose=Consent.Purpose.TAKING_IN_CHARGE,
            method=Consent.Method.ORAL_WITH_WITNESS,  # oral without a witness: refused
            language="it",
            given_on=timezone.localdate(),
        ),
    )
    before = snapshot(referral)
    with pytest.raises(ValidationError):
        services.triage_signal(
            referral, actor=world.users["case_manager"], decision="new_case", intake=intake
        )
    assert snapshot(referral) == before
    assert not Case.objects.exists()


def test_triage_existing_case_links_a_case_of_the_pua(world):
    referral = signal(world)
    foreign_case = CaseFactory(access_point=world.foreign_access_point)
    with pytest.raises(ValidationError):
        services.triage_signal(
            referral, actor=world.users["case_manager"], decision="existing_case", case=foreign_case
        )
    with pytest.raises(ValidationError):
        services.triage_signal(
            referral, actor=world.users["case_manager"], decision="existing_case"
        )
    case = CaseFactory(access_point=world.own_access_point)
    referral = services.triage_signal(
        referral, actor=world.users["case_manager"], decision="existing_case", case=case
    )
    assert referral.status == Status.ACCEPTED and referral.case == case


def test_triage_into_an_existing_case_passes_the_case_gate(world):
    """Linking is a write to the case file: refused, with nothing changed, on a closed case, on
    a case whose person withdrew the taking-in-charge consent or restricted processing."""
    manager = world.users["case_manager"]
    closed = CaseFactory(
        access_point=world.own_access_point, phase="chiuso", closed_on=timezone.localdate()
    )
    withdrawn = CaseFactory(access_point=world.own_access_point)
    Consent.objects.filter(person=withdrawn.person).update(withdrawn_at=timezone.now())
    restricted = CaseFactory(access_point=world.own_access_point)
    restricted.person.processing_restricted = True
    restricted.person.save()
    referral = signal(world)
    before = snapshot(referral)
    for case, words in ((closed, "closed"), (withdrawn, "consent"), (restricted, "restrict")):
        with pytest.raises(ValidationError, match=words):
            services.triage_signal(referral, actor=manager, decision="existing_case", case=case)
        assert snapshot(referral) == before


def test_triage_redirect_declines_and_signals_the_other_pua(
    world, django_capture_on_commit_callbacks
):
    other = OrganizationFactory()
    other_pua = AccessPointFactory(lead_organization=other)
    other_manager = MembershipFactory(organization=other, role=Role.CASE_MANAGER).user
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    referral = signal(world, urgency=Urgency.SOON)
    # Its due date has passed by the time it is triaged: the new PUA must not inherit it.
    Referral.objects.filter(pk=referral.pk).update(answer_due_on=yesterday)
    referral.refresh_from_db()
    manager = world.users["case_manager"]
    with pytest.raises(ValidationError):  # no reason
        services.triage_signal(referral, actor=manager, decision="redirect", redirect_to=other_pua)
    with pytest.raises(ValidationError):  # no PUA
        services.triage_signal(referral, actor=manager, decision="redirect", reason="r")
    with pytest.raises(ValidationError):  # back to the sender's own PUA
        services.triage_signal(
            referral,
            actor=manager,
            decision="redirect",
            redirect_to=AccessPointFactory(lead_organization=world.partner),
            reason="r",
        )
    with django_capture_on_commit_callbacks(execute=True):
        referral = services.triage_signal(
            referral, actor=manager, decision="redirect", redirect_to=other_pua, reason="Fuori zona"
        )
    assert referral.status == Status.DECLINED and referral.reason == "Fuori zona"
    new = Referral.objects.exclude(pk=referral.pk).get()
    assert (new.direction, new.status, new.sender, new.receiver, new.access_point) == (
        Direction.INBOUND,
        Status.SENT,
        world.partner,
        other,
        other_pua,
    )
    assert (new.person_alias, new.message, new.first_evaluation) == (
        referral.person_alias,
        referral.message,
        referral.first_evaluation,
    )
    # A fresh due date by its urgency, and the reason on its first timeline line.
    assert new.answer_due_on == timezone.localdate() + datetime.timedelta(
        days=ANSWER_DAYS[Urgency.SOON]
    )
    assert new.events.get().reason == "Fuori zona"
    # The sender hears the answer; the receiving PUA's case managers hear of the new signal.
    assert Notification.objects.filter(user=operator(world), kind="answer").exists()
    assert Notification.objects.filter(
        user=other_manager, kind="new_referral", referral=new
    ).exists()
    assert AuditEvent.objects.filter(action="referrals.signal_redirected").exists()


def test_triage_redirects_only_to_an_active_pua(world):
    """An organisation is no target: only an access point it leads, active, of an active
    organisation, so the signal lands in an inbox someone triages."""
    referral = signal(world)
    before = snapshot(referral)
    closed_pua = AccessPointFactory(is_active=False)
    gone = AccessPointFactory(lead_organization=OrganizationFactory(is_active=False))
    for target in (closed_pua, gone):
        with pytest.raises(ValidationError, match="no longer active"):
            services.triage_signal(
                referral,
                actor=world.users["case_manager"],
                decision="redirect",
                redirect_to=target,
                reason="r",
            )
    assert snapshot(referral) == before
    assert Referral.objects.count() == 1
    live = AccessPointFactory()
    targets = set(services.redirect_targets(referral))
    assert live in targets
    assert not {closed_pua, gone, world.own_access_point} & targets


def test_triage_decline_needs_a_reason_and_the_right_people(world):
    referral = signal(world)
    before = snapshot(referral)
    with pytest.raises(ValidationError):
        services.triage_signal(referral, actor=world.users["case_manager"], decision="decline")
    with pytest.raises(ValidationError):
        services.triage_signal(referral, actor=world.users["case_manager"], decision="maybe")
    for name in ("specialist", "outreach_worker", "coordinator@foreign"):
        with pytest.raises(PermissionDenied):
            services.triage_signal(
                referral, actor=world.users[name], decision="decline", reason="r"
            )
    with pytest.raises(PermissionDenied):  # the sender does not triage its own signal
        services.triage_signal(referral, actor=operator(world), decision="decline", reason="r")
    assert snapshot(referral) == before
    referral = services.triage_signal(
        referral, actor=world.users["case_manager"], decision="decline", reason="Non di competenza"
    )
    assert referral.status == Status.DECLINED
    with pytest.raises(ValidationError, match="already been answered"):
        services.triage_signal(
            referral, actor=world.users["case_manager"], decision="decline", reason="r"
        )


def test_triage_is_for_signals_only(world):
    with pytest.raises(ValidationError):
        services.triage_signal(
            make_sent(world), actor=world.users["case_manager"], decision="decline", reason="r"
        )


@pytest.mark.parametrize("start", [Status.SENT, Status.RECEIVED])
def test_a_signal_is_not_accepted_or_declined_without_triage(world, start):
    """A bare "accepted" would leave the signal with no case, a yes nobody follows up: the
    lifecycle refuses it (and a bare decline) with a pointer to the triage, writing nothing."""
    referral = signal(world)
    if start == Status.RECEIVED:
        referral = services.transition(referral, to=start, actor=world.users["case_manager"])
    before = snapshot(referral)
    audit_rows = AuditEvent.objects.count()
    for to in (Status.ACCEPTED, Status.DECLINED):
        with pytest.raises(ValidationError, match="through its triage"):
            services.transition(referral, to=to, actor=world.users["case_manager"], reason="r")
    with pytest.raises(PermissionDenied):  # the sender is refused before any rule
        services.transition(referral, to=Status.ACCEPTED, actor=operator(world))
    assert snapshot(referral) == before
    assert AuditEvent.objects.count() == audit_rows
    assert referral.case is None


def test_a_signal_without_a_due_date_is_due_by_its_urgency(world):
    today = timezone.localdate()
    for urgency, days in ANSWER_DAYS.items():
        assert signal(world, urgency=urgency).answer_due_on == today + datetime.timedelta(days=days)
    given = today + datetime.timedelta(days=30)
    assert signal(world, answer_due_on=given).answer_due_on == given


def test_signal_lifecycle_by_transition_uses_the_inbound_capabilities(world):
    referral = signal(world)
    # Receiver of a signal: MANAGE_CASES at the PUA. The sender's operator withdraws.
    with pytest.raises(PermissionDenied):
        services.transition(referral, to=Status.RECEIVED, actor=world.users["specialist"])
    referral = services.transition(referral, to=Status.RECEIVED, actor=world.users["coordinator"])
    referral = services.transition(referral, to=Status.WITHDRAWN, actor=operator(world), reason="r")
    assert referral.status == Status.WITHDRAWN


# ---- organisations outside Ponte -----------------------------------------------------------------


def test_external_answer_recorded_by_the_sender(world):
    referral = make_sent(world, outside_ponte=True)
    manager = world.users["case_manager"]
    with pytest.raises(PermissionDenied):
        services.record_external_answer(referral, actor=operator(world), to=Status.ACCEPTED)
    with pytest.raises(ValidationError):
        services.record_external_answer(referral, actor=manager, to=Status.WITHDRAWN, reason="r")
    with pytest.raises(ValidationError):
        services.record_external_answer(referral, actor=manager, to=Status.COMPLETED)  # no outcome
    referral = services.record_external_answer(
        referral, actor=manager, to=Status.COMPLETED, outcome="Tirocinio concluso"
    )
    assert referral.status == Status.COMPLETED and referral.outcome == "Tirocinio concluso"
    # Completion straight after sending passes through acceptance, as it happened.
    assert list(referral.events.values_list("to_status", flat=True)) == [
        Status.DRAFT,
        Status.SENT,
        Status.ACCEPTED,
        Status.COMPLETED,
    ]
    assert referral.answered_at is not None and referral.closed_at is not None
    assert AuditEvent.objects.filter(action="referrals.external_answer").count() == 2


def test_external_answer_only_for_receivers_outside_ponte(world):
    referral = make_sent(world)
    with pytest.raises(ValidationError, match="answers in Ponte"):
        services.record_external_answer(
            referral, actor=world.users["case_manager"], to=Status.DECLINED, reason="r"
        )


def test_external_decline_needs_a_reason(world):
    referral = make_sent(world, outside_ponte=True)
    before = snapshot(referral)
    with pytest.raises(ValidationError):
        services.record_external_answer(
            referral, actor=world.users["case_manager"], to=Status.DECLINED
        )
    assert snapshot(referral) == before
