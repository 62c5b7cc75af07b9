"""The real sign-in in a browser: e-mail and password, then the authenticator code."""

from __future__ import annotations

import re
import secrets
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django_otp.oath import totp
from playwright.sync_api import expect

from ponte.accounts.models import EncryptedTOTPDevice
from ponte.network.factories import TEST_PASSWORD


def code_for(key: str) -> str:
    return f"{totp(bytes.fromhex(key)):06d}"


def italian(message: str) -> str:
    with translation.override("it"):
        return gettext(message)


@pytest.mark.browser
def test_password_then_totp_code_reaches_the_home_page(kit: Any, world: Any) -> None:
    user = world.users["coordinator"]
    key = secrets.token_hex(20)
    EncryptedTOTPDevice.objects.create(user=user, name="app", key=key, confirmed=True)
    page = kit.tab(kit.context()).page

    # Anonymous: the home page sends to the login form, which keeps where to go next.
    page.goto(kit.url(reverse("home")))
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.locator("html")).to_have_attribute("lang", "it")

    # A wrong password: one message that does not say which part was wrong.
    page.get_by_label(re.compile("E-mail")).fill(user.email)
    page.locator("#id_password").fill("not-the-password")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#form-errors")).to_be_visible()
    expect(page.locator("#form-errors")).to_contain_text(
        italian(
            "E-mail or password not correct. After 5 failed attempts the account "
            "is locked from this network for 15 minutes."
        )
    )
    expect(page.locator("#form-errors")).to_be_focused()

    page.locator("#id_password").fill(TEST_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/verify/\?next=(/|%2F)$"))
    expect(page.locator("#id_token")).to_be_focused()  # autofocus on the code field

    # A wrong code: a clear error, tied to the field, and focus on the summary.
    right = code_for(key)
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
    page.locator("#id_token").fill(wrong)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/accounts/verify/"))
    error = page.locator("#id_token_error")
    expect(error).to_have_text(
        italian("The code is not valid or was already used. Try the next one.")
    )
    expect(page.locator("#id_token")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_token")).to_have_accessible_description(
        re.compile(
            re.escape(italian("The code is not valid or was already used. Try the next one."))
        )
    )
    expect(page.locator("#form-errors")).to_be_focused()

    # After a failure the device is throttled for one second.
    page.wait_for_timeout(1100)
    page.locator("#id_token").fill(code_for(key))
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(kit.url("/"))
    expect(page.locator("h1")).to_contain_text(user.display_name)
    expect(page.get_by_role("link", name=user.display_name)).to_be_visible()
