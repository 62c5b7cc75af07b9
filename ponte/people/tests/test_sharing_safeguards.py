"""Sharing a person's data only with organisations bound by a pact or a data-sharing agreement."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ponte.people.factories import PersonFactory
from ponte.people.models import Consent
from ponte.people.services import ConsentInput, record_consent

pytestmark = pytest.mark.django_db


def _sharing(recipient: Any) -> ConsentInput:
    return ConsentInput(
        purpose=Consent.Purpose.SHARING,
        method=Consent.Method.WRITTEN,
        language="fr",
        given_on=timezone.localdate(),
        recipient=recipient,
    )


def test_sharing_needs_a_pact_or_a_data_sharing_agreement(world: Any) -> None:
    person = PersonFactory(organization=world.own)
    manager = world.users["case_manager"]
    # The partner signed the own organisation's pact: sharing is allowed.
    assert record_consent(person, actor=manager, consent=_sharing(world.partner)).pk
    # The foreign organisation is bound by nothing: refused, nothing written.
    with pytest.raises(ValidationError):
        record_consent(person, actor=manager, consent=_sharing(world.foreign))
    assert not Consent.objects.filter(person=person, recipient=world.foreign).exists()
    # With a data-sharing agreement on record it becomes possible.
    world.foreign.data_sharing_agreement = "DSA-2026-07 (fittizio)"
    world.foreign.save(update_fields=["data_sharing_agreement"])
    assert record_consent(person, actor=manager, consent=_sharing(world.foreign)).pk


def test_no_sharing_with_an_inactive_organisation(world: Any) -> None:
    person = PersonFactory(organization=world.own)
    world.partner.is_active = False
    world.partner.save(update_fields=["is_active"])
    with pytest.raises(ValidationError):
        record_consent(person, actor=world.users["case_manager"], consent=_sharing(world.partner))
