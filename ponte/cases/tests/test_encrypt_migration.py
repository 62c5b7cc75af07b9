"""Rows written before free text about work was encrypted are encrypted by the migration."""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from ponte.cases.factories import CaseFactory
from ponte.cases.models import Outcome

migration = importlib.import_module("ponte.cases.migrations.0004_encrypt_work_free_text")


@pytest.mark.django_db
def test_plain_rows_become_encrypted_and_read_back(world: Any) -> None:
    case = CaseFactory(access_point=world.own_access_point)
    outcome = Outcome.objects.create(case=case, kind="course", achieved_on=timezone.localdate())
    with connection.cursor() as cursor:  # as an old row: plain text in the column
        cursor.execute(
            "UPDATE cases_outcome SET description = %s WHERE id = %s",
            ["Corso di saldatura (fittizio)", outcome.pk],
        )
    # What the migration's function uses of a schema editor (a real one cannot open inside the
    # test's transaction on SQLite).
    editor = SimpleNamespace(connection=connection, quote_name=connection.ops.quote_name)
    migration.encrypt_existing(None, editor)
    with connection.cursor() as cursor:
        cursor.execute("SELECT description FROM cases_outcome WHERE id = %s", [outcome.pk])
        stored = cursor.fetchone()[0]
    assert "saldatura" not in stored
    outcome.refresh_from_db()
    assert outcome.description == "Corso di saldatura (fittizio)"
