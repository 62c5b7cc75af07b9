"""In-app notices and their e-mail twin, written only once the change is committed.

The e-mail says that something happened in Ponte and nothing else: no name or alias, no kind
of organisation, no need. A mailbox is read on shared phones and forwarded; the detail stays
behind the login.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from ponte.referrals.models import Notification, Referral

logger = logging.getLogger(__name__)

# One template pair per kind, under referrals/email/: <kind>_subject.txt and <kind>.txt.
EMAIL_KINDS = {kind.value for kind in Notification.Kind}


def notify(users: Iterable[Any], kind: str, referral: Referral | None) -> None:
    """Notification rows and one neutral e-mail per user, after the current transaction
    commits (at once outside a transaction): a refused or rolled-back change tells nobody."""
    user_ids = sorted({u.pk for u in users if u is not None and getattr(u, "pk", None)})
    if not user_ids:
        return
    referral_id = referral.pk if referral is not None else None
    transaction.on_commit(lambda: deliver(user_ids, kind, referral_id))


def deliver(user_ids: list[int], kind: str, referral_id: int | None) -> None:
    users = list(get_user_model().objects.filter(pk__in=user_ids, is_active=True))
    with transaction.atomic():
        Notification.objects.bulk_create(
            [Notification(user=u, kind=kind, referral_id=referral_id) for u in users]
        )
    for user in users:
        _email(user, kind)


def _email(user: Any, kind: str) -> None:
    if not user.email or kind not in EMAIL_KINDS:
        return
    language = getattr(user, "preferred_language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        subject = "".join(render_to_string(f"referrals/email/{kind}_subject.txt").splitlines())
        body = render_to_string(f"referrals/email/{kind}.txt")
    try:
        send_mail(subject, body, None, [user.email])
    except Exception:  # the change is committed; a mail server down must not undo it or 500
        logger.exception("referral notification e-mail failed (kind %s)", kind)
