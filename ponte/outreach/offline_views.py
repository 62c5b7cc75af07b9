"""The quick-entry page of the street unit and what makes it work offline.

The page is rendered on the server (every label translated, every code from `codes.py`), then
`quick.js` queues each entry in IndexedDB and sends the queue to the sync API
(SYNC_CONTRACT.md) when there is a connection. The service worker (`sw.js`, served from
/outreach/ so that its scope covers the page) keeps a copy of the page, its CSS and JS, and of
the options JSON, so the page opens with no signal at all.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from ponte.accounts.http import AuthedRequest
from ponte.catalog.taxonomy import COMMON_LANGUAGES, Area
from ponte.common.access import access_rule
from ponte.network.models import AccessPoint, TeamMember
from ponte.network.roles import Cap, has_cap_anywhere, organizations_with_cap
from ponte.outreach.codes import AgeBand, Gender, MaterialKind, Method, NextStep, Sector, Signal

# The capability the backend adds for recording outreach; until then, personal data.
RECORD_CAP: Cap = getattr(Cap, "RECORD_OUTREACH", Cap.VIEW_PERSONAL_DATA)

# The page routes (offline_urls.py, mounted under /outreach/ by the app's urls.py). Plain paths:
# the service worker's scope and cache keys are paths, whatever namespace includes them.
QUICK_PATH = "/outreach/quick/"
CSRF_PATH = "/outreach/csrf/"
SW_PATH = "/outreach/sw.js"
SYNC_PATH = "/api/v1/outreach/sync"
OPTIONS_PATH = "/api/v1/outreach/options"

# Bump when the service worker's own logic changes (the asset list is hashed in anyway).
SW_VERSION = "1"

# The nationalities met most often by the units (ISO 3166-1 alpha-2); "other" is typed.
NATIONALITIES: list[tuple[str, Any]] = [
    ("IN", _("India")),
    ("PK", _("Pakistan")),
    ("BD", _("Bangladesh")),
    ("MA", _("Morocco")),
    ("TN", _("Tunisia")),
    ("EG", _("Egypt")),
    ("SN", _("Senegal")),
    ("GM", _("Gambia")),
    ("ML", _("Mali")),
    ("NG", _("Nigeria")),
    ("GH", _("Ghana")),
    ("CI", _("Côte d'Ivoire")),
    ("AL", _("Albania")),
    ("RO", _("Romania")),
    ("BG", _("Bulgaria")),
    ("UA", _("Ukraine")),
    ("CN", _("China")),
    ("IT", _("Italy")),
]


def _precache_urls() -> list[str]:
    """What the page needs to open with no connection, in the order the worker fetches it."""
    return [
        QUICK_PATH,
        static("css/bootstrap-italia.min.css"),
        static("ponte/fonts.css"),
        static("ponte/ponte.css"),
        static("outreach/quick.css"),
        static("django_htmx/htmx-2.min.js"),
        static("ponte/ponte.js"),
        static("outreach/queue.js"),
        static("outreach/quick.js"),
    ]


def _recording_access_points(user: Any) -> list[AccessPoint]:
    """The PUAs the user may record outreach for; their own team's first."""
    if getattr(user, "is_platform_admin", False):
        points = AccessPoint.objects.filter(is_active=True)
    else:
        points = AccessPoint.objects.filter(
            is_active=True, lead_organization_id__in=organizations_with_cap(user, RECORD_CAP)
        )
    own_team = set(
        TeamMember.objects.filter(user=user, access_point__in=points).values_list(
            "access_point_id", flat=True
        )
    )
    return sorted(points.order_by("name"), key=lambda ap: ap.pk not in own_team)


def _places(user: Any, access_points: list[AccessPoint]) -> list[Any]:
    from ponte.outreach.models import Place

    org_ids = {ap.lead_organization_id for ap in access_points}
    return list(
        Place.objects.visible_to(user)
        .filter(organization_id__in=org_ids, is_active=True)
        .order_by("name")[:300]
    )


@access_rule("capability:record_outreach", "the quick entry of outings and contacts")
@require_GET
def quick_entry(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if not has_cap_anywhere(user, RECORD_CAP):
        raise PermissionDenied
    access_points = _recording_access_points(user)
    now = timezone.localtime()
    context = {
        "access_points": access_points,
        "places": _places(user, access_points),
        "today": now.date().isoformat(),
        "now": now.strftime("%H:%M"),
        "methods": Method.choices,
        "genders": Gender.choices,
        "age_bands": AgeBand.choices,
        "sectors": Sector.choices,
        "signals_603": [c for c in Signal.choices if not c[0].startswith("ilo_")],
        "signals_ilo": [c for c in Signal.choices if c[0].startswith("ilo_")],
        "needs": Area.choices,
        "next_steps": NextStep.choices,
        "material_kinds": MaterialKind.choices,
        "nationalities": NATIONALITIES,
        "languages": COMMON_LANGUAGES[:10],
        "sync_url": SYNC_PATH,
        "options_url": OPTIONS_PATH,
        "csrf_url": CSRF_PATH,
        "sw_url": SW_PATH,
        "user_key": hashlib.sha256(str(user.pk).encode()).hexdigest()[:16],
    }
    return render(request, "outreach/quick_entry.html", context)


@access_rule("authenticated", "a fresh CSRF token for a page that was opened from the cache")
@require_GET
def csrf(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"csrfToken": get_token(request)})


@access_rule("public", "the service worker's code; holds no data")
@login_not_required
@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    urls = _precache_urls()
    optional = [OPTIONS_PATH]
    fingerprint = hashlib.sha256(json.dumps([SW_VERSION, urls, optional]).encode()).hexdigest()[:12]
    response = render(
        request,
        "outreach/offline_sw.js",
        {
            "cache_name": f"ponte-outreach-{fingerprint}",
            "precache": json.dumps(urls),
            "optional": json.dumps(optional),
            "page_url": json.dumps(QUICK_PATH),
        },
        content_type="application/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = "/outreach/"
    response["Cache-Control"] = "no-store, max-age=0"
    return response
