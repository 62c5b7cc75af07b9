"""The duplicate warning uses the keyed hash of the codice fiscale: the same code is a certain
duplicate, shown before the name resemblances, within what the operator may see."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from conftest import verified_client
from ponte.people.factories import PersonFactory
from ponte.people.models import Person
from ponte.people.queries import possible_duplicates
from ponte.people.services import codice_fiscale_key
from ponte.people.tests.test_people_intake import URL, intake_data

# Labels are read in English (the msgids).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

CODE = "RSSMRA85T10A562S"  # a valid, fictional codice fiscale


def _with_code(organization: Any, **kwargs: Any) -> Person:
    person = PersonFactory(
        organization=organization,
        codice_fiscale=CODE,
        codice_fiscale_key=codice_fiscale_key(CODE),
        **kwargs,
    )
    assert isinstance(person, Person)
    return person


def test_same_code_comes_first_whatever_the_name(world: Any) -> None:
    same_code = _with_code(world.own, given_name="Ionela", family_name="Popescu")
    namesake = PersonFactory(organization=world.own, given_name="Mohammed", family_name="Rahman")
    found = possible_duplicates(
        world.users["case_manager"],
        given_name="Muhammad",
        family_name="Rahman",
        codice_fiscale=" rssmra85t10a562s ",  # as typed: spaces and lower case
    )
    assert [d.person.pk for d in found] == [same_code.pk, namesake.pk]
    assert found[0].same_codice_fiscale and found[0].score == 1.0
    assert not found[1].same_codice_fiscale


def test_same_code_and_similar_name_is_listed_once(world: Any) -> None:
    both = _with_code(world.own, given_name="Mohammed", family_name="Rahman")
    found = possible_duplicates(
        world.users["case_manager"],
        given_name="Muhammad",
        family_name="Rahman",
        codice_fiscale=CODE,
    )
    assert [(d.person.pk, d.same_codice_fiscale) for d in found] == [(both.pk, True)]


def test_only_people_the_operator_may_see(world: Any) -> None:
    _with_code(world.foreign)  # another organisation's person
    erased = _with_code(world.own)
    Person.objects.filter(pk=erased.pk).update(anonymised_at=timezone.now())
    assert (
        possible_duplicates(world.users["case_manager"], given_name="X", codice_fiscale=CODE) == []
    )
    # The foreign organisation's own coordinator does find theirs.
    (found,) = possible_duplicates(
        world.users["coordinator@foreign"], given_name="X", codice_fiscale=CODE
    )
    assert found.same_codice_fiscale


def test_another_code_or_none_is_no_certain_duplicate(world: Any) -> None:
    _with_code(world.own, given_name="Ionela", family_name="Popescu")
    user = world.users["case_manager"]
    assert possible_duplicates(user, given_name="Karim", codice_fiscale="") == []
    assert possible_duplicates(user, given_name="Karim", codice_fiscale="BNCLRA80A41F205X") == []


def test_intake_stops_on_the_same_code_before_saving(world: Any) -> None:
    existing = _with_code(world.own, given_name="Ionela", family_name="Popescu")
    client = verified_client(world.users["case_manager"])
    response = client.post(URL, intake_data(world, codice_fiscale=CODE.lower()))
    assert response.status_code == 200
    text = response.content.decode()
    assert "This codice fiscale is already registered" in text
    assert "Same codice fiscale" in text and existing.reference in text
    assert Person.objects.count() == 1
    assert response.context["duplicates"][0]["d"].person.pk == existing.pk
