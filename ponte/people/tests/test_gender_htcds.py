"""Gender values are the HTCDS 2.0 prs_Gender list; migration 0004 moved the old values."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps

from ponte.cases.htcds import GENDER
from ponte.people.factories import PersonFactory
from ponte.people.models import Gender, Person

migration = importlib.import_module("ponte.people.migrations.0004_gender_htcds")


def test_six_values_one_for_one_with_htcds() -> None:
    assert len(Gender.values) == 6
    assert len(set(GENDER[code] for code in Gender.values)) == 6


@pytest.mark.django_db
def test_old_values_are_moved_without_guessing(world: Any) -> None:
    old = {
        value: PersonFactory(organization=world.own).pk
        for value in ("transgender", "other", "female", "male", "unknown")
    }
    for value, pk in old.items():  # as rows stored before the migration
        Person.objects.filter(pk=pk).update(gender=value)
    migration._remap(migration.FORWARD)(apps, None)
    now = dict(Person.objects.filter(pk__in=old.values()).values_list("pk", "gender"))
    # "transgender" said neither feminine nor masculine: not specified rather than a guess.
    assert now[old["transgender"]] == Gender.UNKNOWN
    assert now[old["other"]] == Gender.NON_CONFORMING
    assert [now[old[v]] for v in ("female", "male", "unknown")] == ["female", "male", "unknown"]
    assert set(now.values()) <= set(Gender.values)


@pytest.mark.django_db
def test_backwards_maps_to_the_nearest_old_value(world: Any) -> None:
    fem = PersonFactory(organization=world.own, gender=Gender.TRANS_FEMININE)
    nonconf = PersonFactory(organization=world.own, gender=Gender.NON_CONFORMING)
    migration._remap(migration.BACKWARD)(apps, None)
    assert Person.objects.get(pk=fem.pk).gender == "transgender"
    assert Person.objects.get(pk=nonconf.pk).gender == "other"
