"""The catalog of services and opportunities, aligned with Open Referral HSDS 3.

HSDS ids are our `public_id` UUIDs. HSDS tables we keep as rows: service, location,
service_at_location, schedule, phone, contact, language, required_document, cost_option,
service_area (as links to our territories), service_capacity. The FairJob map fields
(stage, modality, objectives, duration, area) are columns here and HSDS attributes on export.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ponte.catalog.taxonomy import Area, Format, Presence, Stage, Status
from ponte.common.models import TimeStampedModel
from ponte.network.models import Organization, Territory, in_the_network

STALE_AFTER_DAYS = 183  # "not verified for 6 months"


class ServiceQuerySet(models.QuerySet["Service"]):
    def visible_to(self, user: Any) -> ServiceQuerySet:
        """Operators see the whole catalog; it describes services, not people."""
        return self if in_the_network(user) else self.public()

    def public(self) -> ServiceQuerySet:
        return self.filter(is_public=True, status=Status.ACTIVE, stage=Stage.ACTIVE)

    def stale(self, today: dt.date | None = None) -> ServiceQuerySet:
        limit = (today or timezone.localdate()) - dt.timedelta(days=STALE_AFTER_DAYS)
        return self.filter(Q(last_verified_on__lt=limit) | Q(last_verified_on__isnull=True))


class Service(TimeStampedModel):
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="services", verbose_name=_("provider")
    )
    name = models.CharField(_("name"), max_length=255)
    alternate_name = models.CharField(_("other name"), max_length=255, blank=True)
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("web page"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.ACTIVE)
    presence = models.CharField(
        _("how it runs"), max_length=12, choices=Presence.choices, default=Presence.IN_PERSON
    )
    format = models.CharField(
        _("format"), max_length=12, choices=Format.choices, default=Format.INDIVIDUAL
    )
    objectives = models.TextField(_("objectives and skills developed"), blank=True)
    duration = models.CharField(_("total duration"), max_length=120, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    eligibility_description = models.TextField(_("who can use it"), blank=True)
    minimum_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    application_process = models.TextField(_("how to access"), blank=True)
    fees_description = models.TextField(_("costs"), blank=True)
    open_without_permit = models.BooleanField(
        _("open to people without a valid permit"), default=False
    )
    territories = models.ManyToManyField(
        Territory,
        related_name="services",
        blank=True,
        verbose_name=_("area served"),
        help_text=_("The Ambiti, provinces or region the service covers (HSDS service_area)."),
    )
    last_verified_on = models.DateField(_("last verified"), null=True, blank=True)
    verified_by_label = models.CharField(max_length=254, blank=True)
    source = models.CharField(_("source"), max_length=255, blank=True)
    original_text = models.TextField(
        _("original text of the source"),
        blank=True,
        help_text=_("Kept verbatim from the imported record."),
    )
    is_public = models.BooleanField(_("shown in the public guide"), default=False)
    is_demo = models.BooleanField(_("fictitious (demo)"), default=False)
    version = models.PositiveIntegerField(default=1)
    search_text = models.TextField(editable=False, blank=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        indexes = [
            models.Index(fields=["stage", "status"]),
            models.Index(fields=["organization"]),
            models.Index(fields=["last_verified_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(maximum_age__isnull=True)
                | Q(minimum_age__isnull=True)
                | Q(maximum_age__gte=models.F("minimum_age")),
                name="service_age_range",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def areas(self) -> list[str]:
        """Area codes; uses prefetched topics when the caller prefetched them."""
        return sorted(topic.area for topic in self.topics.all())

    def area_labels(self) -> list[str]:
        labels = dict(Area.choices)
        return [str(labels.get(code, code)) for code in self.areas]

    def is_stale(self, today: dt.date | None = None) -> bool:
        if self.last_verified_on is None:
            return True
        limit = (today or timezone.localdate()) - dt.timedelta(days=STALE_AFTER_DAYS)
        return self.last_verified_on < limit


class ServiceTopic(models.Model):
    """One area of the map a service belongs to (a service may cover several)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="topics")
    area = models.CharField(_("area"), max_length=24, choices=Area.choices)

    class Meta:
        ordering = ["area"]
        constraints = [
            models.UniqueConstraint(fields=["service", "area"], name="service_topic_unique")
        ]
        indexes = [models.Index(fields=["area", "service"])]

    def __str__(self) -> str:
        return self.area


class ServiceLanguage(models.Model):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="languages")
    code = models.CharField(_("language (ISO 639)"), max_length=8)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["service", "code"], name="service_language_unique")
        ]
        indexes = [models.Index(fields=["code"])]

    def __str__(self) -> str:
        return self.code


