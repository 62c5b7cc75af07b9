"""Writes about people: registration, edits, consents. Each one checks the capability, runs in
one transaction and leaves an audit record (identifiers and field names only, never values).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from codicefiscale import codicefiscale
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from ponte.audit.services import record
from ponte.network.models import Agreement, Organization
from ponte.network.roles import Cap, require
from ponte.people.extensions import consent_withdrawn
from ponte.people.matching import name_search_key
from ponte.people.models import Consent, Person

# The version of the consent texts (templates people/consent_text_*.html): recorded with every
# consent so one can always tell which words the person was shown. Change it with the texts.
CONSENT_TEXT_VERSION = "2026-11-22"

_CF_SALT = "ponte.people.codice_fiscale"

# Fields an operator edits on the person form; everything else is set by services.
EDITABLE_FIELDS = (
    "given_name",
    "is_alias",
    "family_name",
    "birth_date",
    "birth_year",
    "gender",
    "citizenship",
    "languages",
    "needs_interpreter",
    "preferred_language",
    "phone",
    "codice_fiscale",
    "permit_type",
    "permit_expiry",
    "passport",
    "document_notes",
    "housing",
    "household",
    "safe_contact",
)


class StaleEdit(ValidationError):
    """Someone saved the same record after this form was opened: nothing is overwritten."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Someone else changed this record while you were editing it. Your changes were "
                "not saved: reload the page to see the current version, then edit again."
            ),
            code="stale",
        )


def check_version(model: type[Any], pk: int, expected: int | None) -> Any:
    """Lock the row and refuse the save if its version moved since the form was shown."""
    current = model.objects.select_for_update().get(pk=pk)
    if expected is not None and current.version != expected:
        raise StaleEdit()
    return current


def codice_fiscale_key(code: str) -> str:
    normal = code.strip().upper()
    return salted_hmac(_CF_SALT, normal, algorithm="sha256").hexdigest() if normal else ""


def normal_codice_fiscale(code: str) -> str:
    """As stored and hashed: no spaces anywhere, upper case."""
    return "".join(code.split()).upper()


def clean_codice_fiscale(code: str) -> str:
    normal = normal_codice_fiscale(code)
    if normal and not codicefiscale.is_valid(normal):
        raise ValidationError(
            {"codice_fiscale": _("This codice fiscale is not valid: check it letter by letter.")}
        )
    return normal


def _derive(person: Person) -> None:
    """Fields computed from what the operator typed."""
    person.given_name = person.given_name.strip()
    person.family_name = person.family_name.strip()
    if not person.given_name:
        raise ValidationError({"given_name": _("A first name or an alias is needed.")})
    person.name_search = name_search_key(person.given_name, person.family_name)[:400]
    if person.birth_date:
        person.birth_year = person.birth_date.year
    person.codice_fiscale = clean_codice_fiscale(person.codice_fiscale or "")
    person.codice_fiscale_key = codice_fiscale_key(person.codice_fiscale)


def register_person(*, organization: Organization, actor: Any, data: dict[str, Any]) -> Person:
    require(actor, organization, Cap.MANAGE_CASES)
    person = Person(organization=organization, created_by=actor)
    for name in EDITABLE_FIELDS:
        if name in data:
            setattr(person, name, data[name])
    _derive(person)
    person.full_clean(exclude=["organization", "created_by"])
    with transaction.atomic():
        person.save()
        record("people.person_registered", actor=actor, target=person, organization=organization)
    return person


def update_person(
    person: Person, *, actor: Any, data: dict[str, Any], expected_version: int | None
) -> Person:
    require(actor, person.organization_id, Cap.MANAGE_CASES)
    if person.anonymised_at:
        raise ValidationError(_("This person's data has been anonymised."))
    with transaction.atomic():
        current = check_version(Person, person.pk, expected_version)
        changed = sorted(
            name
            for name in EDITABLE_FIELDS
            if name in data and getattr(current, name) != data[name]
        )
        for name in changed:
            setattr(current, name, data[name])
        _derive(current)
        current.full_clean(exclude=["organization", "created_by"])
        current.version += 1
        current.save()
        record(
            "people.person_updated",
            actor=actor,
            target=current,
            organization=current.organization,
            data={"fields": changed},
        )
    return current


