"""The HSDS 3.0 API of the catalog, mounted at /api/v1/hsds/ (Open Referral OpenAPI).

Reading: `/`, `/services` (a `Page`), `/services/{id}`. Without a token only the
services of the public guide are visible; with a valid token, the whole catalog (a token
acts for an organisation of the network, which sees the whole catalog in the app too).
A header that is not a valid token is refused (401), never read as anonymous.
Contacts' names, e-mails and phones are staff personal data and never leave here.

Writing: `POST /services` (create), `PUT /services` and `PUT /services/{id}` (create or
replace) with a token whose role may manage the catalog; the service must belong to the
token's organisation. Bad input gets 422 with the per-field report of the importer.
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Status

from ponte.catalog.hsds import export_services, service_list_item
from ponte.catalog.hsds_import import import_services
from ponte.catalog.hsds_spec import HSDS_VERSION, TABLES, is_uuid
from ponte.catalog.hsds_terms import Term, all_terms
from ponte.catalog.models import Service
from ponte.catalog.taxonomy import PONTE_TAXONOMY_ID
from ponte.network.api import MAX_PAGE, IsoDateTime, TokenAuth
from ponte.network.models import ApiToken
from ponte.network.roles import Cap, capabilities_of

MAX_PER_PAGE = 200
HSDS_PROFILE = "https://github.com/openreferral/specification/tree/3.0"

JSONObject = dict[str, Any]


class _Anonymous:
    """request.auth of a call without Authorization header (truthy, so ninja lets it in)."""

    def __bool__(self) -> bool:
        return True


ANONYMOUS = _Anonymous()


class OptionalTokenAuth(TokenAuth):
    """No header: anonymous. A header: it must be a valid token (else 401)."""

    def __call__(self, request: HttpRequest) -> Any:
        if not request.headers.get(self.header):
            return ANONYMOUS
        return super().__call__(request)


@dataclass
class TokenActor:
    """A partner system writing through its token, as an actor for the catalog services.

    It holds the token's role at the token's organisation and nothing else: the
    permission checks of `save_service` then apply to it exactly as to a member.
    """

    token: ApiToken
    is_authenticated: bool = True
    is_active: bool = True
    is_platform_admin: bool = False
    pk: None = None
    email: str = ""
    # roles.py caches a user's roles by organisation under this name; we fill it in.
    _ponte_roles: dict[int, set[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._ponte_roles = {self.token.organization_id: {self.token.role}}
        self.email = f"API token {self.token.name} ({self.token.prefix}…)"[:254]

    def __str__(self) -> str:
        return self.email


router = Router(tags=["hsds"], auth=OptionalTokenAuth())
# Reads need no token (ninja lists the token only): the OpenAPI file says so with an empty
# requirement, the standard way to write "or no credentials at all".
_ANONYMOUS_TOO: dict[str, Any] = {"security": [{}]}


def _token(request: HttpRequest) -> ApiToken | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiToken) else None


def _visible(request: HttpRequest) -> QuerySet[Service]:
    return Service.objects.all() if _token(request) else Service.objects.public()


def _error(status: int, detail: Any) -> Status[JSONObject]:
    return Status(status, {"detail": detail})


@router.get(
    "/", response=dict[str, Any], summary="About this HSDS API", openapi_extra=_ANONYMOUS_TOO
)
def about(request: HttpRequest) -> JSONObject:
    return {
        "version": HSDS_VERSION,
        "profile": HSDS_PROFILE,
        "openapi_url": request.build_absolute_uri(reverse("api:openapi-json")),
    }


def _term_filter(term: Term) -> Q:
    value = term.code.partition(":")[2]
    if term.group == "area":
        return Q(topics__area=value)
    if term.group in ("stage", "presence", "format"):
        return Q(**{term.group: value})
    if term.group == "organization_kind":
        return Q(organization__kind=value)
    flags = {
        "open_without_permit": Q(open_without_permit=True),
        "public_guide": Q(is_public=True),
        "demo": Q(is_demo=True),
    }
    if term.code in flags:
        return flags[term.code]
    if term.code in ("objectives", "duration", "notes"):
        return ~Q(**{term.code: ""})
    return Q(pk__in=[])  # a group term: services carry its values, not the group


def _filtered(
    services: QuerySet[Service],
    *,
    search: str,
    taxonomy_term_id: str,
    taxonomy_id: str,
    organization_id: str,
    modified_after: datetime | None,
) -> QuerySet[Service]:
    if search:
        services = services.filter(search_text__contains=search[:100].lower())
    if taxonomy_term_id:
        term = all_terms().get(taxonomy_term_id)
        services = services.filter(_term_filter(term)) if term else services.none()
    if taxonomy_id and taxonomy_id != PONTE_TAXONOMY_ID:
        services = services.none()  # every attribute we publish is of the Ponte taxonomy
    if organization_id:
        if not is_uuid(organization_id):
            return services.none()
        services = services.filter(organization__public_id=organization_id)
    if modified_after is not None:
        services = services.filter(updated_at__gte=modified_after)
    return services.distinct()


@router.get(
    "/services",
    response=dict[str, Any],
    summary="List services (HSDS Page)",
    openapi_extra=_ANONYMOUS_TOO,
)
def list_services(
    request: HttpRequest,
    search: str = "",
    page: int = 1,
    per_page: int = 50,
    full: bool = False,
    taxonomy_term_id: str = "",
    taxonomy_id: str = "",
    organization_id: str = "",
    modified_after: IsoDateTime | None = None,
) -> JSONObject:
    """One-to-one fields of each service; `full=true` gives fully nested services."""
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    page = min(max(page, 1), MAX_PAGE)  # a larger page would overflow the query's OFFSET
    services = _filtered(
        _visible(request),
        search=search,
        taxonomy_term_id=taxonomy_term_id,
        taxonomy_id=taxonomy_id,
        organization_id=organization_id,
        modified_after=modified_after,
    ).order_by("name", "pk")
    total = services.count()
    start = (page - 1) * per_page
    ids = list(services.values_list("pk", flat=True)[start : start + per_page])
    chosen = Service.objects.filter(pk__in=ids).order_by("name", "pk")
    if full:
        contents = export_services(chosen)
    else:
        contents = [service_list_item(s) for s in chosen.select_related("organization")]
    total_pages = math.ceil(total / per_page)
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


@router.get(
    "/services/{id}",
    response={200: dict[str, Any], 404: dict[str, Any]},
    summary="One service, fully nested",
    openapi_extra=_ANONYMOUS_TOO,
)
def get_service(request: HttpRequest, id: str) -> Any:
    if not is_uuid(id):
        return _error(404, _("Not found"))
    found = export_services(_visible(request).filter(public_id=id))
    return found[0] if found else _error(404, _("Not found"))


# --- writing ------------------------------------------------------------------------------


def _write_options(*, id_required: bool) -> dict[str, Any]:
    """What the write routes declare. The body is read by the importer, not by ninja: the
    OpenAPI file names the fields HSDS requires, and the importer checks the rest (422)."""
    service = TABLES["service"]
    required = [f for f in service.required if id_required or f != "id"]
    body = {
        "type": "object",
        "required": required,
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "name": {"type": "string", "minLength": 1},
            "status": {"type": "string", "enum": list(service.fields["status"].enum)},
        },
    }
    return {
        "auth": TokenAuth(),
        "response": {
            200: dict[str, Any],
            201: dict[str, Any],
            403: dict[str, Any],
            404: dict[str, Any],
            409: dict[str, Any],
            422: dict[str, Any],
        },
        "openapi_extra": {
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": body}},
                "description": "An HSDS 3.0 service object (compiled service schema).",
            }
        },
    }


def _body(request: HttpRequest) -> Any:
    """The parsed JSON body, or None when it is not JSON."""
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: "[[[[…" nested deeper than the parser goes, in a few kilobytes.
        return None


def _write(request: HttpRequest, path_id: str | None, *, create_only: bool) -> Any:
    token = _token(request)
    if token is None or Cap.MANAGE_CATALOG not in capabilities_of(token.role):
        return _error(403, _("This token may not change the catalog."))
    data = _body(request)
    if not isinstance(data, dict):
        problem = {"index": 1, "id": "", "field": "", "code": "type", "severity": "error"}
        return _error(422, [{**problem, "reason": _("The body must be one JSON service object.")}])
    if path_id is not None:
        if data.get("id") not in (None, path_id):
            reason = _("differs from the id in the address")
            return _error(422, [{"index": 1, "id": path_id, "field": "id", "reason": reason}])
        data = {**data, "id": path_id}
    elif create_only and data.get("id") is None:
        data = {**data, "id": str(uuid.uuid4())}
    sid = data.get("id")
    existing = Service.objects.filter(public_id=sid).first() if is_uuid(sid) else None
    if existing is not None and existing.organization_id != token.organization_id:
        return _error(403, _("The service belongs to another organisation."))
    if existing is not None and create_only:
        return _error(409, _("A service with this id exists: use PUT to replace it."))
    given = data.get("organization_id") or (
        data["organization"].get("id") if isinstance(data.get("organization"), dict) else None
    )
    if given is not None and given != str(token.organization.public_id):
        return _error(403, _("A token writes only its own organisation's services."))
    report = import_services(
        data,
        actor=TokenActor(token),
        organization=token.organization,
        update_organizations=False,
        source=f"API: {token.name}",
    )
    if not report.ok:
        return _error(422, report.as_dicts())
    service = export_services(Service.objects.filter(public_id=data["id"]))[0]
    warnings = [p.as_dict() for p in report.warnings]
    return Status(201 if report.created else 200, {"service": service, "warnings": warnings})


@router.post(
    "/services",
    summary="Create a service of the token's organisation",
    **_write_options(id_required=False),
)
def create_service(request: HttpRequest) -> Any:
    return _write(request, None, create_only=True)


@router.put(
    "/services",
    summary="Create or replace a service (id in the body)",
    **_write_options(id_required=True),
)
def put_service(request: HttpRequest) -> Any:
    return _write(request, None, create_only=False)


@router.put(
    "/services/{id}",
    summary="Create or replace the service with this id",
    **_write_options(id_required=False),
)
def put_service_by_id(request: HttpRequest, id: str) -> Any:
    if not is_uuid(id):
        return _error(404, _("Not found"))
    return _write(request, id, create_only=False)
