from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin
from django_otp.oath import TOTP

from ponte.common.fields import EncryptedTextField


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True, is_platform_admin=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):  # type: ignore[django-manager-missing]
    """An operator. Logs in with an e-mail address; roles come from memberships (network)."""

    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    preferred_language = models.CharField(
        _("language"), max_length=8, default="it", choices=[("it", "Italiano"), ("en", "English")]
    )
    is_active = models.BooleanField(_("active"), default=True)  # type: ignore[misc]
    is_staff = models.BooleanField(_("Django admin access"), default=False)
    is_platform_admin = models.BooleanField(_("platform administrator"), default=False)
    is_demo = models.BooleanField(_("demo account"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()
    encryptedtotpdevice_set: Any  # reverse accessor, declared for the type checker

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def display_name(self) -> str:
        return self.full_name or self.email


class LoginSession(models.Model):
    """Links a server-side session to its user, so sessions can be listed and ended."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"


class EncryptedTOTPDevice(ThrottlingMixin, Device):
    """TOTP device whose seed is encrypted at rest (django-otp keeps it in clear).

    Verification follows RFC 6238 through django-otp's TOTP; ``last_t`` makes every code
    usable once, and ThrottlingMixin slows down guessing.
    """

    key = EncryptedTextField(help_text="hex-encoded secret")
    last_t = models.BigIntegerField(default=-1)
    step = 30
    digits = 6
    token_length = 6
    tolerance = 1

    class Meta(Device.Meta):
        verbose_name = _("authenticator app")

    @property
    def bin_key(self) -> bytes:
        return bytes.fromhex(self.key)

    def get_throttle_factor(self) -> int:
        return 1

    def _totp(self) -> TOTP:
        totp = TOTP(self.bin_key, self.step, 0, self.digits, 0)
        totp.time = time.time()
        return totp

    def verify_token(self, token: Any) -> bool:
        allowed, _details = self.verify_is_allowed()
        if not allowed:
            return False
        try:
            code = int(str(token).strip())
        except ValueError:
            self.throttle_increment()
            return False
        totp = self._totp()
        if totp.verify(code, self.tolerance, self.last_t + 1):
            self.last_t = totp.t()
            self.throttle_reset(commit=False)
            self.save()
            return True
        self.throttle_increment()
        return False


def backup_code_digest(user_id: int, code: str) -> str:
    """Keyed hash of a backup code: a database dump alone does not reveal usable codes."""
    return salted_hmac(
        "ponte.accounts.backup-code", f"{user_id}:{code}", algorithm="sha256"
    ).hexdigest()


class BackupCodeDevice(ThrottlingMixin, Device):
    """One-time backup codes, stored as keyed hashes (django-otp's static codes are clear)."""

    token_length = 8

    class Meta(Device.Meta):
        verbose_name = _("backup codes")

    def get_throttle_factor(self) -> int:
        return 1

    def verify_token(self, token: Any) -> bool:
        allowed, _details = self.verify_is_allowed()
        if not allowed:
            return False
        digest = backup_code_digest(self.user_id, str(token).strip())
        # delete() reports how many rows went: under concurrency only one request wins.
        deleted, _per_model = self.codes.filter(code_hash=digest).delete()
        if deleted:
            self.throttle_reset()
            return True
        self.throttle_increment()
        return False


class BackupCode(models.Model):
    device = models.ForeignKey(BackupCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64, db_index=True)

    def __str__(self) -> str:
        return f"backup code {self.pk}"