@dataclass(frozen=True)
class ConsentInput:
    purpose: str
    method: str
    language: str
    given_on: Any
    recipient: Organization | None = None
    witness: str = ""
    text_version: str = CONSENT_TEXT_VERSION


def record_consent(person: Person, *, actor: Any, consent: ConsentInput) -> Consent:
    require(actor, person.organization_id, Cap.MANAGE_CASES)
    if person.anonymised_at is not None:
        raise ValidationError(_("This person's data has been anonymised."))
    if consent.recipient is not None:
        _check_sharing_safeguards(person.organization, consent.recipient)
    if consent.purpose == Consent.Purpose.SHARING and consent.recipient is None:
        raise ValidationError({"recipient": _("Name the organisation the data is shared with.")})
    if consent.purpose != Consent.Purpose.SHARING and consent.recipient is not None:
        raise ValidationError({"recipient": _("Only a sharing consent names an organisation.")})
    if consent.recipient is not None and consent.recipient.pk == person.organization_id:
        raise ValidationError({"recipient": _("The person's data is already kept here.")})
    if consent.method != Consent.Method.WRITTEN and not consent.witness.strip():
        raise ValidationError(
            {"witness": _("An oral consent needs the name of the witness or interpreter.")}
        )
    if consent.given_on > timezone.localdate():
        raise ValidationError({"given_on": _("The date cannot be in the future.")})
    with transaction.atomic():
        # Lock the person so two operators cannot record the same active consent twice.
        Person.objects.select_for_update().filter(pk=person.pk).first()
        if (
            Consent.objects.active()
            .filter(person=person, purpose=consent.purpose, recipient=consent.recipient)
            .exists()
        ):
            raise ValidationError(_("This consent is already recorded and in force."))
        row = Consent.objects.create(
            person=person,
            purpose=consent.purpose,
            recipient=consent.recipient,
            method=consent.method,
            witness=consent.witness.strip(),
            language=consent.language,
            text_version=consent.text_version,
            given_on=consent.given_on,
            recorded_by=actor,
        )
        record(
            "people.consent_given",
            actor=actor,
            target=person,
            organization=person.organization,
            data={
                "consent": str(row.public_id),
                "purpose": row.purpose,
                "recipient": str(consent.recipient.public_id) if consent.recipient else None,
                "method": row.method,
                "text_version": row.text_version,
            },
        )
    return row


def _check_sharing_safeguards(owner: Organization, recipient: Organization) -> None:
    """Transfer to third parties only with safeguards (SECURITY.md §4 item 5): the recipient
    is active and bound to the owner by a pact in force, or has a data-sharing agreement."""
    if not recipient.is_active:
        raise ValidationError({"recipient": _("This organisation is no longer active.")})
    if recipient.data_sharing_agreement.strip():
        return
    parties = Q(promoter=owner) | Q(signatories__organization=owner)
    other = Q(promoter=recipient) | Q(signatories__organization=recipient)
    bound = (
        Agreement.objects.in_force().filter(parties).filter(pk__in=Agreement.objects.filter(other))
    )
    if not bound.exists():
        raise ValidationError(
            {
                "recipient": _(
                    "Data can be shared only with an organisation bound to yours by an "
                    "agreement in force, or with a data-sharing agreement on record."
                )
            }
        )


def withdraw_consent(consent: Consent, *, actor: Any, note: str = "") -> Consent:
    """Takes effect at once: partner access is computed from active consents at each request."""
    person = consent.person
    require(actor, person.organization_id, Cap.MANAGE_CASES)
    with transaction.atomic():
        current = Consent.objects.select_for_update().get(pk=consent.pk)
        if current.withdrawn_at is not None:
            raise ValidationError(_("This consent was already withdrawn."))
        current.withdrawn_at = timezone.now()
        current.withdrawn_by = actor
        current.withdrawal_note = note
        current.save(
            update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_note", "updated_at"]
        )
        record(
            "people.consent_withdrawn",
            actor=actor,
            target=person,
            organization=person.organization,
            data={"consent": str(current.public_id), "purpose": current.purpose},
        )
        # What was shared under the consent ends with it (open referrals to the recipient),
        # in the same transaction: a withdrawal never half-applies.
        consent_withdrawn(current, actor=actor)
    return current


def has_active_consent(person: Person, purpose: str, recipient: Organization | None = None) -> bool:
    return (
        Consent.objects.active()
        .filter(person=person, purpose=purpose, recipient=recipient)
        .exists()
    )
