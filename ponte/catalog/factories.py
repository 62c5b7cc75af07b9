"""Factories for catalog tests; everything they make is fictitious."""

from __future__ import annotations

from typing import Any

import factory

from ponte.catalog.models import (
    Opportunity,
    Service,
    ServiceCapacity,
    ServiceLanguage,
    ServiceTopic,
)
from ponte.catalog.taxonomy import Area
from ponte.network.factories import OrganizationFactory


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Servizio fittizio {n}")
    is_demo = True

    @factory.post_generation
    def areas(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        for area in extracted or [Area.WORK_GUIDANCE]:
            ServiceTopic.objects.create(service=self, area=area)

    @factory.post_generation
    def langs(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        for code in extracted or []:
            ServiceLanguage.objects.create(service=self, code=code)

    @factory.post_generation
    def places(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if extracted:
            self.territories.set(extracted)

    @factory.post_generation
    def index(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        from ponte.catalog.services import search_text_for

        self.search_text = search_text_for(
            self, self.areas, [lang.code for lang in self.languages.all()]
        )
        self.save(update_fields=["search_text"])


class CapacityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceCapacity

    service = factory.SubFactory(ServiceFactory)
    available = 3


class OpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opportunity

    organization = factory.SubFactory(OrganizationFactory)
    kind = Opportunity.Kind.COURSE
    title = factory.Sequence(lambda n: f"Corso fittizio {n}")
    is_demo = True
