"""Outreach: places where people are met, outings of the street unit, anonymous contacts.

Every record belongs to an access point (PUA) and through it to the PUA's lead organisation;
`visible_to(user)` gives a user the records of the organisations where they may see personal
data. Outings and contacts carry the client-made UUID as `public_id` (SYNC_CONTRACT.md), so a
retried send finds the record it already made.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ponte.catalog.taxonomy import Area
from ponte.common.fields import EncryptedTextField
from ponte.common.models import TimeStampedModel
from ponte.network.models import AccessPoint, Organization, Territory
from ponte.network.roles import Cap, organizations_with_cap
from ponte.outreach.codes import (
    ISIC_SECTION,
    AgeBand,
    Channel,
    Gender,
    MaterialKind,
    Method,
    NextStep,
    PlaceKind,
    Sector,
    Signal,
)


def _personal_data_orgs(user: Any) -> list[int] | None:
    """None means every organisation (platform admin)."""
    if getattr(user, "is_platform_admin", False):
        return None
    return organizations_with_cap(user, Cap.VIEW_PERSONAL_DATA)


class PlaceQuerySet(models.QuerySet["Place"]):
    def visible_to(self, user: Any) -> PlaceQuerySet:
        orgs = _personal_data_orgs(user)
        return self if orgs is None else self.filter(organization_id__in=orgs)


class Place(TimeStampedModel):
    """A place the unit visits, kept by the lead organisation of the PUA."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="outreach_places",
        verbose_name=_("organisation"),
    )
    kind = models.CharField(_("kind of place"), max_length=32, choices=PlaceKind.choices)
    name = models.CharField(_("name"), max_length=200)
    municipality = models.ForeignKey(
        Territory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": "municipality"},
        verbose_name=_("municipality"),
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    safety_notes = EncryptedTextField(_("notes on safety"), blank=True)
    best_times = EncryptedTextField(_("best times"), blank=True)
    is_active = models.BooleanField(_("still visited"), default=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("place")
        verbose_name_plural = _("places")

    def __str__(self) -> str:
        return self.name

    @property
    def ambito(self) -> Territory | None:
        return self.municipality.ambito if self.municipality else None


class OutreachQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: Any) -> Any:
        orgs = _personal_data_orgs(user)
        return self if orgs is None else self.visible_to_organizations(orgs)

    def visible_to_organizations(self, org_ids: list[int]) -> Any:
        return self.filter(access_point__lead_organization_id__in=org_ids)


class Outing(TimeStampedModel):
    """An outing ("uscita") of the street unit, or a session of digital or network work."""

    access_point = models.ForeignKey(
        AccessPoint, on_delete=models.PROTECT, related_name="outings", verbose_name=_("PUA")
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start"), null=True, blank=True)
    end_time = models.TimeField(_("end"), null=True, blank=True)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    places = models.ManyToManyField(
        Place, related_name="outings", blank=True, verbose_name=_("places visited")
    )
    place_note = models.CharField(_("other place"), max_length=200, blank=True)
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="outings", blank=True, verbose_name=_("team")
    )
    logbook = EncryptedTextField(_("logbook"), blank=True)
    safety_incident = EncryptedTextField(_("safety incident"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    synced_at = models.DateTimeField(_("received"), null=True, blank=True)
    source = models.CharField(max_length=120, blank=True)  # generator runs

    objects = OutreachQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-start_time"]
        verbose_name = _("outing")
        verbose_name_plural = _("outings")
        indexes = [models.Index(fields=["access_point", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__isnull=True)
                | models.Q(start_time__isnull=True)
                | models.Q(end_time__gte=models.F("start_time")),
                name="outing_times_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} — {self.get_method_display()}"


class OutingMaterial(models.Model):
    outing = models.ForeignKey(Outing, on_delete=models.CASCADE, related_name="materials")
    kind = models.CharField(_("material"), max_length=16, choices=MaterialKind.choices)
    language = models.CharField(_("language"), max_length=8)
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        ordering = ["kind", "language"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language}) × {self.quantity}"


class PeopleMet(models.Model):
    """People met, counted in aggregate: no individual row, no identity."""

    outing = models.ForeignKey(Outing, on_delete=models.CASCADE, related_name="people_met")
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices)
    age_band = models.CharField(_("age band"), max_length=8, choices=AgeBand.choices)
    nationality = models.CharField(_("nationality"), max_length=2, blank=True)
    count = models.PositiveIntegerField(_("people"))

    class Meta:
        ordering = ["gender", "age_band", "nationality"]

    def __str__(self) -> str:
        return f"{self.count} × {self.gender}/{self.age_band}/{self.nationality or '?'}"


class Contact(TimeStampedModel):
    """One person met, without a name. The alias (if any) is encrypted; `alias_key` is a keyed
    hash of alias + PUA that recognises a repeat contact inside the team's own records only."""

    access_point = models.ForeignKey(
        AccessPoint, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("PUA")
    )
    outing = models.ForeignKey(
        Outing,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("outing"),
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    met_at = models.DateTimeField(_("met at"))
    alias = EncryptedTextField(_("alias"), blank=True)
    alias_key = models.CharField(max_length=64, blank=True, db_index=True)
    gender = models.CharField(
        _("gender"), max_length=8, choices=Gender.choices, default=Gender.UNKNOWN
    )
    age_band = models.CharField(
        _("age band"), max_length=8, choices=AgeBand.choices, default=AgeBand.UNKNOWN
    )
    nationality = models.CharField(_("nationality"), max_length=2, blank=True)
    languages = models.CharField(_("languages"), max_length=100, blank=True)
    sector = models.CharField(_("work sector"), max_length=16, choices=Sector.choices, blank=True)
    information_given = EncryptedTextField(_("information given"), blank=True)
    next_step = models.CharField(
        _("next step"), max_length=16, choices=NextStep.choices, default=NextStep.NONE
    )
    consent_recontact = models.BooleanField(_("agrees to be contacted again"), default=False)
    safe_contact_note = EncryptedTextField(_("how to contact safely"), blank=True)
    # The seam with the cases module: set when the contact became a person with a case.
    case_ref = models.UUIDField(_("case"), null=True, blank=True)
    engaged_at = models.DateTimeField(_("engaged"), null=True, blank=True)
    engagement_consent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    synced_at = models.DateTimeField(_("received"), null=True, blank=True)
    source = models.CharField(max_length=120, blank=True)

    objects = OutreachQuerySet.as_manager()

    class Meta:
        ordering = ["-met_at"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["access_point", "met_at"]),
            # "Seen before" on the contact list: earlier contacts of the same alias at the same
            # PUA (queries.with_times_seen_before); 108 → 18 ms at regional scale.
            models.Index(
                fields=["access_point", "alias_key", "met_at"],
                condition=~models.Q(alias_key=""),
                name="contact_alias_seen_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Contact')} {str(self.public_id)[:8]}"

    @property
    def isic_section(self) -> str:
        return ISIC_SECTION.get(self.sector, "")

    def language_list(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]


class ContactNeed(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="needs")
    area = models.CharField(_("need"), max_length=32, choices=Area.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "area"], name="contact_need_unique")
        ]

    def __str__(self) -> str:
        return str(self.get_area_display())


class ContactSignal(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="signals")
    code = models.CharField(_("signal"), max_length=32, choices=Signal.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "code"], name="contact_signal_unique")
        ]

    def __str__(self) -> str:
        return str(self.get_code_display())
