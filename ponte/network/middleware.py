from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import devices_for_user

from ponte.network.roles import requires_second_factor

# Paths a signed-in but not yet verified user may reach: the 2FA steps themselves.
_ALLOWED_NAMES = ("accounts:verify", "accounts:setup", "accounts:logout", "set_language")


class SecondFactorRequiredMiddleware:
    """After the password, nothing but the second-factor pages until the code is given.

    Applies to every role that can see personal data (roles.requires_second_factor);
    the demo (PONTE_DEMO=1) relaxes it so people can try Ponte without a phone app.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._allowed: set[str] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            settings.PONTE_REQUIRE_2FA
            and user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(settings.STATIC_URL)
            and not request.path.startswith(("/api/", "/guida/"))  # token API; public guide
        ):
            if self._allowed is None:
                self._allowed = {reverse(name) for name in _ALLOWED_NAMES}
            if request.path not in self._allowed and requires_second_factor(user):
                has_device = any(True for _d in devices_for_user(user))
                target = "accounts:verify" if has_device else "accounts:setup"
                return redirect(f"{reverse(target)}?next={request.path}")
        return self.get_response(request)
