"""The plan in action: activities, direct support, follow-ups and outcomes."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ponte.cases.models.case import Case
from ponte.common.fields import EncryptedTextField
from ponte.common.models import TimeStampedModel

_SCORE = [MinValueValidator(1), MaxValueValidator(5)]


class ActivityKind(models.TextChoices):
    ACCOMPANIMENT = "accompaniment", _("Accompaniment and empowerment")
    GUIDANCE = "guidance", _("Work and training guidance")
    LEGAL = "legal", _("Legal advice and paperwork")
    MEDIATION = "mediation", _("Linguistic-cultural mediation")
    PSYCHOLOGICAL = "psychological", _("Psychological support")
    BASIC_NEEDS = "basic_needs", _("Basic needs")


class Activity(TimeStampedModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("activity"), max_length=16, choices=ActivityKind.choices)
    done_on = models.DateField(_("date"))
    minutes = models.PositiveSmallIntegerField(_("time spent (minutes)"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = EncryptedTextField(_("note"), blank=True)

    class Meta:
        ordering = ["-done_on", "-created_at"]
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return str(self.get_kind_display())


class AutonomyAssessment(TimeStampedModel):
    """Before direct support: five dimensions, 1 (needs a lot of help) to 5 (autonomous)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="autonomy_assessments")
    assessed_on = models.DateField(_("date"))
    autonomy = models.PositiveSmallIntegerField(_("personal autonomy"), validators=_SCORE)
    decisions = models.PositiveSmallIntegerField(_("making decisions"), validators=_SCORE)
    territory = models.PositiveSmallIntegerField(_("knowledge of the territory"), validators=_SCORE)
    social_network = models.PositiveSmallIntegerField(_("social network"), validators=_SCORE)
    initiative = models.PositiveSmallIntegerField(_("initiative"), validators=_SCORE)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-assessed_on"]

    def __str__(self) -> str:
        return f"{_('Autonomy assessment')} {self.assessed_on:%d/%m/%Y}"

    @property
    def average(self) -> float:
        scores = [
            self.autonomy,
            self.decisions,
            self.territory,
            self.social_network,
            self.initiative,
        ]
        return round(sum(scores) / len(scores), 1)


class SupportKind(models.TextChoices):
    INTERNSHIP = "internship", _("Internship (tirocinio)")
    WORK_GRANT = "work_grant", _("Work grant (borsa lavoro)")
    ALLOWANCE = "allowance", _("Allowance")
    HOUSING = "housing", _("Housing support")
    BUDGET = "budget", _("Individual budget")


