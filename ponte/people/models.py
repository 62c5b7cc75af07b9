"""People helped, pseudonymous by default, and their consents.

A person belongs to the organisation that registered them (the PUA's lead organisation).
`Person.objects.visible_to(user)` is the only way to read one: the owner's case workers, and
operators of an organisation the person agreed to share with (an active sharing consent).
Withdrawing that consent removes the partner's access at the next request, because the check is
this query, not a copy of it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from ponte.common.fields import EncryptedTextField
from ponte.common.models import TimeStampedModel
from ponte.network.models import Organization
from ponte.network.roles import Cap, organizations_with_cap


class Gender(models.TextChoices):
    """The six values of HTCDS 2.0 prs_Gender, one for one (cases/htcds.py maps each code to its
    Value Name). The codes stay lower-case and short because monitoring, the outreach contacts
    and stored rows already use female/male/unknown; migration 0004 moved the old "transgender"
    (which did not say feminine or masculine) to "unknown" and "other" to "non_conforming"."""

    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    TRANS_FEMININE = "trans_feminine", _("Transgender feminine")
    TRANS_MASCULINE = "trans_masculine", _("Transgender masculine")
    NON_CONFORMING = "non_conforming", _("Non-conforming")
    UNKNOWN = "unknown", _("Not known")


class PermitType(models.TextChoices):
    NONE = "none", _("No permit")
    WORK = "work", _("Work (subordinate or self-employed)")
    SEASONAL = "seasonal", _("Seasonal work")
    ASYLUM_APPLICANT = "asylum_applicant", _("Asylum application pending")
    INTERNATIONAL_PROTECTION = "international_protection", _("International protection")
    SPECIAL_PROTECTION = "special_protection", _("Special protection")
    SPECIAL_CASES = "special_cases", _("Special cases (art. 18 / 18-ter)")
    FAMILY = "family", _("Family reasons")
    STUDY = "study", _("Study")
    LONG_TERM = "long_term", _("EU long-term residence")
    EU_CITIZEN = "eu_citizen", _("EU citizen (no permit needed)")
    WAITING_JOB = "waiting_job", _("Waiting for employment")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Not known")


class PassportStatus(models.TextChoices):
    HELD = "held", _("Has it")
    HELD_BY_OTHERS = "held_by_others", _("Held by someone else")
    EXPIRED = "expired", _("Expired")
    NONE = "none", _("Has none")
    UNKNOWN = "unknown", _("Not known")


class Housing(models.TextChoices):
    STABLE = "stable", _("Stable housing")
    SHARED_OVERCROWDED = "overcrowded", _("Shared, overcrowded")
    PROVIDED_BY_EMPLOYER = "employer", _("Provided by the employer or intermediary")
    RECEPTION = "reception", _("Reception centre (SAI/CAS)")
    INFORMAL = "informal", _("Informal settlement")
    HOMELESS = "homeless", _("Homeless")
    UNKNOWN = "unknown", _("Not known")


class PersonQuerySet(models.QuerySet["Person"]):
    def visible_to(self, user: Any) -> PersonQuerySet:
        """Owners' case workers, plus partners the person agreed to share with."""
        if getattr(user, "is_platform_admin", False):
            return self.filter(anonymised_at__isnull=True)
        owners = organizations_with_cap(user, Cap.VIEW_CASES)
        partners = organizations_with_cap(user, Cap.VIEW_PERSONAL_DATA)
        shared = Consent.objects.active().filter(
            person=OuterRef("pk"),
            purpose=Consent.Purpose.SHARING,
            recipient_id__in=partners,
        )
        return self.filter(Q(organization_id__in=owners) | Exists(shared)).filter(
            anonymised_at__isnull=True
        )

    def restricted(self) -> PersonQuerySet:
        """People who asked to restrict processing (art. 18/21): every statistic and analytic
        export leaves them out. Used as `exclude(person_id__in=...restricted().values("pk"))`
        so the partial index `person_restricted_idx` serves it without reading every person."""
        return self.filter(processing_restricted=True)

    def owned_by_workers(self, user: Any) -> PersonQuerySet:
        """Only the people whose full file the user may read (no partner access)."""
        if getattr(user, "is_platform_admin", False):
            return self
        return self.filter(organization_id__in=organizations_with_cap(user, Cap.VIEW_CASES))


