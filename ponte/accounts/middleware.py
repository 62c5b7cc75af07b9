from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

AUTH_AT_KEY = "_ponte_auth_at"


class SessionLifetimeMiddleware:
    """End a session whose absolute lifetime is over, however active it was.

    The idle timeout is Django's own: SESSION_COOKIE_AGE with SESSION_SAVE_EVERY_REQUEST.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        auth_at = request.session.get(AUTH_AT_KEY)
        if auth_at is not None and time.time() - auth_at > settings.PONTE_SESSION_ABSOLUTE_SECONDS:
            request.session.flush()
        return self.get_response(request)
