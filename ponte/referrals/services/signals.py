"""Inbound signals: someone who met a person tells a PUA, and the PUA triages the signal."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ponte.cases.models import Case
from ponte.cases.services.core import Intake, locked_case, take_in_charge
from ponte.catalog.taxonomy import Area
from ponte.network.models import AccessPoint, Organization
from ponte.network.roles import Cap, require
from ponte.referrals.models import Direction, Notification, Referral, SenderKind, Status, Urgency
from ponte.referrals.notifications import notify
from ponte.referrals.services._common import (
    RECEIVER,
    add_event,
    as_user,
    audit,
    check_choice,
    check_due_date,
    due_on,
    locked,
    receiver_people,
    require_side,
    sender_people,
    stamp,
)
from ponte.referrals.services.lifecycle import _move

TRIAGE_DECISIONS = ("new_case", "existing_case", "redirect", "decline")
_CONTENT_FIELDS = (
    "sender_kind",
    "need",
    "urgency",
    "message",
    "person_alias",
    "person_contact",
    "first_evaluation",
    "language",
    "answer_due_on",
)


def _create_signal(
    *,
    actor: Any,
    sender: Organization,
    access_point: AccessPoint | None,
    receiver: Organization,
    content: dict[str, Any],
    verb: str,
    data: dict[str, Any] | None = None,
    note: str = "",
) -> Referral:
    """Write a sent signal (inside the caller's transaction), due by the sender's date or by
    its urgency, and tell the PUA's case managers. `note` goes on its first timeline line."""
    now = timezone.now()
    content = {**content, "answer_due_on": due_on(content["urgency"], content["answer_due_on"])}
    signal = Referral(
        direction=Direction.INBOUND,
        status=Status.SENT,
        sender=sender,
        receiver=receiver,
        access_point=access_point,
        created_by=as_user(actor),
        **content,
    )
    stamp(signal, Status.SENT, now)
    signal.save()
    add_event(
        signal,
        actor=actor,
        organization_id=sender.pk,
        from_status="",
        to_status=Status.SENT,
        reason=note,
        at=now,
    )
    audit(
        verb,
        signal,
        actor=actor,
        organization=sender,
        data={"sender_kind": signal.sender_kind, "need": signal.need, **(data or {})},
    )
    notify(receiver_people(signal), Notification.Kind.NEW_REFERRAL, signal)
    return signal


def send_signal(
    *,
    actor: Any,
    sender: Organization,
    access_point: AccessPoint,
    sender_kind: str,
    need: str,
    urgency: str = Urgency.ROUTINE,
    person_alias: str = "",
    person_contact: str = "",
    first_evaluation: str = "",
    language: str = "",
    message: str = "",
    answer_due_on: datetime.date | None = None,
) -> Referral:
    """A signal to a PUA, sent at once: what the sender knows about a person they met."""
    require(actor, sender, Cap.REFER)
    receiver = access_point.lead_organization
    if not access_point.is_active or not receiver.is_active:
        raise ValidationError({"access_point": _("This PUA is no longer active.")})
    if receiver.pk == sender.pk:
        raise ValidationError({"access_point": _("A signal goes to another organisation.")})
    check_choice(sender_kind, SenderKind, "sender_kind")
    check_choice(need, Area, "need")
    check_choice(urgency, Urgency, "urgency")
    check_due_date(answer_due_on)
    content = {
        "sender_kind": sender_kind,
        "need": need,
        "urgency": urgency,
        "person_alias": person_alias.strip(),
        "person_contact": person_contact.strip(),
        "first_evaluation": first_evaluation.strip(),
        "language": language,
        "message": message.strip(),
        "answer_due_on": answer_due_on,
    }
    with transaction.atomic():
        return _create_signal(
            actor=actor,
            sender=sender,
            access_point=access_point,
            receiver=receiver,
            content=content,
            verb="signal_sent",
        )


def triage_signal(
    referral: Referral,
    *,
    actor: Any,
    decision: str,
    case: Case | None = None,
    intake: Intake | None = None,
    redirect_to: AccessPoint | None = None,
    reason: str = "",
    expected_version: int | None = None,
) -> Referral:
    """The PUA's answer to a signal: a new case, an existing case, another PUA, or no (with a
    reason). Whatever the decision, the sender sees the answer."""
    if referral.direction != Direction.INBOUND:
        raise ValidationError(_("Only an inbound signal is triaged."))
    require_side(actor, referral, RECEIVER)
    if decision not in TRIAGE_DECISIONS:
        raise ValidationError({"decision": _("Choose one of the options offered.")})
    with transaction.atomic():
        current = locked(referral, expected_version)
        if current.status not in (Status.SENT, Status.RECEIVED):
            raise ValidationError(_("This signal has already been answered."))
        if decision in ("new_case", "existing_case"):
            linked = _case_for(current, actor=actor, decision=decision, case=case, intake=intake)
            current.case = linked
            _move(current, to=Status.ACCEPTED, actor=actor, side=RECEIVER, verb="triaged")
        elif decision == "redirect":
            _redirect(current, actor=actor, redirect_to=redirect_to, reason=reason)
        else:
            if not reason.strip():
                raise ValidationError({"reason": _("Say why: the sender will read it.")})
            _move(
                current,
                to=Status.DECLINED,
                actor=actor,
                side=RECEIVER,
                reason=reason,
                verb="triaged",
            )
        notify(sender_people(current), Notification.Kind.ANSWER, current)
    return current


def _case_for(
    current: Referral, *, actor: Any, decision: str, case: Case | None, intake: Intake | None
) -> Case:
    if decision == "new_case":
        if intake is None:
            raise ValidationError(_("Fill in the person and their consent to open a case."))
        if intake.access_point.lead_organization_id != current.receiver_id:
            raise ValidationError({"access_point": _("Open the case at your own PUA.")})
        return take_in_charge(intake, actor=actor)
    if case is None:
        raise ValidationError({"case": _("Choose the case.")})
    visible = Case.objects.visible_to(actor).filter(
        pk=case.pk, access_point__lead_organization_id=current.receiver_id
    )
    if not visible.exists():
        raise ValidationError({"case": _("Choose a case of your PUA.")})
    # Linking the signal writes to the case file: the same gate as every other write (erasure,
    # restriction of processing, the taking-in-charge consent), and only on an open case.
    linked = locked_case(case)
    if linked.is_closed:
        raise ValidationError(
            {"case": _("This case is closed: reopen it first, or open a new one.")}
        )
    return linked


def _redirect(
    current: Referral, *, actor: Any, redirect_to: AccessPoint | None, reason: str
) -> None:
    """Decline here and send the same content on to another PUA: only an active access point
    whose lead organisation is active, so the signal lands in an inbox someone triages, due
    afresh by its urgency, the reason on both timelines (the new PUA reads why it came)."""
    if redirect_to is None:
        raise ValidationError({"redirect_to": _("Choose the PUA to redirect to.")})
    receiver = redirect_to.lead_organization
    if not redirect_to.is_active or not receiver.is_active:
        raise ValidationError({"redirect_to": _("This PUA is no longer active.")})
    if receiver.pk in (current.receiver_id, current.sender_id):
        raise ValidationError({"redirect_to": _("Choose a PUA of another organisation.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why: the sender will read it.")})
    _move(current, to=Status.DECLINED, actor=actor, side=RECEIVER, reason=reason, verb="triaged")
    content = {name: getattr(current, name) for name in _CONTENT_FIELDS}
    content["answer_due_on"] = None  # the new PUA gets its own time to answer
    _create_signal(
        actor=actor,
        sender=current.sender,
        access_point=redirect_to,
        receiver=receiver,
        content=content,
        verb="signal_redirected",
        data={"redirected_from": str(current.public_id)},
        note=reason.strip(),
    )


def redirect_targets(referral: Referral) -> QuerySet[AccessPoint]:
    """The PUAs a signal may be redirected to: active, led by an active organisation other than
    the two sides."""
    return (
        AccessPoint.objects.filter(is_active=True, lead_organization__is_active=True)
        .exclude(lead_organization_id__in=[referral.receiver_id, referral.sender_id])
        .select_related("lead_organization")
        .order_by("lead_organization__name", "name")
    )
