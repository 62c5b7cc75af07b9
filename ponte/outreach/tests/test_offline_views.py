"""The quick-entry page, its service worker and the CSRF endpoint for pages opened offline."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import resolve

from conftest import World, verified_client
from ponte.network.roles import Cap
from ponte.outreach import offline_views
from ponte.outreach.offline_views import CSRF_PATH, QUICK_PATH, SW_PATH

pytestmark = pytest.mark.django_db


def test_the_routes_declare_their_access() -> None:
    assert resolve(QUICK_PATH).func.ponte_access.startswith("capability:record_outreach")
    assert resolve(CSRF_PATH).func.ponte_access.startswith("authenticated")
    assert resolve(SW_PATH).func.ponte_access.startswith("public")


def test_the_page_needs_the_right_to_record_outreach() -> None:
    assert Cap.RECORD_OUTREACH == offline_views.RECORD_CAP


def test_service_worker_headers_and_scope(world: World) -> None:
    response = Client().get(SW_PATH)  # no data in it: served to anyone, like a static file
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/outreach/"
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    for url in (
        QUICK_PATH,
        "/static/css/bootstrap-italia.min.css",
        "/static/ponte/ponte.css",
        "/static/outreach/quick.js",
        "/static/outreach/queue.js",
        "/api/v1/outreach/options",
    ):
        assert f'"{url}"' in body
    assert "{{" not in body and "{%" not in body
    # The same code gives the same cache name: no needless re-download on every visit.
    again = verified_client(world.users["outreach_worker"]).get(SW_PATH).content.decode()
    name = re.search(r'const CACHE = "(ponte-outreach-[0-9a-f]+)"', body)
    assert name is not None and name.group(1) in again


def test_csrf_endpoint_gives_a_token_to_a_signed_in_user(world: World) -> None:
    client = verified_client(world.users["outreach_worker"])
    client.handler.enforce_csrf_checks = True
    response = client.get(CSRF_PATH)
    assert response.status_code == 200
    token = response.json()["csrfToken"]
    assert len(token) >= 32
    assert "no-store" in response["Cache-Control"]


def test_csrf_endpoint_sends_anonymous_visitors_to_sign_in() -> None:
    response = Client().get(CSRF_PATH)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_quick_entry_for_an_outreach_worker(world: World) -> None:
    response = verified_client(world.users["outreach_worker"]).get(QUICK_PATH)
    assert response.status_code == 200
    html = response.content.decode()
    assert str(world.own_access_point.public_id) in html
    assert str(world.foreign_access_point.public_id) not in html
    # Codes from codes.py and the catalogue's areas, for the quick tags.
    for code in ("territorial", "ilo_debt_bondage", "wages", "logistics", "pua_appointment"):
        assert f'value="{code}"' in html
    # Strict CSP: scripts and styles only from files.
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    assert " style=" not in html and "<style" not in html
    assert 'aria-live="polite"' in html
    assert "no-store" in response["Cache-Control"]


def test_quick_entry_lists_only_the_users_own_access_points(world: World) -> None:
    html = verified_client(world.users["coordinator@foreign"]).get(QUICK_PATH).content.decode()
    assert str(world.foreign_access_point.public_id) in html
    assert str(world.own_access_point.public_id) not in html


@pytest.mark.parametrize("persona", ["analyst", "specialist", "no_membership"])
def test_quick_entry_refused_without_the_right(world: World, persona: str) -> None:
    assert verified_client(world.users[persona]).get(QUICK_PATH).status_code == 403


def test_quick_entry_sends_anonymous_visitors_to_sign_in() -> None:
    response = Client().get(QUICK_PATH)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_quick_entry_only_answers_get(world: World) -> None:
    client = verified_client(world.users["outreach_worker"])
    assert client.post(QUICK_PATH).status_code == 405
