"""What the referral pages share: gate 1, the user's side of a referral, the actions offered."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from ponte.accounts.http import AuthedRequest
from ponte.network.roles import Cap, organizations_with_cap
from ponte.referrals.models import (
    NEEDS_REASON,
    TRANSITIONS,
    Direction,
    Referral,
    Status,
)
from ponte.referrals.services._common import RECEIVER, SENDER, SIDE_CAP


def visible_referrals(user: Any) -> QuerySet[Referral]:
    return Referral.objects.visible_to(user).select_related(
        "sender", "receiver", "service", "access_point", "case", "case__person", "created_by"
    )


def visible_referral(request: AuthedRequest, public_id: Any) -> Referral:
    """Gate 1: outsiders, and partners once the referral closed or consent ended, get 404."""
    return get_object_or_404(visible_referrals(request.user), public_id=public_id)


def side_caps(referral: Referral) -> tuple[Cap, Cap]:
    """(sender's capability, receiver's capability), from the services' one table, so the
    buttons offered and the checks made cannot drift apart."""
    return (
        SIDE_CAP[(referral.direction, SENDER)],
        SIDE_CAP[(referral.direction, RECEIVER)],
    )


def sides_of(user: Any, referral: Referral) -> set[str]:
    """The sides the user acts on, from their memberships. A platform admin is on no side:
    the pages offer them no answer on an organisation's behalf."""
    sender_cap, receiver_cap = side_caps(referral)
    sides = set()
    if referral.sender_id in organizations_with_cap(user, sender_cap):
        sides.add("sender")
    if not referral.receiver_outside_ponte and referral.receiver_id in organizations_with_cap(
        user, receiver_cap
    ):
        sides.add("receiver")
    return sides


def reads_as(user: Any, referral: Referral) -> str:
    """Which page the user reads: the sender's (with the case) or the receiver's (only what
    was shared). Decided by visibility memberships, not by the capability to act."""
    if getattr(user, "is_platform_admin", False):
        return "sender"
    sender_orgs = organizations_with_cap(
        user, Cap.VIEW_CASES if referral.direction == Direction.OUTBOUND else Cap.VIEW_PERSONAL_DATA
    )
    return "sender" if referral.sender_id in sender_orgs else "receiver"


ACTION_LABELS: dict[str, Any] = {
    Status.RECEIVED: _("Mark as received"),
    Status.ACCEPTED: _("Accept"),
    Status.DECLINED: _("Decline"),
    Status.IN_PROGRESS: _("Mark in progress"),
    Status.COMPLETED: _("Completed"),
    Status.NOT_COMPLETED: _("Not completed"),
    Status.WITHDRAWN: _("Withdraw"),
}


@dataclass
class Action:
    to: str
    label: Any
    needs_reason: bool
    needs_outcome: bool

    @property
    def danger(self) -> bool:
        return self.to in NEEDS_REASON


def actions_for(user: Any, referral: Referral) -> list[Action]:
    """The moves of TRANSITIONS this user may make now. Sending a draft has its own button;
    expiry is the system's; accepting or declining a signal goes through triage."""
    sides = sides_of(user, referral)
    actions = []
    for to, side in TRANSITIONS.get(referral.status, {}).items():
        if side not in sides or to in (Status.SENT, Status.EXPIRED):
            continue
        if (
            referral.direction == Direction.INBOUND
            and side == "receiver"
            and to in (Status.ACCEPTED, Status.DECLINED)
        ):
            continue
        actions.append(
            Action(
                to=to,
                label=ACTION_LABELS[to],
                needs_reason=to in NEEDS_REASON,
                needs_outcome=to == Status.COMPLETED,
            )
        )
    return actions


def show_errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
