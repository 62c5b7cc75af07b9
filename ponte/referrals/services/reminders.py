"""The daily job: a reminder before the answer is due, and expiry once it is past."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from ponte.referrals.models import TRANSITIONS, Notification, Referral, Status
from ponte.referrals.notifications import notify
from ponte.referrals.services._common import (
    add_event,
    audit,
    locked,
    receiver_people,
    sender_people,
    stamp,
)

REMIND_DAYS_BEFORE = 2


def _remind(current: Referral, now: datetime.datetime) -> bool:
    """Tell whoever can get the answer: the receiver's operators, or, for an organisation
    outside Ponte (or one with nobody left to answer), the sender, who chases it by phone. A
    reminder that reaches nobody is not recorded as sent."""
    people = receiver_people(current)
    told, organization = "receiver", current.receiver
    if not people:
        people = sender_people(current)
        told, organization = "sender", current.sender
    if not people:
        return False
    current.reminded_at = now
    current.save(update_fields=["reminded_at"])
    audit("reminded", current, actor=None, organization=organization, data={"told": told})
    notify(people, Notification.Kind.DUE_SOON, current)
    return True


def expire_and_remind(*, now: datetime.datetime | None = None) -> tuple[int, int]:
    """A reminder `REMIND_DAYS_BEFORE` the answer is due (once), and unanswered referrals past
    their due date expire, the sender told. Returns (reminded, expired)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    waiting = Referral.objects.filter(
        status__in=[Status.SENT, Status.RECEIVED], answer_due_on__isnull=False
    )
    reminded = 0
    for pk in waiting.filter(
        reminded_at__isnull=True,
        answer_due_on__gte=today,
        answer_due_on__lte=today + datetime.timedelta(days=REMIND_DAYS_BEFORE),
    ).values_list("pk", flat=True):
        with transaction.atomic():
            current = locked(Referral(pk=pk))
            if current.reminded_at is not None or current.status not in (
                Status.SENT,
                Status.RECEIVED,
            ):
                continue
            if _remind(current, now):
                reminded += 1
    expired = 0
    for pk in waiting.filter(answer_due_on__lt=today).values_list("pk", flat=True):
        with transaction.atomic():
            current = locked(Referral(pk=pk))
            if Status.EXPIRED not in TRANSITIONS.get(current.status, {}):
                continue
            before = current.status
            stamp(current, Status.EXPIRED, now)
            current.status = Status.EXPIRED
            current.version += 1
            current.save()
            add_event(
                current,
                actor=None,
                organization_id=None,
                from_status=before,
                to_status=Status.EXPIRED,
                at=now,
            )
            audit(
                "expired",
                current,
                actor=None,
                organization=current.sender,
                data={"from": before, "to": Status.EXPIRED},
            )
            notify(sender_people(current), Notification.Kind.OVERDUE, current)
            expired += 1
    return reminded, expired
