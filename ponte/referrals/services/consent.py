"""When the person withdraws their sharing consent to an organisation, the referrals to it end.

The receiver's access already ends with the consent (`Referral.objects.visible_to`), but an
open referral it can no longer see would stay "accepted" or "in progress" forever, in the
sender's lists and in the loop's figures. `people.services.withdraw_consent` calls this handler
(registered in `ReferralsConfig.ready()` through `people.extensions`) inside its transaction.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ponte.people.models import Consent
from ponte.referrals.models import OPEN_STATUSES, TRANSITIONS, Direction, Notification, Referral
from ponte.referrals.models import Status as RefStatus
from ponte.referrals.notifications import notify
from ponte.referrals.services._common import SENDER, locked, receiver_people, sender_people
from ponte.referrals.services.lifecycle import _move


def withdraw_referrals_on_consent_withdrawal(consent: Consent, *, actor: Any) -> None:
    """Every open referral of the person to the consent's recipient → withdrawn, on the
    sender's side (the person's choice, recorded by the sender's operator), each with its
    timeline line and audit row; both sides told once the withdrawal commits. The
    capability was checked by the consent's withdrawal: the person's right to stop the sharing
    does not depend on who may move a referral."""
    if consent.purpose != Consent.Purpose.SHARING or consent.recipient_id is None:
        return
    still = Consent.objects.active().filter(
        person_id=consent.person_id, purpose=consent.purpose, recipient_id=consent.recipient_id
    )
    if still.exists():  # another consent to the same organisation remains in force
        return
    open_ones = Referral.objects.filter(
        direction=Direction.OUTBOUND,
        case__person_id=consent.person_id,
        receiver_id=consent.recipient_id,
    )
    withdraw_open_referrals(
        open_ones, actor=actor, reason=str(_("Consent withdrawn")), verb="withdrawn_consent"
    )


def withdraw_open_referrals(
    referrals: QuerySet[Referral], *, actor: Any, reason: str, verb: str
) -> None:
    """Move every open referral of `referrals` that its sender may withdraw to withdrawn, each
    with its timeline line and audit row (inside the caller's transaction); both sides are
    told once it commits, except the actor. `actor` "system" is the retention job."""
    for pk in (
        referrals.filter(status__in=OPEN_STATUSES).order_by("pk").values_list("pk", flat=True)
    ):
        current = locked(Referral(pk=pk))
        if TRANSITIONS.get(current.status, {}).get(RefStatus.WITHDRAWN) != SENDER:
            continue
        _move(current, to=RefStatus.WITHDRAWN, actor=actor, side=SENDER, reason=reason, verb=verb)
        told = [*sender_people(current), *receiver_people(current)]
        notify(
            [u for u in told if u.pk != getattr(actor, "pk", None)],
            Notification.Kind.WITHDRAWN,
            current,
        )
