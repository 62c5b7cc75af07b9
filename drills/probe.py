"""The drills' look inside the app: Django set up on the environment it is run with.

    python -m drills.probe sync-setup | census | decrypt | write-contact

Each subcommand prints one JSON line. It reads through the app's own code (the key ring of
PONTE_FIELD_KEYS, the fields' decoding, the sync service), so what it reports is what the app
itself would see with that configuration.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import uuid
from collections import Counter
from typing import Any

import django


def _encrypted_fields() -> list[tuple[Any, Any]]:
    """(model, field) for every EncryptedTextField column of every installed model."""
    from django.apps import apps

    from ponte.common.fields import EncryptedTextField

    return [
        (model, f)
        for model in apps.get_models()
        for f in model._meta.concrete_fields
        if isinstance(f, EncryptedTextField)
    ]


def _raw_tokens(model: Any, f: Any, pk: Any = None) -> list[tuple[Any, str]]:
    """(pk, stored token) of the non-empty values, as stored: no decryption on the way."""
    from django.db import connection

    quote = connection.ops.quote_name
    table, column, pk_column = model._meta.db_table, f.column, model._meta.pk.column
    only_one = f" AND {quote(pk_column)} = %s" if pk is not None else ""
    sql = (
        f"SELECT {quote(pk_column)}, {quote(column)} FROM {quote(table)} "  # noqa: S608 - names from _meta
        f"WHERE {quote(column)} IS NOT NULL AND {quote(column)} <> ''{only_one} "
        f"ORDER BY {quote(pk_column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk] if pk is not None else [])
        return list(cursor.fetchall())


def census() -> dict[str, Any]:
    """How many stored values each key id sealed (prefix `pf1:<id>:`)."""
    from ponte.common import crypto

    by_key: Counter[str] = Counter()
    fields = _encrypted_fields()
    for model, f in fields:
        for _pk, token in _raw_tokens(model, f):
            key_id = crypto.key_id_of(token)
            by_key[str(key_id) if key_id is not None else "unreadable"] += 1
    return {"fields": len(fields), "values": sum(by_key.values()), "by_key": dict(by_key)}


def decrypt() -> dict[str, Any]:
    """Decode every stored value the way the ORM does (the field's from_db_value, with its
    model-and-field context) and fingerprint the plaintexts, so two databases or two key rings
    can be compared without printing a single personal value."""
    from django.db import connection

    from ponte.common.crypto import DecryptionError

    digest = hashlib.sha256()
    decrypted, failed = 0, 0
    failures: Counter[str] = Counter()
    by_model: Counter[str] = Counter()
    for model, f in sorted(_encrypted_fields(), key=lambda mf: mf[1].crypto_context):
        for pk, token in _raw_tokens(model, f):
            try:
                plain = f.from_db_value(token, None, connection)
            except DecryptionError:
                failed += 1
                failures[f.crypto_context] += 1
                continue
            decrypted += 1
            by_model[model._meta.label] += 1
            digest.update(f"{f.crypto_context}|{pk}|{plain}\n".encode())
    # The plain ORM read as well, of the first row of each field: what a page would do.
    orm_reads, orm_errors = 0, Counter[str]()
    for model, f in _encrypted_fields():
        row = model._base_manager.exclude(**{f.attname: ""}).order_by("pk").only("pk")
        try:
            first = row.first()
            if first is not None:
                getattr(first, f.attname)  # deferred: loaded and decoded here
                orm_reads += 1
        except DecryptionError as exc:
            orm_errors[type(exc).__name__] += 1
    return {
        "decrypted": decrypted,
        "failed": failed,
        "failed_fields": dict(failures.most_common(5)),
        "models": len(by_model),
        "orm_reads": orm_reads,
        "orm_errors": sum(orm_errors.values()),
        "orm_error_types": sorted(orm_errors),
        "digest": digest.hexdigest(),
    }


def _drill_sender() -> tuple[Any, Any]:
    """An organisation with one PUA and a partner token allowed to record outreach for it."""
    from ponte.accounts.models import User
    from ponte.network.models import AccessPoint, Organization, OrganizationKind
    from ponte.network.roles import Role
    from ponte.network.services import issue_api_token

    admin = User.objects.filter(email="drills-admin@ponte.invalid").first()
    if admin is None:
        admin = User.objects.create_superuser("drills-admin@ponte.invalid", None)
    organization, _ = Organization.objects.get_or_create(
        name="Drills organisation", defaults={"kind": OrganizationKind.OTHER_PUBLIC}
    )
    access_point, _ = AccessPoint.objects.get_or_create(
        name="Drills PUA",
        lead_organization=organization,
        defaults={"form": AccessPoint.Form.VIRTUAL},
    )
    token, raw = issue_api_token(
        actor=admin, organization=organization, name="drills", role=Role.ORG_ADMIN
    )
    return access_point, (token, raw)


def sync_setup() -> dict[str, Any]:
    access_point, (_token, raw) = _drill_sender()
    return {"token": raw, "access_point": str(access_point.public_id)}


def write_contact() -> dict[str, Any]:
    """One contact through the sync service (the API's own write path), with its three
    encrypted fields filled; returns the key ids its stored values carry."""
    from django.utils import timezone

    from ponte.common import crypto
    from ponte.outreach.models import Contact
    from ponte.outreach.services import sync_entries

    access_point, (token, _raw) = _drill_sender()
    public_id = uuid.uuid4()
    data = {
        "channel": "digital",
        "met_at": timezone.now().isoformat(),
        "access_point": str(access_point.public_id),
        "alias": "Drill alias",
        "information_given": "Drill: written after the key rotation began",
        "safe_contact_note": "Drill: only by text message",
    }
    entry = {"kind": "contact", "id": str(public_id), "data": data}
    [result] = sync_entries([entry], actor=None, token=token)
    names = ["alias", "information_given", "safe_contact_note"]
    contact = Contact._base_manager.get(public_id=public_id)
    stored = [
        stored_token
        for name in names
        for _pk, stored_token in _raw_tokens(Contact, Contact._meta.get_field(name), contact.pk)
    ]
    return {
        "status": result.status,
        "read_back": all(getattr(contact, n) == data[n] for n in names),
        "stored_key_ids": sorted({str(crypto.key_id_of(t)) for t in stored}),
        "values": len(stored),
    }


COMMANDS = {
    "sync-setup": sync_setup,
    "census": census,
    "decrypt": decrypt,
    "write-contact": write_contact,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=sorted(COMMANDS))
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    print(json.dumps(COMMANDS[args.command]()))


if __name__ == "__main__":
    main()
