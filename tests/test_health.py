"""Liveness and readiness answer anyone, carry no data, and are never cached."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError
from django.test import Client


@pytest.mark.django_db
def test_healthz_answers_without_login() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_checks_the_database(monkeypatch: Any) -> None:
    assert Client().get("/readyz").status_code == 200

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise DatabaseError("server closed the connection unexpectedly")

    from django.db import connection
    from django.test import RequestFactory

    from config.health import readyz

    # The view alone: with the database gone, the middleware would fail before it anyway.
    monkeypatch.setattr(connection, "cursor", broken)
    response = readyz(RequestFactory().get("/readyz"))
    assert response.status_code == 503
    assert b"database unavailable" in response.content