class SupportMeasure(TimeStampedModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="support_measures")
    kind = models.CharField(_("measure"), max_length=12, choices=SupportKind.choices)
    autonomy_assessment = models.ForeignKey(
        AutonomyAssessment,
        on_delete=models.PROTECT,
        related_name="measures",
        verbose_name=_("autonomy assessment"),
    )
    granted_on = models.DateField(_("granted on"))
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("to"), null=True, blank=True)
    planned_amount = models.DecimalField(
        _("planned (€)"),
        max_digits=9,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    spent_amount = models.DecimalField(
        _("spent (€)"), max_digits=9, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    note = EncryptedTextField(_("note"), blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-granted_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="support_dates_in_order",
            ),
            models.CheckConstraint(
                condition=Q(planned_amount__gte=0) & Q(spent_amount__gte=0),
                name="support_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_kind_display())


class BudgetLine(models.Model):
    """The individual budget's lines ("Budget di integrazione" / "Dote")."""

    class Line(models.TextChoices):
        HOUSING = "housing", _("Housing")
        HEALTH = "health", _("Health")
        WORK = "work", _("Work")

    measure = models.ForeignKey(SupportMeasure, on_delete=models.CASCADE, related_name="lines")
    line = models.CharField(_("line"), max_length=8, choices=Line.choices)
    planned_amount = models.DecimalField(
        _("planned (€)"), max_digits=9, decimal_places=2, default=0
    )
    spent_amount = models.DecimalField(_("spent (€)"), max_digits=9, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["measure", "line"], name="budget_line_once"),
            models.CheckConstraint(
                condition=Q(planned_amount__gte=0) & Q(spent_amount__gte=0),
                name="budget_line_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_line_display())


class FollowUp(TimeStampedModel):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")
        MISSED = "missed", _("Missed")

    class Channel(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        PHONE = "phone", _("Phone")
        VIDEO = "video", _("Video call")
        MESSAGE = "message", _("Message")
        OUTREACH = "outreach", _("Met during outreach")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PLANNED
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, blank=True)
    after_closure = models.BooleanField(_("after the end of the project"), default=False)
    # The person's own answers, 1-5: a short trust scale and a well-being self-assessment.
    trust = models.PositiveSmallIntegerField(
        _("I trust the people who help me"), null=True, blank=True, validators=_SCORE
    )
    wellbeing_general = models.PositiveSmallIntegerField(
        _("How I feel in general"), null=True, blank=True, validators=_SCORE
    )
    wellbeing_work = models.PositiveSmallIntegerField(
        _("How I feel about my work"), null=True, blank=True, validators=_SCORE
    )
    wellbeing_housing = models.PositiveSmallIntegerField(
        _("How I feel about where I live"), null=True, blank=True, validators=_SCORE
    )
    wellbeing_safety = models.PositiveSmallIntegerField(
        _("How safe I feel"), null=True, blank=True, validators=_SCORE
    )
    note = EncryptedTextField(_("note"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_on"]
        indexes = [models.Index(fields=["status", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | Q(done_on__isnull=False),
                name="follow_up_done_has_date",
            )
        ]

    def __str__(self) -> str:
        return f"{_('Follow-up')} {self.due_on:%d/%m/%Y}"


class LegalBasis(models.Model):
    """Legal bases of permits and protections: data, not code, because laws change."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    reference = models.CharField(_("legal reference"), max_length=200)
    valid_from = models.DateField(_("in force from"), null=True, blank=True)
    valid_until = models.DateField(_("in force until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=400, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("legal bases")

    def __str__(self) -> str:
        return self.name


class OutcomeKind(models.TextChoices):
    JOB = "job", _("Job placement")
    DISPUTE = "dispute", _("Labour dispute")
    COMPLAINT = "complaint", _("Complaint filed")
    PERMIT = "permit", _("Permit or protection obtained")
    REGULARISATION = "regularisation", _("Documents regularised")
    HOUSING = "housing", _("Housing found")
    COURSE = "course", _("Course completed")
    CERTIFICATION = "certification", _("Certification obtained")
    DRIVING_LICENCE = "driving_licence", _("Driving licence")


class ContractType(models.TextChoices):
    PERMANENT = "permanent", _("Permanent")
    FIXED_TERM = "fixed_term", _("Fixed-term")
    SEASONAL = "seasonal", _("Seasonal")
    APPRENTICESHIP = "apprenticeship", _("Apprenticeship")
    AGENCY = "agency", _("Agency work")
    SELF_EMPLOYED = "self_employed", _("Self-employed")
    OTHER = "other", _("Other")


class Outcome(TimeStampedModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="outcomes")
    kind = models.CharField(_("outcome"), max_length=16, choices=OutcomeKind.choices)
    achieved_on = models.DateField(_("date"))
    # Job placement
    contract_type = models.CharField(
        _("contract"), max_length=16, choices=ContractType.choices, blank=True
    )
    sector = models.CharField(_("sector"), max_length=16, blank=True)  # outreach.codes.Sector
    employer = EncryptedTextField(_("employer"), blank=True)
    starts_on = models.DateField(_("start"), null=True, blank=True)
    duration_months = models.PositiveSmallIntegerField(
        _("duration (months)"), null=True, blank=True
    )
    # Labour dispute
    dispute_settled = models.BooleanField(_("settled"), default=False)
    amount_recovered = models.DecimalField(
        _("amount recovered (€)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    # Permit or protection
    legal_basis = models.ForeignKey(
        LegalBasis,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outcomes",
        verbose_name=_("legal basis"),
    )
    description = EncryptedTextField(_("what"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-achieved_on"]
        indexes = [models.Index(fields=["kind", "achieved_on"])]

    def __str__(self) -> str:
        return str(self.get_kind_display())
