"""Model fields that encrypt at rest with the key ring of ``ponte.common.crypto``."""

from __future__ import annotations

from typing import Any

from django.db import models

from ponte.common import crypto


class EncryptedTextField(models.TextField):
    """Text encrypted with AES-256-GCM; associated data = ``app_label.Model.field``.

    Encrypted fields cannot be searched or ordered in the database: that is the point.
    """

    def contribute_to_class(
        self, cls: type[models.Model], name: str, *args: Any, **kwargs: Any
    ) -> None:
        super().contribute_to_class(cls, name, *args, **kwargs)
        self.crypto_context = f"{cls._meta.label}.{name}"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value, context=self.crypto_context)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value), context=self.crypto_context)
