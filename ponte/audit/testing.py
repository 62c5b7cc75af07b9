"""Helpers for other apps' tests: assert that an action left its audit row."""

from __future__ import annotations

from typing import Any

from django.db import connection, models

from ponte.audit.models import AuditEvent


def audit_events(action: str, target: models.Model | None = None) -> list[AuditEvent]:
    events = AuditEvent.objects.filter(action=action)
    if target is not None:
        target_id = str(getattr(target, "public_id", None) or target.pk)
        events = events.filter(target_type=target._meta.label, target_id=target_id)
    return list(events)


def assert_audited(action: str, target: models.Model | None = None, **data: Any) -> AuditEvent:
    events = audit_events(action, target)
    assert events, f"no audit event {action!r} for {target!r}"
    event = events[0]
    for key, value in data.items():
        assert event.data.get(key) == value, (
            f"audit data {key}={event.data.get(key)!r} != {value!r}"
        )
    return event


def _guard_sql() -> tuple[list[str], list[str]]:
    from importlib import import_module

    migration = import_module("ponte.audit.migrations.0002_append_only")
    if connection.vendor == "postgresql":
        return (
            ["ALTER TABLE audit_auditevent ENABLE TRIGGER USER"],
            ["ALTER TABLE audit_auditevent DISABLE TRIGGER USER"],
        )
    return migration.SQLITE_UP, migration.SQLITE_DOWN


def enable_append_only_guard() -> None:
    with connection.cursor() as cursor:
        for statement in _guard_sql()[0]:
            cursor.execute(statement)


def disable_append_only_guard() -> None:
    """Only for tests: transactional tests empty every table between tests, and a DBA's
    bypass must be simulated to prove the hash chain catches what the guard did not."""
    with connection.cursor() as cursor:
        for statement in _guard_sql()[1]:
            cursor.execute(statement)
