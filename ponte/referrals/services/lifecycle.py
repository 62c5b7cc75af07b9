"""The one lifecycle: create from a case, send, move along `TRANSITIONS`, the receipt recorded
when the receiver opens it, answers recorded for organisations outside Ponte (the daily reminder
and expiry job is in `reminders`).

Every function: capability check → rule check → one transaction with the change, the timeline
event (`ReferralEvent`) and the audit record (ids and codes) → notifications after commit. A
refused action raises before anything is written.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ponte.cases.models import Case, Phase
from ponte.cases.services.core import locked_case, require_case
from ponte.catalog.models import Service
from ponte.catalog.taxonomy import Area
from ponte.network.models import Organization
from ponte.network.roles import Cap, organizations_with_cap
from ponte.people.models import Consent
from ponte.referrals.models import (
    NEEDS_REASON,
    TRANSITIONS,
    Direction,
    Notification,
    Referral,
    Section,
    Status,
    Urgency,
)
from ponte.referrals.notifications import notify
from ponte.referrals.services._common import (
    RECEIVER,
    SENDER,
    SIDE_CAP,
    add_event,
    as_user,
    audit,
    check_choice,
    check_due_date,
    due_on,
    locked,
    on_side,
    receiver_people,
    require_either_side,
    require_side,
    sender_people,
    side_org_id,
    stamp,
)

# The receiver's moves that the sender hears about: an answer, or how it ended.
ANSWERS = {Status.ACCEPTED, Status.DECLINED, Status.COMPLETED, Status.NOT_COMPLETED}
# What the sender may record for a receiver that does not use Ponte.
EXTERNAL_ANSWERS = {Status.ACCEPTED, Status.DECLINED, Status.COMPLETED, Status.NOT_COMPLETED}
# A signal is answered only by its triage (`signals.triage_signal`): accepting it links it to a
# case, so a bare "accepted" would be a yes that nobody follows up.
TRIAGE_ONLY = {Status.ACCEPTED, Status.DECLINED}


def _require_sharing_consent(case: Case, receiver: Organization) -> None:
    if (
        not Consent.objects.active()
        .filter(person_id=case.person_id, purpose=Consent.Purpose.SHARING, recipient=receiver)
        .exists()
    ):
        raise ValidationError(
            _(
                "The person has not agreed to share their data with this organisation: record "
                "their sharing consent first. No consent, no referral."
            )
        )


def _check_receiver(receiver: Organization, sender_id: int) -> None:
    if receiver.pk == sender_id:
        raise ValidationError({"receiver": _("A referral goes to another organisation.")})
    if not receiver.is_active:
        raise ValidationError({"receiver": _("This organisation is no longer active.")})


def create_referral(
    case: Case,
    *,
    actor: Any,
    receiver: Organization,
    need: str,
    sections: list[str],
    service: Service | None = None,
    urgency: str = Urgency.ROUTINE,
    message: str = "",
    answer_due_on: datetime.date | None = None,
    outside_ponte: bool = False,
) -> Referral:
    """A draft referral from a case. The referral itself tells the receiver the person exists,
    so it needs the person's sharing consent to the receiver, whatever sections it carries."""
    require_case(actor, case, Cap.MANAGE_CASES)
    sender_id = case.access_point.lead_organization_id
    _check_receiver(receiver, sender_id)
    check_choice(need, Area, "need")
    check_choice(urgency, Urgency, "urgency")
    unknown = set(sections) - set(Section.values)
    if unknown:
        raise ValidationError({"sections": _("Choose the sections among those offered.")})
    if service is not None and service.organization_id != receiver.pk:
        raise ValidationError({"service": _("The service is not offered by this organisation.")})
    check_due_date(answer_due_on)
    with transaction.atomic():
        current_case = locked_case(case)
        if current_case.phase == Phase.CLOSED:
            raise ValidationError(_("The case is closed."))
        _require_sharing_consent(current_case, receiver)
        referral = Referral.objects.create(
            direction=Direction.OUTBOUND,
            status=Status.DRAFT,
            sender_id=sender_id,
            receiver=receiver,
            access_point=current_case.access_point,
            service=service,
            case=current_case,
            need=need,
            urgency=urgency,
            # Kept in the catalogue's order, whatever order the form sent.
            shared_sections=",".join(s for s in Section.values if s in set(sections)),
            message=message,
            language=current_case.person.preferred_language,
            answer_due_on=answer_due_on,
            receiver_outside_ponte=outside_ponte,
            created_by=as_user(actor),
        )
        add_event(
            referral,
            actor=actor,
            organization_id=sender_id,
            from_status="",
            to_status=Status.DRAFT,
        )
        audit(
            "created",
            referral,
            actor=actor,
            organization=referral.sender,
            data={
                "case": str(current_case.public_id),
                "need": need,
                "sections": referral.section_list(),
                "outside_ponte": outside_ponte,
            },
        )
    return referral


def send(referral: Referral, *, actor: Any) -> Referral:
    """Draft → sent, checking again that the consent is in force and the receiver active."""
    require_side(actor, referral, SENDER)
    with transaction.atomic():
        current = locked(referral)
        if current.status != Status.DRAFT:
            raise ValidationError(_("Only a draft can be sent."))
        if current.direction == Direction.OUTBOUND and current.case is not None:
            _require_sharing_consent(current.case, current.receiver)
        _check_receiver(current.receiver, current.sender_id)
        check_due_date(current.answer_due_on)
        # Set on sending, not on the draft: a draft may wait, its clock starts now.
        current.answer_due_on = due_on(current.urgency, current.answer_due_on)
        now = timezone.now()
        stamp(current, Status.SENT, now)
        current.status = Status.SENT
        current.version += 1
        current.save()
        add_event(
            current,
            actor=actor,
            organization_id=current.sender_id,
            from_status=Status.DRAFT,
            to_status=Status.SENT,
            at=now,
        )
        audit("sent", current, actor=actor, organization=current.sender)
        notify(receiver_people(current), Notification.Kind.NEW_REFERRAL, current)
    return current


