"""The thread between the two sides of a referral, with scoped attachments."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from ponte.referrals.models import Notification, Referral, ReferralMessage, Status
from ponte.referrals.notifications import notify
from ponte.referrals.services._common import (
    SENDER,
    audit,
    receiver_people,
    require_either_side,
    sender_people,
    side_org_id,
)

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
# What the file is, read from its first bytes: the name and the browser's type are the sender's
# word only.
_MAGIC = (
    (b"%PDF-", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", ".png"),
    (b"\xff\xd8\xff", ".jpg"),
)


def attachment_extension(upload: UploadedFile) -> str:
    if upload.size is None or upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"attachment": _("The file is larger than 5 MB.")})
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    for magic, extension in _MAGIC:
        if head.startswith(magic):
            return extension
    raise ValidationError({"attachment": _("Attach a PDF, PNG or JPEG file.")})


def post_message(
    referral: Referral, *, actor: Any, body: str, attachment: UploadedFile | None = None
) -> ReferralMessage:
    """Either side, while the referral is visible to them; the other side is told."""
    side = require_either_side(actor, referral)
    if not Referral.objects.visible_to(actor).filter(pk=referral.pk).exists():
        raise PermissionDenied(_("You do not have permission for this action."))
    if referral.status == Status.DRAFT:
        raise ValidationError(_("Send the referral before writing to the other side."))
    if not body.strip():
        raise ValidationError({"body": _("Write a message.")})
    extension = attachment_extension(attachment) if attachment is not None else ""
    with transaction.atomic():
        message = ReferralMessage(
            referral=referral,
            author=actor,
            organization_id=side_org_id(referral, side),
            body=body.strip(),
        )
        if attachment is not None:
            message.attachment_name = (attachment.name or "")[:200]
            # A random name on disk: the original may carry a person's name.
            message.attachment.save(f"{secrets.token_hex(16)}{extension}", attachment, save=False)
        message.save()
        audit(
            "message_posted",
            referral,
            actor=actor,
            organization=referral.sender if side == SENDER else referral.receiver,
            data={"message": str(message.public_id), "attachment": attachment is not None},
        )
        others = receiver_people(referral) if side == SENDER else sender_people(referral)
        notify([u for u in others if u.pk != actor.pk], Notification.Kind.MESSAGE, referral)
    return message
