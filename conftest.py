"""Fixed personas shared by every test.

Three organisations: `own` (a PUA lead organisation), `partner` (signs the same pact)
and `foreign` (no tie). A user per role at `own`, a partner operator at `partner`,
an outsider at `foreign`. Logged-in clients are already past the second factor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

from ponte.accounts.models import User
from ponte.audit.testing import disable_append_only_guard, enable_append_only_guard
from ponte.network.factories import (
    AccessPointFactory,
    AgreementFactory,
    MembershipFactory,
    OrganizationFactory,
    SignatoryFactory,
    UserFactory,
)
from ponte.network.models import AccessPoint, Agreement, Organization
from ponte.network.roles import Role

# Property tests run beside other workers: a slow example is not a failure.
hypothesis_settings.register_profile("ponte", deadline=None, max_examples=60)
hypothesis_settings.load_profile("ponte")


@dataclass
class World:
    own: Organization
    partner: Organization
    foreign: Organization
    own_access_point: AccessPoint
    foreign_access_point: AccessPoint
    own_agreement: Agreement  # promoted by own, signed by partner
    foreign_agreement: Agreement  # promoted by foreign, nobody else signed
    users: dict[str, User]


@pytest.fixture
def transactional_db(transactional_db: Any) -> Any:
    """Transactional tests (and live_server) empty every table afterwards; the audit
    table refuses deletes, so its guard is lifted just for that flush and restored after."""
    enable_append_only_guard()
    yield transactional_db
    disable_append_only_guard()


@pytest.fixture
def world(db: Any) -> World:
    own = OrganizationFactory(name="Ambito fittizio di Prova (PUA)")
    partner = OrganizationFactory(name="Cooperativa fittizia Partner")
    foreign = OrganizationFactory(name="Ente fittizio Estraneo")
    users: dict[str, User] = {}
    for role in Role:
        users[role.value] = MembershipFactory(
            organization=own, role=role, user=UserFactory(email=f"{role.value}@own.test")
        ).user
    users["partner_operator@partner"] = MembershipFactory(
        organization=partner,
        role=Role.PARTNER_OPERATOR,
        user=UserFactory(email="operator@partner.test"),
    ).user
    users["coordinator@foreign"] = MembershipFactory(
        organization=foreign, role=Role.COORDINATOR, user=UserFactory(email="coord@foreign.test")
    ).user
    users["org_admin@foreign"] = MembershipFactory(
        organization=foreign, role=Role.ORG_ADMIN, user=UserFactory(email="admin@foreign.test")
    ).user
    users["no_membership"] = UserFactory(email="nobody@nowhere.test")
    users["platform_admin"] = UserFactory(email="platform@ponte.test", is_platform_admin=True)
    own_agreement = AgreementFactory(promoter=own)
    SignatoryFactory(agreement=own_agreement, organization=own)
    SignatoryFactory(agreement=own_agreement, organization=partner)
    return World(
        own=own,
        partner=partner,
        foreign=foreign,
        own_access_point=AccessPointFactory(lead_organization=own),
        foreign_access_point=AccessPointFactory(lead_organization=foreign),
        own_agreement=own_agreement,
        foreign_agreement=AgreementFactory(promoter=foreign),
        users=users,
    )


def verified_client(user: User) -> Client:
    """A client logged in and past the second factor, as after a real login."""
    from ponte.accounts.models import BackupCodeDevice

    client = Client()
    client.force_login(user)
    device, _created = BackupCodeDevice.objects.get_or_create(user=user, name="test")
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def english(settings: Any) -> Any:
    """For tests that read the English msgids (messages, labels): the operators' default
    language becomes English for services and pages alike. Italian is tested on its own
    (tests/test_translations.py and the browser tests)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def client_for():
    return verified_client
