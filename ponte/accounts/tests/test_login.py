"""Authentication and sessions against SECURITY.md §2 (items 11-23)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp

from ponte.accounts import services
from ponte.accounts.models import EncryptedTOTPDevice, LoginSession
from ponte.audit.testing import assert_audited
from ponte.network.factories import TEST_PASSWORD, MembershipFactory, UserFactory
from ponte.network.roles import Role

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def login(client: Client, email: str, password: str = TEST_PASSWORD, ip: str = "10.0.0.1"):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


@pytest.fixture
def case_manager():
    return MembershipFactory(role=Role.CASE_MANAGER).user


def enrol(user) -> EncryptedTOTPDevice:
    return EncryptedTOTPDevice.objects.create(user=user, name="app", key="ab" * 20, confirmed=True)


def login_and_verify(client: Client, user, ip: str = "10.0.0.1") -> None:
    """Password, then a fresh one-time backup code: a complete login."""
    assert login(client, user.email, ip=ip).status_code == 302
    code = services.regenerate_backup_codes(user)[0]
    assert client.post(reverse("accounts:verify"), {"token": code}).status_code == 302


def test_password_is_argon2id(case_manager):
    assert case_manager.password.startswith("argon2$argon2id$")


def test_session_key_changes_at_login(case_manager):
    client = Client()
    client.get(LOGIN)
    before = client.session.session_key
    login(client, case_manager.email)
    assert client.session.session_key != before
    assert LoginSession.objects.filter(user=case_manager).count() == 1
    assert_audited("auth.login", case_manager)


def test_wrong_password_gives_one_generic_message(case_manager):
    response = login(Client(), case_manager.email, "wrong-password-123")
    assert response.status_code == 200
    assert "not correct" in response.content.decode() or "non corrett" in response.content.decode()
    unknown = login(Client(), "nobody@example.test", "wrong-password-123")
    assert unknown.content.decode().count("alert-danger") == response.content.decode().count(
        "alert-danger"
    )


def test_second_factor_is_required_before_any_page(case_manager):
    client = Client()
    response = login(client, case_manager.email)
    assert response.status_code == 302
    # No device yet: the user is sent to enrol one, and nothing else opens.
    page = client.get(reverse("network:organization_list"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("accounts:setup"))


def test_totp_login_and_code_reuse_refused(case_manager):
    device = enrol(case_manager)
    client = Client()
    response = login(client, case_manager.email)
    assert response["Location"].startswith(reverse("accounts:verify"))
    assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:verify"))
    code = totp(bytes.fromhex(device.key))
    assert client.post(reverse("accounts:verify"), {"token": f"{code:06d}"}).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    # The same code in another session within its 30 seconds is refused (last_t).
    other = Client()
    login(other, case_manager.email, ip="10.0.0.2")
    again = other.post(reverse("accounts:verify"), {"token": f"{code:06d}"})
    assert again.status_code == 200
    assert other.get(reverse("home")).status_code == 302


def test_backup_code_works_once(case_manager):
    enrol(case_manager)
    codes = services.regenerate_backup_codes(case_manager)
    first = Client()
    login(first, case_manager.email)
    assert first.post(reverse("accounts:verify"), {"token": codes[0]}).status_code == 302
    assert first.get(reverse("home")).status_code == 200
    second = Client()
    login(second, case_manager.email, ip="10.0.0.3")
    second.post(reverse("accounts:verify"), {"token": codes[0]})
    assert second.get(reverse("home")).status_code == 302


def test_enrolment_flow_confirms_device_and_shows_backup_codes(case_manager):
    client = Client()
    login(client, case_manager.email)
    page = client.get(reverse("accounts:setup"))
    assert page.status_code == 200 and b"data:image/svg+xml" in page.content
    secret = client.session["_ponte_totp_setup_secret"]
    bad = client.post(reverse("accounts:setup"), {"token": "000000"})
    assert (
        bad.status_code == 200
        and not EncryptedTOTPDevice.objects.filter(user=case_manager).exists()
    )
    code = totp(bytes.fromhex(secret))
    done = client.post(reverse("accounts:setup"), {"token": f"{code:06d}"})
    assert done.status_code == 200 and len(done.context["codes"]) == services.BACKUP_CODE_COUNT
    assert client.get(reverse("home")).status_code == 200
    assert_audited("auth.2fa_enrolled", case_manager)


def test_every_role_needs_the_second_factor_an_account_without_role_does_not():
    analyst = MembershipFactory(role=Role.ANALYST).user
    client = Client()
    login(client, analyst.email)
    assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:setup"))
    nobody = UserFactory()
    other = Client()
    login(other, nobody.email)
    assert other.get(reverse("home")).status_code == 200  # sees nothing but their own profile


def test_demo_mode_relaxes_second_factor(case_manager, settings):
    settings.PONTE_REQUIRE_2FA = False
    client = Client()
    login(client, case_manager.email)
    assert client.get(reverse("home")).status_code == 200


def test_lockout_on_username_and_ip_with_cool_off(case_manager):
    for _ in range(5):
        login(Client(), case_manager.email, "wrong-password-123", ip="10.9.9.9")
    locked = login(Client(), case_manager.email, ip="10.9.9.9")
    assert locked.status_code == 429
    # Another network can still sign in: no malicious lockout of the account.
    assert login(Client(), case_manager.email, ip="10.1.1.1").status_code == 302
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16)):
        assert login(Client(), case_manager.email, ip="10.9.9.9").status_code == 302
    assert_audited("auth.locked_out")


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_idle_timeout_30_minutes():
    analyst = MembershipFactory(role=Role.ANALYST).user
    start = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        client = Client()
        login_and_verify(client, analyst)
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=29), tick=False):
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=29 + 31), tick=False):
        assert client.get(reverse("home")).status_code == 302


def test_absolute_lifetime_10_hours_even_when_active():
    analyst = MembershipFactory(role=Role.ANALYST).user
    start = dt.datetime(2026, 11, 22, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        client = Client()
        login_and_verify(client, analyst)
    for minutes in range(20, 600, 20):  # a click every 20 minutes for 10 hours
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            assert client.get(reverse("home")).status_code == 200, minutes
    with time_machine.travel(start + dt.timedelta(hours=10, minutes=1), tick=False):
        assert client.get(reverse("home")).status_code == 302


def test_logout_kills_the_server_side_session():
    analyst = MembershipFactory(role=Role.ANALYST).user
    client = Client()
    login_and_verify(client, analyst)
    cookie = client.cookies["sessionid"].value
    client.post(reverse("accounts:logout"))
    replay = Client()
    replay.cookies["sessionid"] = cookie
    assert replay.get(reverse("home")).status_code == 302
    assert not Session.objects.filter(session_key=cookie).exists()


def test_deactivation_ends_every_session(case_manager):
    client = _logged_in(case_manager)
    client.get(reverse("home"))
    services.deactivate_user(case_manager, actor=None)
    assert client.get(reverse("home")).status_code == 302
    assert not LoginSession.objects.filter(user=case_manager).exists()
    assert_audited("account.deactivated", case_manager)


def test_end_other_sessions_and_password_change(client_for):
    user = MembershipFactory(role=Role.ANALYST).user
    other = Client()
    login_and_verify(other, user, ip="10.0.0.9")
    me = Client()
    login_and_verify(me, user)
    assert LoginSession.objects.filter(user=user).count() == 2
    me.post(reverse("accounts:end_other_sessions"))
    assert other.get(reverse("home")).status_code == 302
    assert me.get(reverse("home")).status_code == 200


def test_password_reset_never_logs_in(case_manager):
    from django.core import mail

    client = Client()
    client.post(reverse("accounts:password_reset"), {"email": case_manager.email})
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    new = "a-brand-new-long-passphrase-9"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert done.status_code == 302 and done["Location"] == reverse("accounts:login")
    assert client.get(reverse("home")).status_code == 302  # not signed in
    enrol(case_manager)
    response = login(client, case_manager.email, new)
    assert response["Location"].startswith(reverse("accounts:verify"))


def test_short_and_common_passwords_refused():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ["short1", "password1234", "123456789012"]:
        with pytest.raises(ValidationError):
            validate_password(weak, UserFactory.build())
    validate_password("x" * 64 + "-long-passphrase", UserFactory.build())
    with pytest.raises(ValidationError):
        validate_password("y" * 129)


def test_session_key_rotates_when_the_second_factor_completes(case_manager):
    client = Client()
    login(client, case_manager.email)
    after_password = client.session.session_key
    code = services.regenerate_backup_codes(case_manager)[0]
    client.post(reverse("accounts:verify"), {"token": code})
    assert client.session.session_key != after_password
    # The session stays listed (and endable) under its new key.
    assert LoginSession.objects.filter(session_key=client.session.session_key).exists()


def test_backup_codes_are_not_stored_in_clear(case_manager):
    from ponte.accounts.models import BackupCode

    codes = services.regenerate_backup_codes(case_manager)
    stored = set(BackupCode.objects.values_list("code_hash", flat=True))
    assert len(stored) == len(codes) and not stored & set(codes)


def test_replacing_the_factor_needs_a_fresh_code(case_manager):
    device = enrol(case_manager)
    client = Client()
    login_and_verify(client, case_manager)
    # Verified, but not within the last 5 minutes: the step-up check asks for a code again.
    session = client.session
    session["_ponte_verified_at"] = 0
    session.save()
    response = client.get(reverse("accounts:setup"))
    assert response.status_code == 302 and "reauth=1" in response["Location"]
    assert client.post(reverse("accounts:backup_codes")).status_code == 302
    code = totp(bytes.fromhex(device.key))
    step_up = client.post(
        reverse("accounts:verify") + "?reauth=1", {"token": f"{code:06d}", "reauth": "1"}
    )
    assert step_up.status_code == 302, step_up.context["form"].errors
    assert client.get(reverse("accounts:setup")).status_code == 200
    assert client.post(reverse("accounts:backup_codes")).status_code == 200


def test_password_change_keeps_the_session_listed(case_manager):
    client = Client()
    login_and_verify(client, case_manager)
    new = "another-long-passphrase-77"
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert LoginSession.objects.filter(session_key=client.session.session_key).exists()


def test_behind_a_proxy_lockout_follows_the_real_client(case_manager, settings):
    settings.PONTE_PROXY_COUNT = 1
    proxy = "10.0.0.254"
    for _ in range(5):
        Client().post(
            LOGIN,
            {"username": case_manager.email, "password": "wrong-password-123"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR="203.0.113.66",
        )
    victim = Client().post(
        LOGIN,
        {"username": case_manager.email, "password": TEST_PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert victim.status_code == 302  # the attacker's address is locked, not the account
    attacker = Client().post(
        LOGIN,
        {"username": case_manager.email, "password": TEST_PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.66",  # a spoofed left entry changes nothing
    )
    assert attacker.status_code == 429


def test_password_reset_is_audited_and_ends_open_sessions(case_manager):
    from django.core import mail

    from ponte.audit.models import AuditEvent

    stolen = Client()
    login_and_verify(stolen, case_manager)
    client = Client()
    client.post(reverse("accounts:password_reset"), {"email": case_manager.email})
    assert AuditEvent.objects.filter(action="auth.password_reset_requested").exists()
    link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line)
    form_page = client.get(link.split("testserver", 1)[1], follow=True)
    new = "a-brand-new-long-passphrase-9"
    client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert_audited("auth.password_reset_done", case_manager)
    assert stolen.get(reverse("home")).status_code == 302
