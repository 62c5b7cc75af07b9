"""One referral: the page (audited), the printable summary, a message's attachment."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render

from ponte.accounts.http import AuthedRequest
from ponte.audit.services import record
from ponte.common.access import access_rule
from ponte.referrals import queries, services
from ponte.referrals.forms import ExternalAnswerForm, MessageForm
from ponte.referrals.models import (
    OPEN_STATUSES,
    Direction,
    Referral,
    ReferralMessage,
    Section,
    Status,
)
from ponte.referrals.views.common import actions_for, reads_as, sides_of, visible_referral
from ponte.referrals.views.shared import present_sections

# Attachments are checked by their first bytes when uploaded; served with the same type.
_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


def _audit(request: AuthedRequest, action: str, referral: Referral, **data: Any) -> None:
    with transaction.atomic():
        record(action, actor=request.user, target=referral, data=data, request=request)


def detail_context(request: AuthedRequest, referral: Referral) -> dict[str, Any]:
    user = request.user
    side = reads_as(user, referral)
    sides = sides_of(user, referral)
    shared: list[dict[str, Any]] = []
    if referral.direction == Direction.OUTBOUND and side == "receiver":
        shared = present_sections(referral, queries.shared_file(referral, user))
    return {
        "referral": referral,
        "side": side,
        "sides": sides,
        "shared": shared,
        "shared_labels": [Section(c).label for c in referral.section_list() if c in Section.values],
        "events": referral.events.select_related("actor", "organization"),
        "thread": referral.messages.select_related("author", "organization"),
        "actions": actions_for(user, referral),
        "can_send": referral.status == Status.DRAFT and "sender" in sides,
        "can_triage": referral.direction == Direction.INBOUND
        and "receiver" in sides
        and referral.status in (Status.SENT, Status.RECEIVED),
        "can_print": can_print(user, referral),
        "external_form": ExternalAnswerForm()
        if referral.receiver_outside_ponte
        and "sender" in sides
        and referral.status in OPEN_STATUSES
        else None,
        "message_form": MessageForm() if sides and referral.status != Status.DRAFT else None,
    }


def can_print(user: Any, referral: Referral) -> bool:
    """The sender's case workers, for an organisation outside Ponte, while the referral is open
    and the person's sharing consent is in force: handing over the printout is the transfer."""
    return (
        referral.receiver_outside_ponte
        and "sender" in sides_of(user, referral)
        and queries.sharing_in_force(referral)
    )


@access_rule("member", "visible_to: 404 for outsiders and once the partner's access ended")
def detail(request: AuthedRequest, public_id: Any) -> HttpResponse:
    referral = visible_referral(request, public_id)
    # The receiver's first look is its acknowledgement: recorded, not asked for.
    if services.record_opened(referral, actor=request.user) is not None:
        referral = visible_referral(request, public_id)
    context = detail_context(request, referral)
    _audit(request, "referrals.viewed", referral, side=context["side"])
    return render(request, "referrals/detail.html", context)


@access_rule("member", "the sender's case workers, for a receiver outside Ponte")
def print_summary(request: AuthedRequest, public_id: Any) -> HttpResponse:
    referral = visible_referral(request, public_id)
    if not can_print(request.user, referral):
        raise PermissionDenied
    shared = present_sections(referral, queries.shared_file(referral, request.user))
    _audit(request, "referrals.printed", referral, sections=referral.section_list())
    return render(request, "referrals/print.html", {"referral": referral, "shared": shared})


def _content_type(message: ReferralMessage) -> str:
    with message.attachment.open("rb") as handle:
        head = handle.read(16)
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    return "application/octet-stream"


@access_rule("member", "visible_to: the referral's two sides while it is visible")
def attachment(request: AuthedRequest, public_id: Any, message_id: Any) -> HttpResponseBase:
    referral = visible_referral(request, public_id)
    message = get_object_or_404(ReferralMessage, referral=referral, public_id=message_id)
    if not message.attachment:
        raise Http404
    content_type = _content_type(message)
    _audit(request, "referrals.attachment_downloaded", referral, message=str(message.public_id))
    response = FileResponse(
        message.attachment.open("rb"),
        as_attachment=True,
        filename=message.attachment_name or "attachment",
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