def _illegal(current: Referral, to: str) -> ValidationError:
    return ValidationError(
        _("A referral cannot go from “%(from)s” to “%(to)s”.")
        % {"from": current.get_status_display(), "to": Status(to).label}
    )


def _check_reason_and_outcome(to: str, reason: str, outcome: str) -> None:
    if to in NEEDS_REASON and not reason.strip():
        raise ValidationError({"reason": _("Say why: the other side will read it.")})
    if to == Status.COMPLETED and not outcome.strip():
        raise ValidationError({"outcome": _("Say what came of it: the outcome is required.")})


def _move(
    current: Referral,
    *,
    to: str,
    actor: Any,
    side: str,
    reason: str = "",
    outcome: str = "",
    verb: str = "transition",
) -> None:
    """Write one move (inside the caller's transaction, on a locked row)."""
    before = current.status
    now = timezone.now()
    stamp(current, to, now)
    current.status = to
    if reason.strip():
        current.reason = reason.strip()
    if to == Status.COMPLETED and outcome.strip():
        current.outcome = outcome.strip()
    current.version += 1
    current.save()
    org_id = side_org_id(current, side)
    add_event(
        current,
        actor=actor,
        organization_id=org_id,
        from_status=before,
        to_status=to,
        # The timeline line carries the outcome of a completion, the reason of any other move.
        reason=outcome.strip() if to == Status.COMPLETED else reason.strip(),
        at=now,
    )
    audit(
        verb,
        current,
        actor=actor,
        organization=current.sender if side == SENDER else current.receiver,
        data={"from": before, "to": to},
    )


def transition(
    referral: Referral,
    *,
    to: str,
    actor: Any,
    reason: str = "",
    outcome: str = "",
    expected_version: int | None = None,
) -> Referral:
    """The one way a status changes (besides `send` and the expiry job): the move must be in
    `TRANSITIONS`, made by the side named there, with a reason or an outcome where required."""
    if to not in Status.values:
        raise ValidationError(_("Unknown status."))
    if to == Status.SENT:
        return send(referral, actor=actor)
    require_either_side(actor, referral)
    with transaction.atomic():
        current = locked(referral, expected_version)
        side = TRANSITIONS.get(current.status, {}).get(to)
        if side is None:
            raise _illegal(current, to)
        if side == "system":
            raise ValidationError(
                _("A referral expires on its own when nobody answers by the due date.")
            )
        require_side(actor, current, side)
        if current.direction == Direction.INBOUND and to in TRIAGE_ONLY:
            raise ValidationError(
                _(
                    "A signal is accepted or declined through its triage: take the person into "
                    "a new or existing case, redirect the signal to another PUA, or decline it "
                    "with a reason."
                )
            )
        _check_reason_and_outcome(to, reason, outcome)
        _move(current, to=to, actor=actor, side=side, reason=reason, outcome=outcome)
        if side == RECEIVER and to in ANSWERS:
            notify(sender_people(current), Notification.Kind.ANSWER, current)
        if side == SENDER and to == Status.WITHDRAWN:
            # The receiver may be working on it: they learn it is over (and lose the file).
            notify(receiver_people(current), Notification.Kind.WITHDRAWN, current)
    return current


def record_opened(referral: Referral, *, actor: Any) -> Referral | None:
    """An operator of the receiving organisation opened a sent referral: it has arrived, and
    the sender sees when (the loop's "time to acknowledge"). Only a member of the receiver
    counts, not a platform administrator looking on. Returns the updated referral, or None
    when there was nothing to record (already received, or not the receiver)."""
    if referral.status != Status.SENT or referral.receiver_outside_ponte:
        return None
    cap = SIDE_CAP[(referral.direction, RECEIVER)]
    if referral.receiver_id not in organizations_with_cap(actor, cap):
        return None
    if not on_side(actor, referral, RECEIVER):  # the consent for an outbound referral
        return None
    with transaction.atomic():
        current = locked(referral)
        if current.status != Status.SENT:  # a colleague opened it a moment before
            return None
        _move(current, to=Status.RECEIVED, actor=actor, side=RECEIVER, verb="received_on_opening")
    return current


def record_external_answer(
    referral: Referral, *, actor: Any, to: str, reason: str = "", outcome: str = ""
) -> Referral:
    """For a receiver that does not use Ponte, the sender writes down the answer they got.
    Completion recorded straight after sending passes through acceptance, as it happened."""
    require_side(actor, referral, SENDER)
    if to not in EXTERNAL_ANSWERS:
        raise ValidationError(_("Record whether it was accepted, declined, completed or not."))
    with transaction.atomic():
        current = locked(referral)
        if not current.receiver_outside_ponte:
            raise ValidationError(_("This organisation answers in Ponte itself."))
        steps = [to]
        if (
            to in (Status.COMPLETED, Status.NOT_COMPLETED)
            and to not in TRANSITIONS.get(current.status, {})
            and Status.ACCEPTED in TRANSITIONS.get(current.status, {})
        ):
            steps = [Status.ACCEPTED, to]
        status = current.status
        for step in steps:
            if TRANSITIONS.get(status, {}).get(step) != RECEIVER:
                raise _illegal(current, to)
            status = step
        _check_reason_and_outcome(to, reason, outcome)
        for step in steps:
            final = step == to
            _move(
                current,
                to=step,
                actor=actor,
                side=SENDER,
                reason=reason if final else "",
                outcome=outcome if final else "",
                verb="external_answer",
            )
    return current
