from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_operator_pages_fall_back_to_italian_for_guide_only_languages() -> None:
    page = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ar")
    assert page.status_code == 200
    assert '<html lang="it" dir="ltr">' in page.content.decode()
    english = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en" dir="ltr">' in english.content.decode()
