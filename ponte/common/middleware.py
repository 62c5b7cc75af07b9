from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_cache_control

from ponte.audit.services import record_now


class NoStoreMiddleware:
    """Signed-in pages and API answers may carry personal data: nobody may keep a copy.

    Public pages and static files (served earlier by WhiteNoise) are unaffected.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or request.path.startswith("/api/"):
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response


class OperatorLanguageMiddleware:
    """Operators' pages speak Italian or English; the public guide (under /guida/) picks its
    own language from the URL. A browser asking for Arabic gets the operator UI in Italian,
    not a half-translated page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/guida/"):
            language = translation.get_language() or settings.LANGUAGE_CODE
            if language.split("-")[0] not in settings.PONTE_OPERATOR_LANGUAGES:
                translation.activate(settings.LANGUAGE_CODE)
                request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        return self.get_response(request)


class DeniedAccessAuditMiddleware:
    """Every refused request (403) leaves an audit row (ASVS 16.3.2): an insider probing other
    organisations is seen. Written in its own transaction, because the request's one has
    already been rolled back when the exception gets here."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, PermissionDenied):
            match = getattr(request, "resolver_match", None)
            record_now(
                "authz.denied",
                actor=getattr(request, "user", None),
                data={"view": match.view_name if match else "", "method": request.method},
                request=request,
            )