class ServiceCapacity(models.Model):
    """HSDS 3.1 service_capacity: how many seats/places are free now."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="capacities")
    unit = models.CharField(_("unit"), max_length=60, default="posti")
    available = models.PositiveIntegerField(_("available"))
    maximum = models.PositiveIntegerField(_("maximum"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    updated = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["unit"]

    def __str__(self) -> str:
        return f"{self.available} {self.unit}"


class Location(TimeStampedModel):
    class Kind(models.TextChoices):
        PHYSICAL = "physical", _("Physical")
        VIRTUAL = "virtual", _("Virtual")
        POSTAL = "postal", _("Postal")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="locations"
    )
    location_type = models.CharField(
        _("kind"), max_length=10, choices=Kind.choices, default=Kind.PHYSICAL
    )
    name = models.CharField(_("name"), max_length=255, blank=True)
    description = models.TextField(_("description"), blank=True)
    address_1 = models.CharField(_("address"), max_length=255, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    municipality = models.ForeignKey(
        Territory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("municipality"),
    )
    city = models.CharField(_("city"), max_length=120, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    url = models.URLField(_("web address (virtual)"), blank=True)
    transportation = models.CharField(_("how to get there"), max_length=255, blank=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name or self.address_1 or self.url or str(self.public_id)


class ServiceAtLocation(TimeStampedModel):
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="service_at_locations"
    )
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="service_at_locations"
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["service", "location"], name="service_at_location_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} @ {self.location}"


class Schedule(models.Model):
    """A weekly opening slot (HSDS schedule with freq=WEEKLY) or a free-text description."""

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="schedules", null=True, blank=True
    )
    service_at_location = models.ForeignKey(
        ServiceAtLocation, on_delete=models.CASCADE, related_name="schedules", null=True, blank=True
    )
    byday = models.CharField(_("days"), max_length=40, blank=True, help_text="MO,TU,WE,TH,FR,SA,SU")
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    description = models.CharField(_("description"), max_length=255, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.description or f"{self.byday} {self.opens_at}-{self.closes_at}"


class Phone(models.Model):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(_("number"), max_length=40)
    description = models.CharField(_("description"), max_length=200, blank=True)

    def __str__(self) -> str:
        return self.number


class Contact(models.Model):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200, blank=True)
    title = models.CharField(_("role"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    def __str__(self) -> str:
        return self.name or self.email


class RequiredDocument(models.Model):
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="required_documents"
    )
    document = models.CharField(_("document"), max_length=255)

    def __str__(self) -> str:
        return self.document


class CostOption(models.Model):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="cost_options")
    option = models.CharField(_("option"), max_length=255, blank=True)
    amount = models.DecimalField(
        _("amount"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(max_length=3, default="EUR")
    amount_description = models.CharField(_("amount description"), max_length=255, blank=True)

    def __str__(self) -> str:
        return self.option or str(self.amount)


class ServiceTranslation(models.Model):
    """A service's name and description in a language of the public guide."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=8)
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["service", "language"], name="service_translation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.language}: {self.name}"


class OpportunityQuerySet(models.QuerySet["Opportunity"]):
    def visible_to(self, user: Any) -> OpportunityQuerySet:
        return self if in_the_network(user) else self.none()

    def open_now(self, today: dt.date | None = None) -> OpportunityQuerySet:
        day = today or timezone.localdate()
        return self.filter(is_open=True).filter(
            Q(application_deadline__gte=day) | Q(application_deadline__isnull=True)
        )


class Opportunity(TimeStampedModel):
    """A time-bound offer: a course edition, an internship place, a vacancy, a housing place."""

    class Kind(models.TextChoices):
        COURSE = "course", _("Course edition")
        INTERNSHIP = "internship", _("Internship place")
        VACANCY = "vacancy", _("Job vacancy")
        HOUSING = "housing", _("Housing place")

    class LanguageLevel(models.TextChoices):
        NONE = "", _("No requirement")
        A1 = "A1", "A1"
        A2 = "A2", "A2"
        B1 = "B1", "B1"
        B2 = "B2", "B2"
        C1 = "C1", "C1"

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="opportunities",
        verbose_name=_("offered by"),
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=_("service"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    application_deadline = models.DateField(_("apply by"), null=True, blank=True)
    seats_total = models.PositiveIntegerField(_("seats"), null=True, blank=True)
    seats_available = models.PositiveIntegerField(_("seats available"), null=True, blank=True)
    italian_level = models.CharField(
        _("Italian level required"), max_length=2, blank=True, choices=LanguageLevel.choices
    )
    required_documents = models.TextField(_("documents required"), blank=True)
    driving_licence_required = models.BooleanField(_("driving licence required"), default=False)
    skills = models.TextField(_("skills required"), blank=True)
    open_without_permit = models.BooleanField(
        _("open to people without a valid permit"), default=False
    )
    municipality = models.ForeignKey(
        Territory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("place"),
    )
    is_open = models.BooleanField(_("open"), default=True)
    is_demo = models.BooleanField(_("fictitious (demo)"), default=False)

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        ordering = ["application_deadline", "title", "pk"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="opportunity_date_range",
            ),
            models.CheckConstraint(
                condition=Q(seats_available__isnull=True)
                | Q(seats_total__isnull=True)
                | Q(seats_available__lte=models.F("seats_total")),
                name="opportunity_seats_le_total",
            ),
        ]

    def __str__(self) -> str:
        return self.title
