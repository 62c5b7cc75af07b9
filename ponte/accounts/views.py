from __future__ import annotations

import base64
import time
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login

from ponte.accounts import services
from ponte.accounts.forms import LoginForm, ProfileForm, SetupTokenForm, TokenForm
from ponte.accounts.http import AuthedRequest
from ponte.accounts.models import EncryptedTOTPDevice, LoginSession
from ponte.audit.services import record
from ponte.common.access import access_rule

SETUP_SECRET_KEY = "_ponte_totp_setup_secret"  # noqa: S105 (a session key name)  # nosec B105
VERIFIED_AT_KEY = "_ponte_verified_at"
STEP_UP_SECONDS = 5 * 60


def _complete_second_factor(request: AuthedRequest, device: Any) -> None:
    """Authentication ends here: mark the session verified and give it a new key (ASVS 7.2.4)."""
    otp_login(request, device)
    old_key = request.session.session_key
    request.session.cycle_key()
    services.relink_session(old_key, request.session.session_key)
    request.session[VERIFIED_AT_KEY] = int(time.time())


def recently_verified(request: HttpRequest) -> bool:
    verified_at = request.session.get(VERIFIED_AT_KEY, 0)
    return time.time() - verified_at < STEP_UP_SECONDS


def _step_up(request: HttpRequest, next_url: str) -> HttpResponse:
    """Changing the second factor needs the current one again, typed now (ASVS 7.5.1)."""
    messages.info(request, _("For your safety, confirm with a code first."))
    return redirect(f"{reverse('accounts:verify')}?{urlencode({'next': next_url, 'reauth': 1})}")


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _remember_language(response: HttpResponse, language: str) -> None:
    """The interface follows the operator's chosen language from the next page on."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )


@access_rule("public")
@login_not_required
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.user_cache, backend="django.contrib.auth.backends.ModelBackend")
        nxt = _safe_next(request)
        if any(True for _d in devices_for_user(form.user_cache)):
            response = redirect(f"{reverse('accounts:verify')}?{urlencode({'next': nxt})}")
        else:
            response = redirect(nxt)
        _remember_language(response, form.user_cache.preferred_language)
        return response
    return render(
        request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")}
    )


@access_rule("authenticated")
@require_http_methods(["GET", "POST"])
def verify_view(request: AuthedRequest) -> HttpResponse:
    """Second step of login (a TOTP code or a one-time backup code), and the step-up check."""
    reauth = bool(request.GET.get("reauth") or request.POST.get("reauth"))
    if request.user.is_verified() and not reauth:  # type: ignore[attr-defined]
        return redirect(_safe_next(request))
    devices = list(devices_for_user(request.user))
    if not devices:
        return redirect("accounts:setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        # Only the device the code is shaped for: a backup code typed in must not count as a
        # failed TOTP guess (which would throttle the app code for the next attempt).
        for device in [d for d in devices if getattr(d, "token_length", len(token)) == len(token)]:
            # Lock the device row: a code must work once even under concurrent requests.
            locked = type(device).objects.select_for_update().get(pk=device.pk)
            if locked.verify_token(token):
                _complete_second_factor(request, locked)
                record(
                    "auth.2fa_verified",
                    actor=request.user,
                    target=request.user,
                    data={"method": type(device).__name__, "step_up": reauth},
                    request=request,
                )
                return redirect(_safe_next(request))
        record("auth.2fa_failed", actor=request.user, target=request.user, request=request)
        form.add_error("token", _("The code is not valid or was already used. Try the next one."))
    return render(
        request,
        "accounts/verify.html",
        {"form": form, "next": request.GET.get("next", ""), "reauth": reauth},
    )


@access_rule("authenticated")
@require_http_methods(["GET", "POST"])
def setup_view(request: AuthedRequest) -> HttpResponse:
    """Enrol an authenticator app: show the secret as a QR code, confirm with a code."""
    user = request.user
    has_device = EncryptedTOTPDevice.objects.filter(user=user, confirmed=True).exists()
    if has_device and not recently_verified(request):
        return _step_up(request, reverse("accounts:setup"))
    secret = request.session.get(SETUP_SECRET_KEY)
    if not secret or request.method == "GET":
        secret = services.new_totp_secret()
        request.session[SETUP_SECRET_KEY] = secret
    form = SetupTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.confirm_totp_device(
            user, secret_hex=secret, token=form.cleaned_data["token"]
        )
        if device is not None:
            del request.session[SETUP_SECRET_KEY]
            _complete_second_factor(request, device)
            if has_device:
                # A replaced factor ends every other session: they may be the attacker's.
                services.end_sessions(user, keep_session_key=request.session.session_key)
            codes = services.regenerate_backup_codes(user)
            return render(request, "accounts/backup_codes.html", {"codes": codes})
        form.add_error(
            "token", _("The code does not match. Check the time on your phone and retry.")
        )
    b32 = base64.b32encode(bytes.fromhex(secret)).decode().rstrip("=")
    uri = f"otpauth://totp/Ponte:{user.email}?secret={b32}&issuer=Ponte&digits=6&period=30"
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
    grouped = " ".join(b32[i : i + 4] for i in range(0, len(b32), 4))
    return render(request, "accounts/setup.html", {"form": form, "qr": qr, "secret": grouped})


@access_rule("authenticated")
@require_POST
def backup_codes_view(request: AuthedRequest) -> HttpResponse:
    if not recently_verified(request):
        return _step_up(request, reverse("accounts:profile"))
    codes = services.regenerate_backup_codes(request.user)
    return render(request, "accounts/backup_codes.html", {"codes": codes})


@access_rule("authenticated")
@require_POST
def logout_view(request: AuthedRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("accounts:login")


@access_rule("authenticated")
@require_http_methods(["GET", "POST"])
def profile_view(request: AuthedRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={
            "full_name": user.full_name,
            "phone": user.phone,
            "preferred_language": user.preferred_language,
        },
    )
    if request.method == "POST" and form.is_valid():
        for field, value in form.cleaned_data.items():
            setattr(user, field, value)
        user.save(update_fields=list(form.cleaned_data))
        record(
            "account.profile_updated",
            actor=user,
            target=user,
            data={"fields": list(form.changed_data)},
        )
        messages.success(request, _("Profile saved."))
        response = redirect("accounts:profile")
        _remember_language(response, form.cleaned_data["preferred_language"])
        return response
    sessions = LoginSession.objects.filter(user=user)
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "sessions": sessions,
            "current_key": request.session.session_key,
            "has_totp": EncryptedTOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        },
    )


@access_rule("authenticated")
@require_POST
def end_other_sessions_view(request: AuthedRequest) -> HttpResponse:
    ended = services.end_sessions(request.user, keep_session_key=request.session.session_key)
    record("auth.sessions_ended", actor=request.user, target=request.user, data={"count": ended})
    messages.success(request, _("Other sessions ended: %(n)d.") % {"n": ended})
    return redirect("accounts:profile")


@access_rule("authenticated")
@require_http_methods(["GET", "POST"])
def password_change_view(request: AuthedRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        old_key = request.session.session_key
        update_session_auth_hash(request, user)
        services.relink_session(old_key, request.session.session_key)
        # A changed password ends every other session (ASVS 7.4.3).
        services.end_sessions(user, keep_session_key=request.session.session_key)
        record("auth.password_changed", actor=user, target=user, request=request)
        messages.success(request, _("Password changed; your other sessions were ended."))
        return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form})


class AuditedPasswordResetView(auth_views.PasswordResetView):
    def form_valid(self, form: Any) -> HttpResponse:
        # The typed address is not recorded: it might not belong to anyone.
        record("auth.password_reset_requested", actor=None, request=self.request)
        return super().form_valid(form)


class AuditedPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.user
        # Whoever held a session before the reset must not keep it.
        ended = services.end_sessions(user)
        record(
            "auth.password_reset_done",
            actor=user,
            target=user,
            data={"sessions_ended": ended},
            request=self.request,
        )
        return response
