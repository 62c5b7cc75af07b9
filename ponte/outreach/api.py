"""Outreach API under /api/v1/outreach/ (SYNC_CONTRACT.md).

- POST /sync: the offline queue of the quick form (signed-in session + CSRF header) or a partner
  system (bearer token acting for its organisation).
- GET /options: what the quick form needs offline.
- GET /outings, /contacts: aggregate fields for partner tokens; never an alias or free text.
"""

import datetime as dt
import json
from typing import Annotated, Any
from uuid import UUID

from django.conf import settings
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.security import SessionAuth
from pydantic import WithJsonSchema

from ponte.catalog.taxonomy import Area
from ponte.network.api import IsoDate, Pages, TokenAuth
from ponte.network.models import AccessPoint, ApiToken
from ponte.network.roles import (
    Cap,
    capabilities_of,
    organizations_with_cap,
    requires_second_factor,
)
from ponte.outreach import codes, services
from ponte.outreach.models import Contact, Outing, Place


class VerifiedSessionAuth(SessionAuth):
    """The browser's session, past the second factor (the 2FA middleware skips /api/); ninja
    checks the CSRF header for every cookie-authenticated call."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not user.is_authenticated:
            return None
        if (
            settings.PONTE_REQUIRE_2FA and requires_second_factor(user) and not user.is_verified()  # type: ignore[attr-defined]
        ):
            return None
        return user


router = Router(auth=[TokenAuth(), VerifiedSessionAuth()], tags=["outreach"])


class ErrorOut(Schema):
    detail: str


class EntryResultOut(Schema):
    id: str
    status: str
    errors: dict[str, list[str]]


class SyncOut(Schema):
    results: list[EntryResultOut]


def _token(request: HttpRequest) -> ApiToken | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiToken) else None


@router.post(
    "/sync",
    response={200: SyncOut, 400: ErrorOut},
    summary="Send queued outings and contacts",
    openapi_extra={
        "requestBody": {
            # The envelope only: each entry is checked on its own and answered in `results`.
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["entries"],
                        "properties": {
                            "entries": {"type": "array", "maxItems": services.MAX_ENTRIES}
                        },
                    }
                }
            },
            "required": True,
        }
    },
)
def sync(request: HttpRequest) -> Any:
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > services.MAX_BODY_BYTES or len(request.body) > services.MAX_BODY_BYTES:
        return Status(400, {"detail": "Payload too large (at most 512 KB)."})
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: "[[[[…" nested deeper than the parser goes, well under 512 KB.
        return Status(400, {"detail": "Malformed JSON."})
    if not isinstance(payload, dict) or not isinstance(payload.get("entries"), list):
        return Status(400, {"detail": 'Expected {"entries": [...]}.'})
    entries = payload["entries"]
    if len(entries) > services.MAX_ENTRIES:
        return Status(400, {"detail": f"Too many entries (at most {services.MAX_ENTRIES})."})
    token = _token(request)
    actor = None if token else request.user
    results = services.sync_entries(entries, actor=actor, token=token)
    return Status(200, {"results": [r.__dict__ for r in results]})


# ---- options for the quick form ---------------------------------------------------------------


class CodeOut(Schema):
    code: str
    label: str


class AccessPointOptionOut(Schema):
    id: UUID
    name: str


class PlaceOptionOut(Schema):
    id: UUID
    name: str
    kind: str
    municipality: str


class OptionsOut(Schema):
    access_points: list[AccessPointOptionOut]
    places: list[PlaceOptionOut]
    methods: list[CodeOut]
    place_kinds: list[CodeOut]
    material_kinds: list[CodeOut]
    genders: list[CodeOut]
    age_bands: list[CodeOut]
    channels: list[CodeOut]
    sectors: list[CodeOut]
    needs: list[CodeOut]
    signals: list[CodeOut]
    next_steps: list[CodeOut]


def _codes(choices: Any) -> list[dict[str, str]]:
    return [{"code": str(value), "label": str(label)} for value, label in choices.choices]


def recordable_access_points(request: HttpRequest) -> QuerySet[AccessPoint]:
    token = _token(request)
    qs = AccessPoint.objects.filter(is_active=True).order_by("name")
    if token is not None:
        if Cap.RECORD_OUTREACH not in capabilities_of(token.role):
            return qs.none()
        return qs.filter(lead_organization_id=token.organization_id)
    user = request.user
    if getattr(user, "is_platform_admin", False):
        return qs
    return qs.filter(lead_organization_id__in=organizations_with_cap(user, Cap.RECORD_OUTREACH))


@router.get("/options", response=OptionsOut, summary="Code lists, PUAs and places for the form")
def options(request: HttpRequest) -> dict[str, Any]:
    access_points = list(recordable_access_points(request))
    orgs = {ap.lead_organization_id for ap in access_points}
    places = (
        Place.objects.filter(organization_id__in=orgs, is_active=True)
        .select_related("municipality")
        .order_by("name")
    )
    return {
        "access_points": [{"id": ap.public_id, "name": ap.name} for ap in access_points],
        "places": [
            {
                "id": p.public_id,
                "name": p.name,
                "kind": p.kind,
                "municipality": p.municipality.name if p.municipality else "",
            }
            for p in places
        ],
        "methods": _codes(codes.Method),
        "place_kinds": _codes(codes.PlaceKind),
        "material_kinds": _codes(codes.MaterialKind),
        "genders": _codes(codes.Gender),
        "age_bands": _codes(codes.AgeBand),
        "channels": _codes(codes.Channel),
        "sectors": _codes(codes.Sector),
        "needs": _codes(Area),
        "signals": _codes(codes.Signal),
        "next_steps": _codes(codes.NextStep),
    }


# ---- partner reads: aggregate fields only ---------------------------------------------------


class MaterialOut(Schema):
    kind: str
    language: str
    quantity: int


class PeopleMetOut(Schema):
    gender: str
    age_band: str
    nationality: str
    count: int


# A time of day without an offset ("06:30:00"). JSON Schema's "time" format is RFC 3339's
# full-time, which requires one: the OpenAPI file would promise what no answer carries.
LocalTime = Annotated[dt.time, WithJsonSchema({"type": "string", "format": "partial-time"})]


class OutingOut(Schema):
    id: UUID = Field(alias="public_id")
    access_point_id: UUID
    date: dt.date
    start_time: LocalTime | None
    end_time: LocalTime | None
    method: str
    place_ids: list[UUID]
    materials: list[MaterialOut]
    people_met: list[PeopleMetOut]
    contacts: int

    @staticmethod
    def resolve_access_point_id(obj: Outing) -> UUID:
        return obj.access_point.public_id

    @staticmethod
    def resolve_place_ids(obj: Outing) -> list[UUID]:
        return [p.public_id for p in obj.places.all()]

    @staticmethod
    def resolve_materials(obj: Outing) -> list[Any]:
        return list(obj.materials.all())

    @staticmethod
    def resolve_people_met(obj: Outing) -> list[Any]:
        return list(obj.people_met.all())

    @staticmethod
    def resolve_contacts(obj: Any) -> int:
        return int(obj.contact_count)


class ContactOut(Schema):
    id: UUID = Field(alias="public_id")
    access_point_id: UUID
    outing_id: UUID | None
    channel: str
    met_on: dt.date
    gender: str
    age_band: str
    nationality: str
    languages: list[str]
    sector: str
    isic_section: str
    needs: list[str]
    signals: list[str]
    next_step: str
    consent_recontact: bool
    engaged: bool
    has_case: bool

    @staticmethod
    def resolve_access_point_id(obj: Contact) -> UUID:
        return obj.access_point.public_id

    @staticmethod
    def resolve_outing_id(obj: Contact) -> UUID | None:
        return obj.outing.public_id if obj.outing else None

    @staticmethod
    def resolve_met_on(obj: Contact) -> dt.date:
        return obj.met_at.date()

    @staticmethod
    def resolve_languages(obj: Contact) -> list[str]:
        return obj.language_list()

    @staticmethod
    def resolve_needs(obj: Contact) -> list[str]:
        return [n.area for n in obj.needs.all()]

    @staticmethod
    def resolve_signals(obj: Contact) -> list[str]:
        return [s.code for s in obj.signals.all()]

    @staticmethod
    def resolve_engaged(obj: Contact) -> bool:
        return obj.engaged_at is not None

    @staticmethod
    def resolve_has_case(obj: Contact) -> bool:
        return obj.case_ref is not None


def _partner_org(request: HttpRequest) -> int:
    token = _token(request)
    if token is not None:
        role_caps = capabilities_of(token.role)
        if Cap.VIEW_PERSONAL_DATA in role_caps or Cap.VIEW_AGGREGATES in role_caps:
            return token.organization_id
    raise HttpError(403, "A partner token with access to the organisation's data is required.")


@router.get(
    "/outings",
    response={200: list[OutingOut], 403: ErrorOut},
    auth=TokenAuth(),
    summary="Outings of the organisation",
)
@paginate(Pages, page_size=50)
def list_outings(
    request: HttpRequest, since: IsoDate | None = None, until: IsoDate | None = None
) -> QuerySet[Outing]:
    qs = (
        Outing.objects.visible_to_organizations([_partner_org(request)])
        .select_related("access_point")
        .prefetch_related("places", "materials", "people_met")
        .annotate(contact_count=Count("contacts"))
        .order_by("-date", "pk")
    )
    if since:
        qs = qs.filter(date__gte=since)
    if until:
        qs = qs.filter(date__lte=until)
    return qs


@router.get(
    "/contacts",
    response={200: list[ContactOut], 403: ErrorOut},
    auth=TokenAuth(),
    summary="Contacts of the organisation (no alias, no free text)",
)
@paginate(Pages, page_size=50)
def list_contacts(
    request: HttpRequest, since: IsoDate | None = None, until: IsoDate | None = None
) -> QuerySet[Contact]:
    qs = (
        Contact.objects.visible_to_organizations([_partner_org(request)])
        .select_related("access_point", "outing")
        .prefetch_related("needs", "signals")
        .order_by("-met_at", "pk")
    )
    if since:
        qs = qs.filter(met_at__date__gte=since)
    if until:
        qs = qs.filter(met_at__date__lte=until)
    return qs
