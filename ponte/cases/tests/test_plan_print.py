"""The person's copy: every language with its direction, nothing operator-only, offline PDF."""

from __future__ import annotations

import re
import socket
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from conftest import verified_client
from ponte.audit.models import AuditEvent
from ponte.cases.models import Case
from ponte.cases.pdf import NetworkFetchRefused, offline_url_fetcher, render_pdf
from ponte.cases.services import plan as svc
from ponte.cases.tests.test_plan_services import draft, make_case
from ponte.network.models import Site

LANGS = ["it", "en", "fr", "ar", "ur", "pa", "bn", "es"]


@pytest.fixture
def case(world: Any) -> Case:
    c = make_case(world)
    c.person.family_name = "Cognomefittizio"
    c.person.save()
    draft(c, world.users["case_manager"])
    svc.agree_plan(
        c, actor=world.users["case_manager"], agreed_on=timezone.localdate(), language="fr"
    )
    Site.objects.create(
        access_point=world.own_access_point,
        name="Sede fittizia",
        address="Via Immaginaria 1",
        opening_hours="lun 9-13",
    )
    return c


def test_all_languages_are_offered() -> None:
    assert set(LANGS) <= {code for code, _name in settings.LANGUAGES}


@pytest.mark.parametrize("lang", LANGS)
def test_print_page_in_each_language(world: Any, case: Case, lang: str) -> None:
    client = verified_client(world.users["specialist"])
    url = reverse("cases:plan_print", args=[case.public_id, 1])
    response = client.get(url, {"lang": lang})
    assert response.status_code == 200
    html = response.content.decode()
    direction = "rtl" if lang in ("ar", "ur") else "ltr"
    assert re.search(rf'<html lang="{lang}" dir="{direction}">', html)
    assert case.person.given_name in html
    assert "Cognomefittizio" not in html
    assert "Sede fittizia" in html
    assert "Iscriversi al corso" in html
    event = AuditEvent.objects.filter(action="cases.plan_printed").latest("pk")
    assert event.data["lang"] == lang


def test_print_defaults_to_the_plan_language_and_says_nothing_operator_only(
    world: Any, case: Case
) -> None:
    client = verified_client(world.users["case_manager"])
    response = client.get(reverse("cases:plan_print", args=[case.public_id, 1]))
    html = response.content.decode().lower()
    assert '<html lang="fr"' in html
    for word in ("trafficking", "exploitation", "sfruttamento", "tratta", "assessment"):
        assert word not in html
    unknown = client.get(reverse("cases:plan_print", args=[case.public_id, 1]), {"lang": "xx"})
    assert unknown.status_code == 200


def test_print_of_a_missing_revision_is_404(world: Any, case: Case) -> None:
    client = verified_client(world.users["case_manager"])
    assert client.get(reverse("cases:plan_print", args=[case.public_id, 9])).status_code == 404


@pytest.mark.parametrize("role", ["analyst", "coordinator@foreign", "no_membership"])
def test_print_and_pdf_hidden_from_others(world: Any, case: Case, role: str) -> None:
    client = verified_client(world.users[role])
    for name in ("cases:plan_print", "cases:plan_pdf"):
        assert client.get(reverse(name, args=[case.public_id, 1])).status_code == 404


def _no_network(monkeypatch: Any) -> list[Any]:
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise AssertionError("network access during PDF rendering")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


@pytest.mark.parametrize("lang", ["ar", "bn"])
def test_pdf_download(world: Any, case: Case, lang: str, monkeypatch: Any) -> None:
    attempts = _no_network(monkeypatch)
    client = verified_client(world.users["case_manager"])
    response = client.get(reverse("cases:plan_pdf", args=[case.public_id, 1]), {"lang": lang})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    disposition = response["Content-Disposition"]
    assert disposition == f'attachment; filename="piano-{case.reference}-r1.pdf"'
    assert case.person.given_name not in disposition
    assert not attempts
    event = AuditEvent.objects.filter(action="cases.plan_printed").latest("pk")
    assert event.data == {"case": str(case.public_id), "revision": 1, "lang": lang, "format": "pdf"}


def test_pdf_helper_refuses_remote_urls(db: Any, monkeypatch: Any, tmp_path: Any) -> None:
    attempts = _no_network(monkeypatch)
    fetcher = offline_url_fetcher()
    with pytest.raises(NetworkFetchRefused):
        fetcher.fetch("https://example.com/tracker.png")
    with pytest.raises(NetworkFetchRefused):
        fetcher.fetch("http://example.com/font.woff2")
    outside = tmp_path / "secret.txt"
    outside.write_text("no")
    with pytest.raises(NetworkFetchRefused):
        fetcher.fetch(outside.as_uri())
    template = tmp_path / "remote.html"
    template.write_text('<p>x</p><img src="https://example.com/x.png">')
    from django.template import engines

    engine = engines["django"]
    monkeypatch.setattr(
        "ponte.cases.pdf.render_to_string",
        lambda name, context, request=None: engine.from_string(template.read_text()).render(
            context
        ),
    )
    assert render_pdf("remote.html", {}).startswith(b"%PDF")
    assert not attempts