class Person(TimeStampedModel):
    """A person helped. Only `given_name` (a first name or an alias) is required."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="people",
        verbose_name=_("registered by"),
    )
    given_name = models.CharField(_("first name or alias"), max_length=100)
    is_alias = models.BooleanField(_("this is an alias"), default=False)
    family_name = models.CharField(_("surname"), max_length=100, blank=True)
    # Folded text and phonetic keys of the names, for the duplicate warning (people/matching.py).
    name_search = models.CharField(max_length=400, blank=True, db_index=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    gender = models.CharField(
        _("gender"), max_length=16, choices=Gender.choices, default=Gender.UNKNOWN
    )
    citizenship = models.CharField(_("citizenship"), max_length=2, blank=True)  # ISO 3166-1
    languages = models.CharField(_("languages"), max_length=100, blank=True)  # ISO 639, commas
    needs_interpreter = models.BooleanField(_("needs an interpreter"), default=False)
    preferred_language = models.CharField(
        _("language for documents"), max_length=8, default="it"
    )  # one of settings.LANGUAGES: the plan and the consent text are printed in it
    phone = EncryptedTextField(_("phone"), blank=True)
    codice_fiscale = EncryptedTextField(_("codice fiscale"), blank=True)
    # Keyed hash of the codice fiscale: finds the same code again without storing it in clear.
    codice_fiscale_key = models.CharField(max_length=64, blank=True, db_index=True)
    permit_type = models.CharField(
        _("residence permit"), max_length=32, choices=PermitType.choices, default=PermitType.UNKNOWN
    )
    permit_expiry = models.DateField(_("permit expires on"), null=True, blank=True)
    passport = models.CharField(
        _("passport"), max_length=16, choices=PassportStatus.choices, default=PassportStatus.UNKNOWN
    )
    document_notes = EncryptedTextField(_("notes on documents"), blank=True)
    housing = models.CharField(
        _("housing"), max_length=16, choices=Housing.choices, default=Housing.UNKNOWN
    )
    household = EncryptedTextField(_("household"), blank=True)
    safe_contact = EncryptedTextField(_("when and how it is safe to contact"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Rights: a legal hold stops erasure and retention; a restriction stops new processing.
    legal_hold = models.BooleanField(_("legal hold"), default=False)
    legal_hold_reason = EncryptedTextField(_("reason for the legal hold"), blank=True)
    processing_restricted = models.BooleanField(_("processing restricted"), default=False)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)  # optimistic locking of the edit form
    source = models.CharField(max_length=120, blank=True)  # generator runs

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["given_name", "family_name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [
            models.Index(fields=["organization", "birth_year"]),
            # The few people who objected: statistics leave them out with a tiny lookup
            # instead of reading every person (see ponte/monitoring/indicators/cases_scope.py).
            models.Index(
                fields=["id"],
                condition=Q(processing_restricted=True),
                name="person_restricted_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True)
                | Q(birth_year__gte=1900, birth_year__lte=2100),
                name="person_birth_year_plausible",
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.anonymised_at:
            return str(_("Anonymised person"))
        return " ".join(part for part in (self.given_name, self.family_name) if part)

    @property
    def reference(self) -> str:
        """A short code to name the person on paper and on the phone without their name."""
        return str(self.public_id)[:8].upper()

    @property
    def audit_label(self) -> str:
        return f"{_('Person')} {self.reference}"

    def language_list(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]

    def age_on(self, day: datetime.date) -> int | None:
        if self.birth_date:
            before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
            return day.year - self.birth_date.year - int(before_birthday)
        if self.birth_year:
            return day.year - self.birth_year
        return None


class ConsentQuerySet(models.QuerySet["Consent"]):
    def active(self) -> ConsentQuerySet:
        return self.filter(withdrawn_at__isnull=True)


class Consent(TimeStampedModel):
    """One consent for one purpose (and, for sharing, one named recipient organisation)."""

    class Purpose(models.TextChoices):
        TAKING_IN_CHARGE = "taking_in_charge", _("Taking in charge by the PUA")
        SHARING = "sharing", _("Sharing with a partner organisation")
        EVALUATION = "evaluation", _("Anonymous use for evaluation")

    class Method(models.TextChoices):
        ORAL_WITH_WITNESS = "oral_witness", _("Oral, with a witness")
        ORAL_WITH_INTERPRETER = "oral_interpreter", _("Oral, through an interpreter or mediator")
        WRITTEN = "written", _("Written, signed")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    recipient = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consents_received",
        verbose_name=_("shared with"),
    )
    method = models.CharField(_("how it was given"), max_length=20, choices=Method.choices)
    witness = EncryptedTextField(_("witness or interpreter"), blank=True)
    language = models.CharField(_("language of the text"), max_length=8)
    text_version = models.CharField(_("version of the text shown"), max_length=20)
    given_on = models.DateField(_("given on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawal_note = EncryptedTextField(_("note on the withdrawal"), blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-given_on", "-created_at"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes = [models.Index(fields=["recipient", "purpose", "withdrawn_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose="sharing", recipient__isnull=False)
                | (~Q(purpose="sharing") & Q(recipient__isnull=True)),
                name="consent_recipient_only_for_sharing",
            ),
            # One active consent per purpose and recipient: withdraw before giving again.
            models.UniqueConstraint(
                fields=["person", "purpose"],
                condition=Q(withdrawn_at__isnull=True, recipient__isnull=True),
                name="consent_one_active_per_purpose",
            ),
            models.UniqueConstraint(
                fields=["person", "recipient"],
                condition=Q(withdrawn_at__isnull=True, recipient__isnull=False),
                name="consent_one_active_per_recipient",
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_purpose_display())

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None
