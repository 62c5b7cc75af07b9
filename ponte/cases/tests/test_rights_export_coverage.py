"""The person's export is "everything Ponte holds": a walker over the models finds every model
that reaches a Person through foreign keys and fails when one holding data about the person is
neither in `collect_person_data` nor skipped on purpose, so a new model cannot be forgotten.

Apps above cases (referrals) cannot be imported by cases: they add their part of the export
through `cases.extensions.register_person_data_provider`, and an app that registered a provider
is taken as covering its own models (its tests check the content).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.apps import apps
from django.db import models

from ponte.cases import extensions
from ponte.cases.services.rights import _PATH, collect_person_data, row
from ponte.cases.tests.test_rights_export import make_full_case
from ponte.outreach.models import Contact
from ponte.people.models import Person

# Models with a foreign-key path to Person that the export leaves out on purpose, with why.
# Empty today: every such model of people and cases is in the export.
SKIPPED: dict[str, str] = {}
# Rows the person's records point at (not the other way round), so the walker cannot find
# them: listed by hand, and checked like the others.
POINTED_AT: dict[type[models.Model], str] = {Contact: "case__person"}


def paths_to_person() -> dict[type[models.Model], str]:
    """Every model that reaches Person through a chain of foreign keys, with the lookup."""
    found: dict[type[models.Model], str] = {Person: "pk"}
    grew = True
    while grew:
        grew = False
        for model in apps.get_models():
            if model in found or not model.__module__.startswith("ponte."):
                continue
            for field in model._meta.concrete_fields:
                target = field.related_model if field.many_to_one or field.one_to_one else None
                if target in found:
                    base = found[target]  # type: ignore[index]
                    found[model] = field.name if base == "pk" else f"{field.name}__{base}"
                    grew = True
                    break
    return found


def apps_with_a_provider() -> set[str]:
    labels = set()
    for provider in extensions._person_data_providers:
        config = apps.get_containing_app_config(provider.__module__)
        if config is not None:
            labels.add(config.label)
    return labels


def _dicts(data: Any) -> list[dict[str, Any]]:
    """Every record of the exported JSON, at any depth."""
    if isinstance(data, dict):
        return [data, *(d for v in data.values() for d in _dicts(v))]
    if isinstance(data, list):
        return [d for v in data for d in _dicts(v)]
    return []


def _as_json(value: Any) -> Any:
    return json.loads(json.dumps(value))


def test_walker_finds_the_known_models() -> None:
    """The walker itself works: it finds models one, two and four hops away."""
    found = {m._meta.label: path for m, path in paths_to_person().items()}
    assert found["people.Consent"] == "person"
    assert found["cases.Case"] == "person"
    assert found["cases.Observation"] == "assessment__case__person"
    assert found["cases.PlanAction"] == "goal__plan__case__person"
    assert "network.Organization" not in found and "accounts.User" not in found


def test_every_model_is_exported_or_skipped_with_a_reason() -> None:
    covered_apps = apps_with_a_provider()
    unknown = set(SKIPPED) - {m._meta.label for m in paths_to_person()}
    assert not unknown, f"SKIPPED names models that no longer reach a person: {unknown}"
    assert all(reason.strip() for reason in SKIPPED.values())
    # Referrals reach the person through cases: that app must plug its part in.
    referral_models = {
        m._meta.app_label for m in paths_to_person() if m._meta.app_label not in ("people", "cases")
    }
    assert referral_models <= covered_apps, (
        f"Models of {referral_models - covered_apps} hold data about people but their app "
        "registers no person data provider in ponte.cases.extensions"
    )


@pytest.mark.django_db
def test_every_row_about_the_person_is_in_the_export(world: Any) -> None:
    case = make_full_case(world.own_access_point)
    person = case.person
    exported = _dicts(_as_json(collect_person_data(person)))
    covered_apps = apps_with_a_provider()
    checked = {**paths_to_person(), **POINTED_AT}
    for model, path in checked.items():
        label = model._meta.label
        if label in SKIPPED or model._meta.app_label in covered_apps - {"people", "cases"}:
            continue
        rows = list(model._default_manager.filter(**{path: person.pk}))
        assert rows, (
            f"make_full_case builds no {label}: add one, and put {label} in "
            "collect_person_data (or in SKIPPED with the reason)"
        )
        for obj in rows:
            # Its own values (links to other rows may be shown by name instead, e.g. the PUA).
            links = {f.name for f in model._meta.concrete_fields if f.is_relation}
            expected = {k: v for k, v in _as_json(row(obj)).items() if k not in links}
            assert any(all(d.get(k) == v for k, v in expected.items()) for d in exported), (
                f"{label} {obj.pk} is not in the person's export"
            )


def test_every_model_with_free_text_is_reached_by_the_erasure() -> None:
    """The same walk for art. 17: a model with encrypted or free text must be in the erasure's
    list of models (services.rights._PATH), or its rows deleted there."""
    deleted = {"cases.LanguageSkill"}  # anonymise_person deletes these rows
    covered_apps = apps_with_a_provider() - {"people", "cases"}
    for model in paths_to_person():
        if model._meta.app_label in covered_apps or model._meta.label in deleted:
            continue
        free_text = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField)
            and not f.choices
            and f.name not in ("public_id",)
        ]
        assert not free_text or model in _PATH, (model._meta.label, free_text)
