"""Every stored field has a protection level; sensitive text is encrypted at rest."""

from __future__ import annotations

from django.apps import apps

from ponte.common.classification import CLASSIFICATION, LEVELS, level_of
from ponte.common.fields import EncryptedTextField


def ponte_models() -> list:
    return [m for m in apps.get_models() if m.__module__.startswith("ponte.")]


def test_every_field_is_classified() -> None:
    missing = [
        f"{model._meta.label}.{field.name}"
        for model in ponte_models()
        for field in model._meta.concrete_fields
        if level_of(model._meta.label, field.name) is None
    ]
    assert not missing, f"classify these fields in ponte/common/classification.py: {missing}"


def test_classification_names_only_real_fields_and_levels() -> None:
    for label, levels in CLASSIFICATION.items():
        model = apps.get_model(label)
        names = {f.name for f in model._meta.concrete_fields}
        for level, fields in levels.items():
            assert level in LEVELS, (label, level)
            assert set(fields) <= names, (label, set(fields) - names)


def test_sensitive_fields_are_encrypted() -> None:
    for model in ponte_models():
        for field in model._meta.concrete_fields:
            if level_of(model._meta.label, field.name) == "sensitive":
                assert isinstance(field, EncryptedTextField), f"{model._meta.label}.{field.name}"
