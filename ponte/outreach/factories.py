"""Factories for outreach tests; everything they make is fictitious."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from ponte.network.factories import AccessPointFactory, OrganizationFactory
from ponte.outreach.codes import Channel, Method, PlaceKind
from ponte.outreach.models import Contact, Outing, OutingMaterial, PeopleMet, Place
from ponte.outreach.services import alias_key


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Place

    organization = factory.SubFactory(OrganizationFactory)
    kind = PlaceKind.DELIVERY_HUB
    name = factory.Sequence(lambda n: f"Hub fittizio {n}")


class OutingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outing

    access_point = factory.SubFactory(AccessPointFactory)
    date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=1))
    start_time = dt.time(6, 0)
    end_time = dt.time(8, 30)
    method = Method.TERRITORIAL


class OutingMaterialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutingMaterial

    outing = factory.SubFactory(OutingFactory)
    kind = "leaflet"
    language = "ar"
    quantity = 10


class PeopleMetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PeopleMet

    outing = factory.SubFactory(OutingFactory)
    gender = "male"
    age_band = "25-34"
    nationality = "PK"
    count = 3


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    outing = factory.SubFactory(OutingFactory)
    access_point = factory.LazyAttribute(lambda o: o.outing.access_point)
    channel = Channel.STREET
    met_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    alias = ""
    alias_key = factory.LazyAttribute(lambda o: alias_key(o.access_point, o.alias))
    gender = "male"
    age_band = "25-34"
    nationality = "IN"
    sector = "agriculture"
