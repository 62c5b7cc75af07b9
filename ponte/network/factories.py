"""factory_boy factories for tests and synthetic data. Everything they make is fictitious."""

from __future__ import annotations

import factory

from ponte.accounts.models import User
from ponte.network.models import (
    AccessPoint,
    Agreement,
    Membership,
    Organization,
    OrganizationKind,
    Signatory,
    Site,
    TeamMember,
    Territory,
)
from ponte.network.roles import Role

TEST_PASSWORD = "correct-horse-battery-staple-42"  # noqa: S105 (fictitious test accounts)  # nosec B105


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"operatore{n}@example.test")
    full_name = factory.Sequence(lambda n: f"Operatore Demo {n}")
    password = factory.django.Password(TEST_PASSWORD)
    is_demo = True


class TerritoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Territory
        django_get_or_create = ("level", "code")

    level = Territory.Level.PROVINCE
    code = factory.Sequence(lambda n: f"T{n:04d}")
    name = factory.Sequence(lambda n: f"Territorio {n}")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organizzazione fittizia {n}")
    kind = OrganizationKind.COOPERATIVE
    is_demo = True


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.CASE_MANAGER


class AccessPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessPoint

    name = factory.Sequence(lambda n: f"PUA fittizio {n}")
    lead_organization = factory.SubFactory(OrganizationFactory)
    form = AccessPoint.Form.SOCIAL_SERVICES
    is_demo = True


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    access_point = factory.SubFactory(AccessPointFactory)
    name = factory.Sequence(lambda n: f"Sede {n}")
    opening_hours = "Lun e Mer 9-13"


class TeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMember

    access_point = factory.SubFactory(AccessPointFactory)
    user = factory.SubFactory(UserFactory)
    professional_role = TeamMember.ProfessionalRole.CASE_MANAGER


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    kind = Agreement.Kind.TERRITORIAL_PACT
    title = factory.Sequence(lambda n: f"Patto territoriale fittizio {n}")
    promoter = factory.SubFactory(OrganizationFactory)
    is_demo = True


class SignatoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Signatory

    agreement = factory.SubFactory(AgreementFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = "Partner"
