"""Read API for partner systems: organisations, access points (PUA), agreements.

Deny by default: every route needs a bearer token; a token acts for one organisation
and sees exactly what a member of that organisation would see.
"""

from __future__ import annotations

import hmac
import re
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.pagination import PageNumberPagination, paginate
from ninja.security import HttpBearer
from pydantic import BeforeValidator

from ponte.network.models import AccessPoint, Agreement, ApiToken, Organization
from ponte.network.roles import Cap, capabilities_of
from ponte.network.services import hash_token

_LAST_USED_GRANULARITY = timedelta(minutes=5)
# The largest page number a client may ask for. Beyond it the offset, page × page size, no longer
# fits the databases' 64-bit OFFSET and a huge number became a 500 instead of a 422.
MAX_PAGE = 1_000_000
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Pages(PageNumberPagination):
    """Page-number pagination with a bounded page number; every list of the API uses it."""

    class Input(PageNumberPagination.Input):
        page: int = Field(1, ge=1, le=MAX_PAGE)


def _iso_text(value: Any) -> Any:
    """Dates and times come as ISO 8601 text. Pydantic also reads a bare number as a Unix time
    ("0" is 1 January 1970): a partner sending one has made a mistake we should tell them of."""
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError("expected ISO 8601 text starting YYYY-MM-DD, not a number")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_text)]
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_text)]


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        parts = token.split("_")
        if len(parts) < 3 or parts[0] != "pnt":
            return None
        found = (
            ApiToken.objects.select_related("organization")
            .filter(
                prefix=parts[1],
                revoked_at__isnull=True,
                expires_at__gt=timezone.now(),
                organization__is_active=True,
            )
            .first()
        )
        if found is None or not hmac.compare_digest(found.token_hash, hash_token(token)):
            return None
        if Cap.VIEW_NETWORK not in capabilities_of(found.role):
            return None
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > _LAST_USED_GRANULARITY:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        return found


router = Router(auth=TokenAuth(), tags=["network"])


class TerritoryOut(Schema):
    level: str
    code: str
    name: str


class OrganizationOut(Schema):
    id: UUID = Field(alias="public_id")
    name: str
    kind: str
    htcds_type: str
    description: str
    territory: TerritoryOut | None
    email: str
    phone: str
    website: str
    source: str
    is_demo: bool


class SiteOut(Schema):
    name: str
    address: str
    opening_hours: str
    is_itinerant: bool


class AccessPointOut(Schema):
    id: UUID = Field(alias="public_id")
    name: str
    form: str
    lead_organization_id: UUID
    ambiti: list[TerritoryOut]
    sites: list[SiteOut]
    is_diffuso: bool
    is_demo: bool

    @staticmethod
    def resolve_lead_organization_id(obj: AccessPoint) -> UUID:
        return obj.lead_organization.public_id

    @staticmethod
    def resolve_ambiti(obj: AccessPoint) -> list[Any]:
        return list(obj.ambiti.all())

    @staticmethod
    def resolve_sites(obj: AccessPoint) -> list[Any]:
        return list(obj.sites.all())


class SignatoryOut(Schema):
    organization_id: UUID
    organization_name: str
    role: str
    commitments: str
    resources: str

    @staticmethod
    def resolve_organization_id(obj: Any) -> UUID:
        return obj.organization.public_id

    @staticmethod
    def resolve_organization_name(obj: Any) -> str:
        return obj.organization.name


class AgreementOut(Schema):
    id: UUID = Field(alias="public_id")
    kind: str
    title: str
    promoter_id: UUID
    valid_from: date | None
    valid_until: date | None
    in_force: bool
    has_document: bool
    signatories: list[SignatoryOut]

    @staticmethod
    def resolve_promoter_id(obj: Agreement) -> UUID:
        return obj.promoter.public_id

    @staticmethod
    def resolve_in_force(obj: Agreement) -> bool:
        return obj.is_in_force()

    @staticmethod
    def resolve_has_document(obj: Agreement) -> bool:
        return bool(obj.document)

    @staticmethod
    def resolve_signatories(obj: Agreement) -> list[Any]:
        return list(obj.signatories.all())


class ErrorOut(Schema):
    detail: str


def _token(request: HttpRequest) -> ApiToken:
    return request.auth  # type: ignore[attr-defined,no-any-return]


@router.get("/organisations", response=list[OrganizationOut], summary="List organisations")
@paginate(Pages, page_size=50)
def list_organizations(request: HttpRequest, q: str = "", kind: str = "") -> QuerySet[Organization]:
    qs = Organization.objects.filter(is_active=True).select_related("territory")
    if q:
        qs = qs.filter(name__icontains=q[:100])
    if kind:
        qs = qs.filter(kind=kind[:32])
    return qs


@router.get("/organisations/{public_id}", response={200: OrganizationOut, 404: ErrorOut})
def get_organization(request: HttpRequest, public_id: UUID) -> Organization:
    return get_object_or_404(Organization.objects.select_related("territory"), public_id=public_id)


def _access_points() -> QuerySet[AccessPoint]:
    return (
        AccessPoint.objects.filter(is_active=True)
        .select_related("lead_organization")
        .prefetch_related("ambiti", "sites")
    )


@router.get("/access-points", response=list[AccessPointOut], summary="List access points (PUA)")
@paginate(Pages, page_size=50)
def list_access_points(request: HttpRequest) -> QuerySet[AccessPoint]:
    return _access_points()


@router.get("/access-points/{public_id}", response={200: AccessPointOut, 404: ErrorOut})
def get_access_point(request: HttpRequest, public_id: UUID) -> AccessPoint:
    return get_object_or_404(_access_points(), public_id=public_id)


def _agreements(request: HttpRequest) -> QuerySet[Agreement]:
    org_id = _token(request).organization_id
    return (
        Agreement.objects.visible_to_organizations([org_id])
        .select_related("promoter")
        .prefetch_related("signatories__organization")
    )


@router.get(
    "/agreements",
    response=list[AgreementOut],
    summary="Agreements the token's organisation promotes or signed",
)
@paginate(Pages, page_size=50)
def list_agreements(request: HttpRequest, in_force: bool = False) -> QuerySet[Agreement]:
    qs = _agreements(request)
    if in_force:
        today = timezone.localdate()
        qs = qs.filter(
            Q(valid_from__lte=today) | Q(valid_from__isnull=True),
            Q(valid_until__gte=today) | Q(valid_until__isnull=True),
        )
    return qs


@router.get("/agreements/{public_id}", response={200: AgreementOut, 404: ErrorOut})
def get_agreement(request: HttpRequest, public_id: UUID) -> Agreement:
    return get_object_or_404(_agreements(request), public_id=public_id)
