"""factory_boy factories for referrals. Everything they make is fictitious.

`ReferralFactory` is an outbound referral from a case, with the person's sharing consent to the
receiver already in force (no consent, no referral); `InboundSignalFactory` a signal to a PUA.
Both are written directly (no service call): tests of the rules go through the services.
"""

from __future__ import annotations

import factory
from django.utils import timezone

from ponte.cases.factories import CaseFactory
from ponte.catalog.taxonomy import Area
from ponte.network.factories import AccessPointFactory, OrganizationFactory
from ponte.people.factories import ConsentFactory
from ponte.people.models import Consent
from ponte.referrals.models import Direction, Referral, SenderKind, Status


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referral
        skip_postgeneration_save = True

    class Params:
        sent = factory.Trait(status=Status.SENT, sent_at=factory.LazyFunction(timezone.now))

    direction = Direction.OUTBOUND
    status = Status.DRAFT
    case = factory.SubFactory(CaseFactory)
    access_point = factory.SelfAttribute("case.access_point")
    sender = factory.SelfAttribute("case.access_point.lead_organization")
    sender_kind = SenderKind.PUA
    receiver = factory.SubFactory(OrganizationFactory)
    need = Area.WORK_GUIDANCE
    shared_sections = "profile"
    message = "Messaggio di prova (fittizio)"
    source = "factory"

    @factory.post_generation
    def with_consent(obj: Referral, create: bool, extracted: bool | None, **kwargs: object) -> None:
        """The person's sharing consent to the receiver, unless `with_consent=False`."""
        if not create or extracted is False or obj.case is None:
            return
        exists = (
            Consent.objects.active()
            .filter(person=obj.case.person, purpose=Consent.Purpose.SHARING, recipient=obj.receiver)
            .exists()
        )
        if not exists:
            ConsentFactory(
                person=obj.case.person, purpose=Consent.Purpose.SHARING, recipient=obj.receiver
            )


class InboundSignalFactory(factory.django.DjangoModelFactory):
    """A signal already sent to a PUA by another organisation."""

    class Meta:
        model = Referral

    direction = Direction.INBOUND
    status = Status.SENT
    sent_at = factory.LazyFunction(timezone.now)
    access_point = factory.SubFactory(AccessPointFactory)
    receiver = factory.SelfAttribute("access_point.lead_organization")
    sender = factory.SubFactory(OrganizationFactory)
    sender_kind = SenderKind.STREET_UNIT
    need = Area.WORK_GUIDANCE
    person_alias = "Alias fittizio"
    message = "Segnalazione di prova (fittizia)"
    source = "factory"
