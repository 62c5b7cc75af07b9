from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import TextField
from django.db.models.functions import Cast

from ponte.audit.services import record_now
from ponte.common import crypto
from ponte.common.fields import EncryptedTextField


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field with the newest key of PONTE_FIELD_KEYS."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        current = crypto.key_ring().current_id
        total = 0
        per_field: dict[str, int] = {}
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            for field in fields:
                done = self._migrate_field(model, field, current, options["batch_size"])
                total += done
                if done:
                    per_field[f"{model._meta.label}.{field.name}"] = done
        # A key rotation is a security event: it belongs in the audit trail with its figures.
        record_now(
            "crypto.reencrypted",
            actor=None,
            data={"key_id": current, "values": total, "fields": per_field},
        )
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {total} values with key {current}."))

    def _migrate_field(
        self, model: Any, field: EncryptedTextField, current: int, batch: int
    ) -> int:
        """Read the raw stored token, so only values under an older key are rewritten."""
        done = 0
        # Cast to plain text so the stored token is read as-is, not decrypted.
        raw = (
            model._base_manager.exclude(**{field.attname: ""})
            .annotate(_raw=Cast(field.attname, output_field=TextField()))
            .values_list("pk", "_raw")
        )
        stale = [
            pk for pk, token in raw.iterator(chunk_size=batch) if crypto.key_id_of(token) != current
        ]
        for start in range(0, len(stale), batch):
            with transaction.atomic():
                # The base manager: a default manager that filtered rows would leave some behind.
                for obj in model._base_manager.filter(pk__in=stale[start : start + batch]):
                    # Saving the decrypted value re-encrypts it with the current key.
                    model._base_manager.filter(pk=obj.pk).update(
                        **{field.attname: getattr(obj, field.attname)}
                    )
                    done += 1
        return done
