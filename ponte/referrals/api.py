"""Referrals API under /api/v1/referrals/ for partner systems (issue 6, "API").

Deny by default: every route needs a bearer token, and the token acts as its organisation
with its role (`TokenActor`, the same stand-in the catalog API uses), so the services apply
exactly the rules the pages apply: `Referral.objects.visible_to` decides what exists for the
token (anything else is 404), the capability check in the service gives 403, and a refused
transition gives 422 with the service's message and changes nothing. Stale versions give 409.
"""

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Status
from ninja.pagination import paginate

from ponte.audit.services import record
from ponte.catalog.api import TokenActor
from ponte.network.api import Pages, TokenAuth
from ponte.network.models import AccessPoint, ApiToken
from ponte.people.services import StaleEdit
from ponte.referrals import services
from ponte.referrals.models import Direction, Referral
from ponte.referrals.models import Status as RefStatus
from ponte.referrals.schemas import (
    AcceptIn,
    CompleteIn,
    DeclineIn,
    ErrorOut,
    ReferralDetailOut,
    ReferralOut,
    SignalIn,
)

router = Router(auth=TokenAuth(), tags=["referrals"])
T = TypeVar("T")
WRITE_RESPONSES: dict[int, Any] = {
    200: ReferralDetailOut,
    400: ErrorOut,  # a body that is not JSON (ninja's parser)
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


def _actor(request: HttpRequest) -> TokenActor:
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    return TokenActor(token)


def _messages(error: DjangoValidationError) -> list[str]:
    return [str(m) for m in error.messages]


def _call(call: Callable[[], T]) -> T | Status[dict[str, Any]]:
    """Run a service call; its refusals become 403 / 409 / 422 with its own words."""
    try:
        with transaction.atomic():
            return call()
    except PermissionDenied as error:
        return Status(403, {"detail": str(error) or "Not allowed."})
    except StaleEdit as error:
        return Status(409, {"detail": _messages(error)})
    except DjangoValidationError as error:
        return Status(422, {"detail": _messages(error)})


def _visible(actor: TokenActor) -> QuerySet[Referral]:
    return Referral.objects.visible_to(actor).select_related(
        "sender", "receiver", "access_point", "service"
    )


def _find(actor: TokenActor, public_id: UUID) -> Referral:
    return get_object_or_404(_visible(actor), public_id=public_id)


def _detail(referral: Referral, actor: TokenActor, *, visible: bool = True) -> Referral:
    """The referral as its party sees it; reading a case file's sections is audited. Once an
    answer closes it for the receiver (`visible` False), only codes, dates and the answer."""
    shared: dict[str, Any] = {}
    if visible and referral.direction == Direction.OUTBOUND and referral.section_list():
        from ponte.referrals import queries  # the case file's reader, beside the pages'

        shared = queries.shared_file(referral, actor)
        with transaction.atomic():
            record(
                "referrals.read_shared",
                actor=actor,
                target=referral,
                organization=referral.receiver,
                data={"sections": referral.section_list(), "via": "api"},
            )
    events = [
        {
            "at": e.at,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "by": e.organization.name if e.organization else "",
        }
        for e in referral.events.select_related("organization")
    ]
    referral.api_view = {"visible": visible, "events": events, "shared": shared}  # type: ignore[attr-defined]
    return referral


def _answer(actor: TokenActor, result: Referral | Status[dict[str, Any]]) -> Any:
    if isinstance(result, Status):
        return result
    still = _visible(actor).filter(pk=result.pk).first()
    if still is not None:
        return Status(200, _detail(still, actor))
    fresh = Referral.objects.select_related("sender", "receiver", "access_point", "service")
    return Status(200, _detail(fresh.get(pk=result.pk), actor, visible=False))


@router.post(
    "/signals",
    response={201: ReferralDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Send an inbound signal to a PUA",
)
def create_signal(request: HttpRequest, payload: SignalIn) -> Any:
    actor = _actor(request)
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    access_point = get_object_or_404(
        AccessPoint.objects.filter(is_active=True).select_related("lead_organization"),
        public_id=payload.access_point_id,
    )
    data = payload.dict(exclude={"access_point_id"})
    result = _call(
        lambda: services.send_signal(
            actor=actor, sender=token.organization, access_point=access_point, **data
        )
    )
    if isinstance(result, Status):
        return result
    return Status(201, _detail(_find(actor, result.public_id), actor))


@router.get(
    "/inbox",
    response=list[ReferralOut],
    summary="Referrals and signals addressed to the token's organisation",
)
@paginate(Pages, page_size=50)
def inbox(request: HttpRequest, status: RefStatus | None = None) -> QuerySet[Referral]:
    qs = (
        Referral.objects.inbox_of(_actor(request))
        .select_related("sender", "receiver", "access_point", "service")
        .order_by("-sent_at", "-pk")
    )
    if status:
        qs = qs.filter(status=status)
    return qs


@router.get(
    "/{public_id}",
    response={200: ReferralDetailOut, 404: ErrorOut},
    summary="One referral, with the sections of the file it shares",
)
def get_referral(request: HttpRequest, public_id: UUID) -> Any:
    actor = _actor(request)
    return Status(200, _detail(_find(actor, public_id), actor))


def _move(
    request: HttpRequest,
    public_id: UUID,
    to: str,
    expected_version: int | None,
    **texts: str,
) -> Any:
    """One move of the lifecycle through `services.transition`, as the token's organisation."""
    actor = _actor(request)
    referral = _find(actor, public_id)
    result = _call(
        lambda: services.transition(
            referral, to=to, actor=actor, expected_version=expected_version, **texts
        )
    )
    return _answer(actor, result)


@router.post(
    "/{public_id}/receive",
    response=WRITE_RESPONSES,
    summary="Acknowledge a referral or signal: it has arrived and is being looked at",
)
def receive(request: HttpRequest, public_id: UUID, payload: AcceptIn) -> Any:
    return _move(request, public_id, RefStatus.RECEIVED, payload.expected_version)


@router.post(
    "/{public_id}/accept",
    response=WRITE_RESPONSES,
    summary="Accept a referral (a signal to a PUA is taken into a case in Ponte's pages: 422)",
)
def accept(request: HttpRequest, public_id: UUID, payload: AcceptIn) -> Any:
    return _move(request, public_id, RefStatus.ACCEPTED, payload.expected_version)


@router.post(
    "/{public_id}/decline",
    response=WRITE_RESPONSES,
    summary="Decline a referral or a signal to a PUA, with a reason",
)
def decline(request: HttpRequest, public_id: UUID, payload: DeclineIn) -> Any:
    """A signal's decline is its triage's: the one triage decision a partner system can take
    whole. Taking the person into a case needs their consent recorded with its witness, and a
    redirect a choice among the PUAs: both are left to the pages."""
    actor = _actor(request)
    referral = _find(actor, public_id)
    if referral.direction == Direction.OUTBOUND:
        return _move(
            request,
            public_id,
            RefStatus.DECLINED,
            payload.expected_version,
            reason=payload.reason,
        )
    result = _call(
        lambda: services.triage_signal(
            referral,
            actor=actor,
            decision="decline",
            reason=payload.reason,
            expected_version=payload.expected_version,
        )
    )
    return _answer(actor, result)


@router.post(
    "/{public_id}/start",
    response=WRITE_RESPONSES,
    summary="Mark an accepted referral as in progress",
)
def start(request: HttpRequest, public_id: UUID, payload: AcceptIn) -> Any:
    return _move(request, public_id, RefStatus.IN_PROGRESS, payload.expected_version)


@router.post(
    "/{public_id}/complete",
    response=WRITE_RESPONSES,
    summary="Complete an accepted referral, with its outcome",
)
def complete(request: HttpRequest, public_id: UUID, payload: CompleteIn) -> Any:
    return _move(
        request, public_id, RefStatus.COMPLETED, payload.expected_version, outcome=payload.outcome
    )


@router.post(
    "/{public_id}/not-completed",
    response=WRITE_RESPONSES,
    summary="Close an accepted referral as not completed, with a reason",
)
def not_completed(request: HttpRequest, public_id: UUID, payload: DeclineIn) -> Any:
    return _move(
        request,
        public_id,
        RefStatus.NOT_COMPLETED,
        payload.expected_version,
        reason=payload.reason,
    )
