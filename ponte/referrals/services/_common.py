"""What every referral service shares: the two sides, the lock, the timeline line, the audit row,
and who is told."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from ponte.audit.services import record
from ponte.cases.models import EventKind
from ponte.cases.services.core import add_event as case_timeline_event
from ponte.network.models import Membership, Organization
from ponte.network.roles import Cap, Role, capabilities_of, has_cap
from ponte.people.models import Consent
from ponte.people.services import StaleEdit
from ponte.referrals.models import (
    ANSWER_DAYS,
    CLOSED_STATUSES,
    NEEDS_REASON,
    Direction,
    Referral,
    ReferralEvent,
    Status,
    Urgency,
)

SENDER = "sender"
RECEIVER = "receiver"

# The capability each side needs, by direction: an outbound referral leaves a case (the PUA's
# case managers) and is answered by any referring operator of the receiver; an inbound signal is
# sent by any referring operator and triaged by the PUA's case managers.
SIDE_CAP: dict[tuple[str, str], Cap] = {
    (Direction.OUTBOUND, SENDER): Cap.MANAGE_CASES,
    (Direction.OUTBOUND, RECEIVER): Cap.REFER,
    (Direction.INBOUND, SENDER): Cap.REFER,
    (Direction.INBOUND, RECEIVER): Cap.MANAGE_CASES,
}


def side_org_id(referral: Referral, side: str) -> int:
    return referral.sender_id if side == SENDER else referral.receiver_id


def on_side(actor: Any, referral: Referral, side: str) -> bool:
    """The actor holds the side's capability at the side's organisation; for the receiver of an
    outbound referral, only while the person's sharing consent to it is in force (their access
    ends with it, and so does what they may do)."""
    if not has_cap(actor, side_org_id(referral, side), SIDE_CAP[(referral.direction, side)]):
        return False
    if side == RECEIVER and referral.direction == Direction.OUTBOUND:
        return sharing_consent_in_force(referral)
    return True


def sharing_consent_in_force(referral: Referral) -> bool:
    if referral.case is None:
        return False
    return (
        Consent.objects.active()
        .filter(
            person_id=referral.case.person_id,
            purpose=Consent.Purpose.SHARING,
            recipient_id=referral.receiver_id,
        )
        .exists()
    )


def require_side(actor: Any, referral: Referral, side: str) -> None:
    if not on_side(actor, referral, side):
        if side == SENDER:
            raise PermissionDenied(_("Only the organisation that sent the referral can do this."))
        raise PermissionDenied(_("Only the organisation the referral is addressed to can do this."))


def require_either_side(actor: Any, referral: Referral) -> str:
    """The side the actor acts for; an outsider is refused before any rule is read."""
    for side in (SENDER, RECEIVER):
        if on_side(actor, referral, side):
            return side
    raise PermissionDenied(_("You do not have permission for this action."))


def locked(referral: Referral, expected_version: int | None = None) -> Referral:
    current = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("case", "sender", "receiver")
        .get(pk=referral.pk)
    )
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit()
    return current


def check_due_date(answer_due_on: datetime.date | None) -> None:
    if answer_due_on is not None and answer_due_on < timezone.localdate():
        raise ValidationError({"answer_due_on": _("The due date cannot be in the past.")})


def due_on(urgency: str, answer_due_on: datetime.date | None) -> datetime.date:
    """The date the answer is due: the sender's, or `ANSWER_DAYS` from today by urgency."""
    if answer_due_on is not None:
        return answer_due_on
    days = ANSWER_DAYS.get(urgency, ANSWER_DAYS[Urgency.ROUTINE])
    return timezone.localdate() + datetime.timedelta(days=days)


def check_choice(value: str, choices: Any, field: str) -> None:
    if value not in choices.values:
        raise ValidationError({field: _("Choose one of the options offered.")})


def stamp(referral: Referral, to: str, now: datetime.datetime) -> None:
    """The loop's timestamps: sent, received (acknowledged), answered (accepted or declined),
    closed (any end). Each is set once, at the first move that earns it."""
    if to == Status.SENT and referral.sent_at is None:
        referral.sent_at = now
    if to == Status.RECEIVED and referral.received_at is None:
        referral.received_at = now
    if to in (Status.ACCEPTED, Status.DECLINED) and referral.answered_at is None:
        referral.answered_at = now
    if to in CLOSED_STATUSES:
        referral.closed_at = now


def add_event(
    referral: Referral,
    *,
    actor: Any,
    organization_id: int | None,
    from_status: str,
    to_status: str,
    reason: str = "",
    at: datetime.datetime | None = None,
) -> ReferralEvent:
    user = as_user(actor)
    if referral.case is not None and referral.direction == Direction.OUTBOUND:
        # The case's own timeline tells the referral's story too (the sender's team reads it
        # there); the status code is shown as its label in the reader's language.
        case_timeline_event(
            referral.case,
            kind=EventKind.REFERRAL,
            actor=actor,
            summary=f"{to_status}:{referral.receiver.name}"[:200],
            # The why of an end, and what came of a completion: "Completed" alone tells the
            # team nothing they can act on.
            reason=reason if to_status in NEEDS_REASON | {Status.COMPLETED} else "",
        )
    return ReferralEvent.objects.create(
        referral=referral,
        at=at or timezone.now(),
        actor=user,
        actor_label=actor_label(actor),
        organization_id=organization_id,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
    )


def audit(
    verb: str,
    referral: Referral,
    *,
    actor: Any,
    organization: Organization | None,
    data: dict[str, Any] | None = None,
) -> None:
    """Identifiers and codes only: never the alias, the message, the reason or the outcome."""
    record(
        f"referrals.{verb}",
        actor=actor,
        target=referral,
        organization=organization,
        data={
            "referral": str(referral.public_id),
            "direction": referral.direction,
            "sender": str(referral.sender.public_id),
            "receiver": str(referral.receiver.public_id),
            **(data or {}),
        },
    )


def members_with(org_id: int, cap: Cap) -> list[Any]:
    roles = [role.value for role in Role if cap in capabilities_of(role)]
    ids = (
        Membership.objects.active()
        .filter(organization_id=org_id, role__in=roles)
        .values_list("user_id", flat=True)
    )
    return list(get_user_model().objects.filter(pk__in=ids))


def receiver_people(referral: Referral) -> list[Any]:
    """Everyone who answers for the receiving organisation (nobody for one outside Ponte)."""
    if referral.receiver_outside_ponte:
        return []
    return members_with(referral.receiver_id, SIDE_CAP[(referral.direction, RECEIVER)])


def sender_people(referral: Referral) -> list[Any]:
    """Whoever wrote it and the case manager, while they still work there; otherwise the
    sender's whole side, so an answer never lands in an empty mailbox."""
    cap = SIDE_CAP[(referral.direction, SENDER)]
    named = [referral.created_by]
    if referral.case is not None:
        named.append(referral.case.case_manager)
    people = [u for u in named if u is not None and has_cap(u, referral.sender_id, cap)]
    return people or members_with(referral.sender_id, cap)


def as_user(actor: Any) -> Any:
    """The account behind an actor, for the foreign keys: None for the expiry job and for a
    partner system writing with its API token (which is no account)."""
    return actor if isinstance(actor, get_user_model()) else None


def actor_label(actor: Any) -> str:
    """Who acted, as the timeline shows it: the operator, the API token, or the system."""
    if actor is None:
        return "system"
    return str(getattr(actor, "full_name", "") or getattr(actor, "email", "") or "system")[:200]
