"""factory_boy factories for people and consents. Every name here is fictitious."""

from __future__ import annotations

import factory
from django.utils import timezone

from ponte.network.factories import OrganizationFactory
from ponte.people.matching import name_search_key
from ponte.people.models import Consent, Gender, Person
from ponte.people.services import CONSENT_TEXT_VERSION

# Fictional first names and surnames as they are written down at Italian desks.
_GIVEN = ("Amadou", "Fatima", "Gurpreet", "Ionela", "Karim", "Aisha", "Oluwaseun", "Rahul")
_FAMILY = ("Diallo", "Benali", "Singh", "Popescu", "Haddad", "Mensah", "Okafor", "Sharma")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    organization = factory.SubFactory(OrganizationFactory)
    given_name = factory.Sequence(lambda n: f"{_GIVEN[n % len(_GIVEN)]}")
    family_name = factory.Sequence(lambda n: f"{_FAMILY[(n // len(_GIVEN)) % len(_FAMILY)]} {n}")
    # Kept as the registration service computes it, so searches find factory-made people.
    name_search = factory.LazyAttribute(
        lambda o: name_search_key(o.given_name, o.family_name)[:400]
    )
    birth_year = 1990
    gender = Gender.UNKNOWN
    citizenship = "SN"
    languages = "fr,wo"
    preferred_language = "fr"
    source = "factory"


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    person = factory.SubFactory(PersonFactory)
    purpose = Consent.Purpose.TAKING_IN_CHARGE
    method = Consent.Method.WRITTEN
    language = "it"
    text_version = CONSENT_TEXT_VERSION
    given_on = factory.LazyFunction(timezone.localdate)
