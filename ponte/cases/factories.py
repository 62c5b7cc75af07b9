"""factory_boy factories for cases. Everything they make is fictitious."""

from __future__ import annotations

import factory
from django.utils import timezone

from ponte.cases.models import Case, Phase, Source
from ponte.network.factories import AccessPointFactory
from ponte.people.factories import ConsentFactory, PersonFactory
from ponte.people.models import Consent


class CaseFactory(factory.django.DjangoModelFactory):
    """A case at an access point, for a person of the access point's lead organisation.

    The person's consent to be taken in charge is created with them (no consent, no case), unless
    `with_consent=False` is passed, or the person already has an active one.
    """

    class Meta:
        model = Case
        skip_postgeneration_save = True

    access_point = factory.SubFactory(AccessPointFactory)
    person = factory.SubFactory(
        PersonFactory,
        organization=factory.SelfAttribute("..access_point.lead_organization"),
    )
    case_manager = None
    source = Source.SELF_REFERRAL
    opened_on = factory.LazyFunction(timezone.localdate)
    phase = Phase.ENGAGEMENT
    phase_since = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def with_consent(obj: Case, create: bool, extracted: bool | None, **kwargs: object) -> None:
        if not create or extracted is False:
            return
        exists = (
            Consent.objects.active()
            .filter(person=obj.person, purpose=Consent.Purpose.TAKING_IN_CHARGE)
            .exists()
        )
        if not exists:
            ConsentFactory(person=obj.person, **kwargs)
