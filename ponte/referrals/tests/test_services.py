"""Outbound referrals from a case: creation, sending, the transition table, notifications."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ponte.audit.models import AuditEvent
from ponte.cases.factories import CaseFactory
from ponte.cases.models import Case, Phase
from ponte.catalog.taxonomy import Area
from ponte.network.factories import MembershipFactory, OrganizationFactory, UserFactory
from ponte.network.models import OrganizationKind
from ponte.network.roles import Role
from ponte.people.factories import ConsentFactory
from ponte.people.models import Consent
from ponte.people.services import StaleEdit, withdraw_consent
from ponte.referrals import services
from ponte.referrals.models import (
    ANSWER_DAYS,
    NEEDS_REASON,
    TRANSITIONS,
    Notification,
    Referral,
    ReferralEvent,
    Status,
    Urgency,
)

pytestmark = pytest.mark.usefixtures("english")

ALIAS = "Zebediah"  # a fictitious alias that must never travel outside the login


def make_case(world: Any, *, consent: bool = True) -> Case:
    case = CaseFactory(
        access_point=world.own_access_point,
        case_manager=world.users["case_manager"],
        person__given_name=ALIAS,
    )
    if consent:
        ConsentFactory(person=case.person, purpose=Consent.Purpose.SHARING, recipient=world.partner)
    return case


def make_draft(world: Any, **kwargs: Any) -> Referral:
    case = kwargs.pop("case", None) or make_case(world)
    values: dict[str, Any] = {
        "actor": world.users["case_manager"],
        "receiver": world.partner,
        "need": Area.INTERNSHIPS,
        "sections": ["profile", "skills"],
        "message": "Messaggio fittizio",
        **kwargs,
    }
    return services.create_referral(case, **values)


def make_sent(world: Any, **kwargs: Any) -> Referral:
    return services.send(make_draft(world, **kwargs), actor=world.users["case_manager"])


def snapshot(referral: Referral) -> tuple[Any, ...]:
    r = Referral.objects.get(pk=referral.pk)
    return (
        r.status,
        r.sent_at,
        r.received_at,
        r.answered_at,
        r.closed_at,
        r.version,
        r.reason,
        r.outcome,
        r.events.count(),
    )


def operator(world: Any) -> Any:
    return world.users["partner_operator@partner"]


# ---- creating ------------------------------------------------------------------------------------


def test_create_referral_writes_draft_event_and_audit_without_personal_data(world):
    referral = make_draft(world, sections=["skills", "profile", "profile"])
    assert referral.status == Status.DRAFT
    assert referral.sender == world.own
    assert referral.section_list() == ["profile", "skills"]  # catalogue order, once each
    assert referral.created_by == world.users["case_manager"]
    event = referral.events.get()
    assert (event.from_status, event.to_status) == ("", Status.DRAFT)
    row = AuditEvent.objects.get(action="referrals.created")
    text = f"{row.data} {row.target_label} {row.organization_label}"
    assert ALIAS not in text and "Messaggio" not in text
    assert row.data["sections"] == ["profile", "skills"]


def test_create_referral_needs_the_sharing_consent_to_the_receiver(world):
    case = make_case(world, consent=False)
    with pytest.raises(ValidationError, match="No consent, no referral"):
        make_draft(world, case=case)
    # A sharing consent to someone else does not count.
    other = OrganizationFactory(data_sharing_agreement="DSA fittizio")
    ConsentFactory(person=case.person, purpose=Consent.Purpose.SHARING, recipient=other)
    with pytest.raises(ValidationError):
        make_draft(world, case=case)
    assert not Referral.objects.exists()


def test_create_referral_needs_manage_cases_at_the_cases_pua(world):
    case = make_case(world)
    for name in (
        "specialist",
        "outreach_worker",
        "partner_operator@partner",
        "coordinator@foreign",
    ):
        with pytest.raises(PermissionDenied):
            make_draft(world, case=case, actor=world.users[name])
    make_draft(world, case=case, actor=world.users["coordinator"])


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"sections": ["profile", "passwords"]}, "sections"),
        ({"need": "astrology"}, "need"),
        ({"urgency": "yesterday"}, "urgency"),
        ({"answer_due_on": datetime.date(2000, 1, 1)}, "answer_due_on"),
    ],
)
def test_create_referral_checks_its_fields(world, kwargs, field):
    with pytest.raises(ValidationError) as error:
        make_draft(world, **kwargs)
    assert field in error.value.message_dict


def test_create_referral_refuses_itself_a_closed_case_and_a_foreign_service(world):
    from ponte.catalog.factories import ServiceFactory

    with pytest.raises(ValidationError):
        make_draft(world, receiver=world.own)
    with pytest.raises(ValidationError, match="not offered"):
        make_draft(world, service=ServiceFactory(organization=world.foreign))
    case = make_case(world)
    Case.objects.filter(pk=case.pk).update(phase=Phase.CLOSED, closed_on=case.opened_on)
    with pytest.raises(ValidationError, match="closed"):
        make_draft(world, case=case)


# ---- sending -------------------------------------------------------------------------------------


def test_send_sets_sent_at_and_notifies_the_receiver_after_commit(
    world, django_capture_on_commit_callbacks, mailoutbox
):
    referral = make_draft(world)
    operator(world).preferred_language = "en"  # each user reads the mail in their language
    operator(world).save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        referral = services.send(referral, actor=world.users["case_manager"])
    assert not Notification.objects.exists()  # nothing before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert referral.status == Status.SENT and referral.sent_at is not None
    assert referral.version == 2
    note = Notification.objects.get()
    assert (note.user, note.kind, note.referral) == (
        operator(world),
        Notification.Kind.NEW_REFERRAL,
        referral,
    )
    assert [m.to for m in mailoutbox] == [[operator(world).email]]
    assert mailoutbox[0].subject == "You have a new referral in Ponte"
    assert AuditEvent.objects.filter(action="referrals.sent").count() == 1


@pytest.mark.parametrize("urgency", list(ANSWER_DAYS))
def test_send_gives_a_due_date_by_urgency_when_none_was_named(world, urgency):
    """Without a date nothing would remind or expire the referral: the clock starts when it
    is sent (a draft may wait), by its urgency."""
    draft = make_draft(world, urgency=urgency)
    assert draft.answer_due_on is None
    referral = services.send(draft, actor=world.users["case_manager"])
    expected = timezone.localdate() + datetime.timedelta(days=ANSWER_DAYS[urgency])
    assert Referral.objects.get(pk=referral.pk).answer_due_on == expected


def test_send_keeps_the_due_date_the_sender_named(world):
    named = timezone.localdate() + datetime.timedelta(days=40)
    referral = make_sent(world, urgency=Urgency.URGENT, answer_due_on=named)
    assert Referral.objects.get(pk=referral.pk).answer_due_on == named


def test_send_rechecks_the_consent(world):
    referral = make_draft(world)
    consent = Consent.objects.get(purpose=Consent.Purpose.SHARING)
    withdraw_consent(consent, actor=world.users["case_manager"])
    before = snapshot(referral)
    with pytest.raises(ValidationError, match="No consent"):
        services.send(referral, actor=world.users["case_manager"])
    assert snapshot(referral) == before


def test_send_only_a_draft_and_only_by_the_sender(world):
    referral = make_draft(world)
    with pytest.raises(PermissionDenied):
        services.send(referral, actor=operator(world))
    with pytest.raises(PermissionDenied):
        services.send(referral, actor=world.users["specialist"])
    referral = services.send(referral, actor=world.users["case_manager"])
    with pytest.raises(ValidationError, match="Only a draft"):
        services.send(referral, actor=world.users["case_manager"])


# ---- the transition table ------------------------------------------------------------------------


def _to(status: str, world: Any) -> Referral:
    """A sent referral walked to `status` along the table."""
    referral = make_sent(world)
    path = {
        Status.SENT: [],
        Status.RECEIVED: [Status.RECEIVED],
        Status.ACCEPTED: [Status.ACCEPTED],
        Status.IN_PROGRESS: [Status.ACCEPTED, Status.IN_PROGRESS],
    }[status]
    for step in path:
        referral = services.transition(referral, to=step, actor=operator(world))
    return referral


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (start, to)
        for start, moves in TRANSITIONS.items()
        for to in moves
        if start != Status.DRAFT and moves[to] != "system"
    ],
)
def test_every_allowed_move_by_its_side(world, start, to):
    referral = _to(start, world)
    side = TRANSITIONS[start][to]
    actor = world.users["case_manager"] if side == "sender" else operator(world)
    wrong = operator(world) if side == "sender" else world.users["case_manager"]
    before = snapshot(referral)
    with pytest.raises(PermissionDenied):
        services.transition(referral, to=to, actor=wrong, reason="r", outcome="o")
    assert snapshot(referral) == before
    if to in NEEDS_REASON or to == Status.COMPLETED:
        with pytest.raises(ValidationError):
            services.transition(referral, to=to, actor=actor, reason=" ", outcome="")
        assert snapshot(referral) == before
    moved = services.transition(referral, to=to, actor=actor, reason="r", outcome="o")
    assert moved.status == to
    assert moved.version == referral.version + 1
    event = moved.events.last()
    assert event is not None
    assert (event.from_status, event.to_status, event.actor) == (start, to, actor)
    assert AuditEvent.objects.filter(
        action="referrals.transition", data__to=to, data__referral=str(moved.public_id)
    ).exists()


@pytest.mark.parametrize("start", [Status.DRAFT, Status.SENT, Status.RECEIVED, Status.ACCEPTED])
def test_every_move_outside_the_table_is_refused_with_a_clear_message(world, start):
    referral = make_draft(world) if start == Status.DRAFT else _to(start, world)
    allowed = set(TRANSITIONS[start])
    for to in set(Status.values) - allowed - {Status.SENT, start}:
        before = snapshot(referral)
        with pytest.raises(ValidationError, match="cannot go from"):
            services.transition(referral, to=to, actor=operator(world), reason="r", outcome="o")
        assert snapshot(referral) == before


def test_expired_is_only_the_systems(world):
    referral = make_sent(world)
    with pytest.raises(ValidationError, match="expires on its own"):
        services.transition(referral, to=Status.EXPIRED, actor=operator(world))


def test_outsiders_and_wrong_roles_are_refused(world):
    referral = make_sent(world)
    before = snapshot(referral)
    for name in ("coordinator@foreign", "no_membership", "analyst", "specialist"):
        with pytest.raises(PermissionDenied):
            services.transition(referral, to=Status.WITHDRAWN, actor=world.users[name], reason="r")
        with pytest.raises(PermissionDenied):
            services.transition(referral, to=Status.ACCEPTED, actor=world.users[name])
    assert snapshot(referral) == before


def test_timestamps_follow_the_loop(world):
    referral = make_sent(world)
    op = operator(world)
    referral = services.transition(referral, to=Status.RECEIVED, actor=op)
    assert referral.received_at is not None and referral.answered_at is None
    referral = services.transition(referral, to=Status.ACCEPTED, actor=op)
    assert referral.answered_at is not None and referral.closed_at is None
    referral = services.transition(referral, to=Status.IN_PROGRESS, actor=op)
    referral = services.transition(referral, to=Status.COMPLETED, actor=op, outcome="Assunto")
    assert referral.closed_at is not None
    assert referral.outcome == "Assunto"
    assert referral.sent_at <= referral.received_at <= referral.answered_at <= referral.closed_at
    assert list(referral.events.values_list("to_status", flat=True)) == [
        Status.DRAFT,
        Status.SENT,
        Status.RECEIVED,
        Status.ACCEPTED,
        Status.IN_PROGRESS,
        Status.COMPLETED,
    ]


def test_the_receiver_cannot_act_once_the_consent_is_withdrawn(world):
    """The withdrawal closes the referral (test_services_consent); the receiver, who no longer
    sees it, can do nothing with it, and nothing more is written."""
    referral = make_sent(world)
    withdraw_consent(
        Consent.objects.get(purpose=Consent.Purpose.SHARING), actor=world.users["case_manager"]
    )
    before = snapshot(referral)
    assert before[0] == Status.WITHDRAWN
    for to in (Status.ACCEPTED, Status.DECLINED, Status.RECEIVED):
        with pytest.raises(PermissionDenied):
            services.transition(referral, to=to, actor=operator(world), reason="r")
    assert snapshot(referral) == before


def test_a_stale_form_is_refused(world):
    referral = make_sent(world)
    with pytest.raises(StaleEdit):
        services.transition(referral, to=Status.ACCEPTED, actor=operator(world), expected_version=1)
    services.transition(
        referral, to=Status.ACCEPTED, actor=operator(world), expected_version=referral.version
    )


# ---- notifications -------------------------------------------------------------------------------


def test_answers_notify_the_sender_with_neutral_mail(
    world, django_capture_on_commit_callbacks, mailoutbox
):
    world.partner.kind = OrganizationKind.CPI
    world.partner.save()
    with django_capture_on_commit_callbacks(execute=True):
        referral = make_sent(world)
    mailoutbox.clear()
    op = operator(world)
    with django_capture_on_commit_callbacks(execute=True):
        referral = services.transition(referral, to=Status.RECEIVED, actor=op)
    assert not mailoutbox  # an acknowledgement is not an answer
    with django_capture_on_commit_callbacks(execute=True):
        referral = services.transition(referral, to=Status.ACCEPTED, actor=op)
        referral = services.transition(referral, to=Status.COMPLETED, actor=op, outcome="Assunto")
    assert [m.to for m in mailoutbox] == [[world.users["case_manager"].email]] * 2
    assert (
        Notification.objects.filter(
            user=world.users["case_manager"], kind=Notification.Kind.ANSWER
        ).count()
        == 2
    )
    forbidden = [
        ALIAS,
        world.partner.name,
        world.own.name,
        str(world.partner.get_kind_display()),
        str(world.own.get_kind_display()),
        "Internships",
        "Assunto",
        "Messaggio",
    ]
    for mail in mailoutbox:
        for word in forbidden:
            assert word not in mail.subject and word not in mail.body, word


def test_a_refused_change_notifies_nobody(world, django_capture_on_commit_callbacks, mailoutbox):
    referral = make_sent(world)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.transition(referral, to=Status.DECLINED, actor=operator(world), reason="")
    assert not mailoutbox and not Notification.objects.exists()


def test_the_answer_goes_to_the_author_and_case_manager_while_they_work_there(
    world, django_capture_on_commit_callbacks
):
    author = MembershipFactory(
        organization=world.own, role=Role.CASE_MANAGER, user=UserFactory()
    ).user
    referral = make_sent(world, actor=author)
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(referral, to=Status.ACCEPTED, actor=operator(world))
    told = set(Notification.objects.values_list("user_id", flat=True))
    assert told == {author.pk, world.users["case_manager"].pk}


def test_a_withdrawal_tells_the_receiver(world, django_capture_on_commit_callbacks, mailoutbox):
    referral = services.transition(make_sent(world), to=Status.ACCEPTED, actor=operator(world))
    Notification.objects.all().delete()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(
            referral, to=Status.WITHDRAWN, actor=world.users["case_manager"], reason="Trasferito"
        )
    note = Notification.objects.get()
    assert (note.user, note.kind) == (operator(world), Notification.Kind.WITHDRAWN)
    assert [m.to for m in mailoutbox] == [[operator(world).email]]
    assert "Trasferito" not in mailoutbox[0].body and ALIAS not in mailoutbox[0].body


# ---- received, when the receiver opens it --------------------------------------------------------


def test_the_receivers_first_look_records_received_once(world):
    referral = make_sent(world)
    assert services.record_opened(referral, actor=world.users["case_manager"]) is None  # sender
    assert services.record_opened(referral, actor=world.users["platform_admin"]) is None
    assert snapshot(referral)[0] == Status.SENT
    opened = services.record_opened(referral, actor=operator(world))
    assert opened is not None and opened.status == Status.RECEIVED
    assert opened.received_at is not None and opened.version == referral.version + 1
    event = opened.events.last()
    assert event is not None
    assert (event.from_status, event.to_status, event.actor) == (
        Status.SENT,
        Status.RECEIVED,
        operator(world),
    )
    assert AuditEvent.objects.filter(action="referrals.received_on_opening").count() == 1
    before = snapshot(opened)
    assert services.record_opened(referral, actor=operator(world)) is None  # stale copy: no-op
    assert snapshot(opened) == before


def test_opening_records_nothing_without_consent_or_for_outside_ponte(world):
    outside = make_sent(world, outside_ponte=True)
    assert services.record_opened(outside, actor=operator(world)) is None
    referral = make_sent(world)
    Consent.objects.filter(purpose=Consent.Purpose.SHARING).update(withdrawn_at=timezone.now())
    assert services.record_opened(referral, actor=operator(world)) is None
    assert snapshot(referral)[0] == Status.SENT


def test_events_and_notifications_carry_no_personal_data_in_audit(world):
    referral = make_sent(world)
    services.transition(
        referral, to=Status.DECLINED, actor=operator(world), reason="Posti esauriti"
    )
    for row in AuditEvent.objects.filter(action__startswith="referrals."):
        blob = f"{row.data} {row.target_label}"
        assert "Posti" not in blob and ALIAS not in blob
    # The why is on the (encrypted) timeline instead.
    assert [e.reason for e in ReferralEvent.objects.filter(to_status=Status.DECLINED)] == [
        "Posti esauriti"
    ]


def test_outside_ponte_receivers_get_no_mail(world, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        make_sent(world, outside_ponte=True)
    assert not mailoutbox
