"""Assessments: exploitation indicators, safety, skills ("bilancio di competenze").

An exploitation assessment is a dated set of observations, each with its source; Ponte
computes the screening (cases/indicators.py) and keeps a snapshot of it, but the decision is a
separate act of the operator, with a justification. Re-assessments are new rows: history is
kept by never editing an old assessment's observations.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ponte.cases.models.case import Case
from ponte.common.fields import EncryptedTextField
from ponte.common.models import TimeStampedModel


class TraffickingStatus(models.TextChoices):
    """HTCDS 2.0 values; blank means no decision yet."""

    POSSIBLE_VICTIM = "possible_victim", _("Possible victim")
    ACTUAL_VICTIM = "actual_victim", _("Actual victim")
    NOT_A_VICTIM = "not_a_victim", _("Not a victim")


class DecidedBy(models.TextChoices):
    """HTCDS "trafficking status decided by"."""

    CASE_WORKER = "case_worker", _("Case worker (this organisation)")
    ANTI_TRAFFICKING_BODY = "anti_trafficking", _("Anti-trafficking body")
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    JUDICIAL_AUTHORITY = "judicial", _("Judicial authority")
    LABOUR_INSPECTORATE = "labour_inspectorate", _("Labour inspectorate")
    OTHER = "other", _("Other")


class ObservationSource(models.TextChoices):
    ACCOUNT = "account", _("The person's account")
    DOCUMENTS = "documents", _("Documents")
    OBSERVATION = "observation", _("Observed by the operator")
    THIRD_PARTY = "third_party", _("Reported by a third party")


class Assessment(TimeStampedModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField(_("date"))
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The screening as computed when the observations were saved (codes only, no labels).
    screening = models.JSONField(default=dict, blank=True)
    screening_positive = models.BooleanField(default=False)
    notes = EncryptedTextField(_("notes"), blank=True)
    # The operator's decision, never set by the computation.
    status = models.CharField(
        _("trafficking status"), max_length=20, choices=TraffickingStatus.choices, blank=True
    )
    status_decided_by = models.CharField(
        _("decided by"), max_length=20, choices=DecidedBy.choices, blank=True
    )
    decided_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    justification = EncryptedTextField(_("justification"), blank=True)

    class Meta:
        ordering = ["-assessed_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="") | ~Q(status_decided_by=""),
                name="assessment_decision_names_who",
            )
        ]

    def __str__(self) -> str:
        return f"{_('Assessment')} {self.assessed_on:%d/%m/%Y}"


class Observation(models.Model):
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="observations"
    )
    framework = models.CharField(max_length=8)  # cases.indicators.Framework
    code = models.CharField(max_length=48)
    source = models.CharField(_("source"), max_length=12, choices=ObservationSource.choices)
    observed_on = models.DateField(_("date"))
    note = EncryptedTextField(_("note"), blank=True)

    class Meta:
        ordering = ["framework", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "framework", "code"], name="observation_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.framework}:{self.code}"


class SafetyAssessment(TimeStampedModel):
    class Risk(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    class DocumentsHolder(models.TextChoices):
        PERSON = "person", _("The person")
        EMPLOYER = "employer", _("The employer")
        INTERMEDIARY = "intermediary", _("An intermediary")
        LANDLORD = "landlord", _("The landlord")
        OTHER = "other", _("Someone else")
        UNKNOWN = "unknown", _("Not known")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="safety_assessments")
    assessed_on = models.DateField(_("date"))
    threats = models.BooleanField(_("threats received"), default=False)
    debt = models.BooleanField(_("owes money to employer or intermediary"), default=False)
    fear_of_retaliation = models.BooleanField(_("fears retaliation"), default=False)
    documents_held_by = models.CharField(
        _("who holds the documents"),
        max_length=16,
        choices=DocumentsHolder.choices,
        default=DocumentsHolder.UNKNOWN,
    )
    phone_controlled = models.BooleanField(_("someone controls the phone"), default=False)
    risk = models.CharField(
        _("risk, in the operator's judgement"), max_length=8, choices=Risk.choices
    )
    details = EncryptedTextField(_("details"), blank=True)
    safety_measures = EncryptedTextField(_("measures agreed"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-assessed_on", "-created_at"]

    def __str__(self) -> str:
        return f"{_('Safety assessment')} {self.assessed_on:%d/%m/%Y}"


class IscedLevel(models.TextChoices):
    NONE = "none", _("No formal schooling")
    ISCED_1 = "1", _("Primary (ISCED 1)")
    ISCED_2 = "2", _("Lower secondary (ISCED 2)")
    ISCED_3 = "3", _("Upper secondary (ISCED 3)")
    ISCED_4 = "4", _("Post-secondary non-tertiary (ISCED 4)")
    ISCED_5 = "5", _("Short-cycle tertiary (ISCED 5)")
    ISCED_6 = "6", _("Bachelor or equivalent (ISCED 6)")
    ISCED_7 = "7", _("Master or equivalent (ISCED 7)")
    ISCED_8 = "8", _("Doctorate (ISCED 8)")
    UNKNOWN = "unknown", _("Not known")


class Wish(models.TextChoices):
    CHANGE = "change", _("Change job")
    DEVELOP = "develop", _("Grow in the current job")
    REDUCE = "reduce", _("Work less")
    KEEP = "keep", _("Keep the current job")


class SkillsProfile(TimeStampedModel):
    """The "bilancio di competenze": one per case, kept current (changes are audited)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="skills")
    competences = EncryptedTextField(_("competences, in the person's own words"), blank=True)
    education = models.CharField(
        _("education"), max_length=8, choices=IscedLevel.choices, default=IscedLevel.UNKNOWN
    )
    certifications = EncryptedTextField(_("certifications"), blank=True)
    driving_licence = models.CharField(_("driving licence"), max_length=40, blank=True)
    wish = models.CharField(_("wishes"), max_length=8, choices=Wish.choices, blank=True)
    available_hours = models.CharField(_("hours available"), max_length=200, blank=True)
    has_transport = models.BooleanField(_("has own transport"), default=False)
    places = EncryptedTextField(_("where they can work"), blank=True)
    childcare_constraints = models.BooleanField(_("has children to look after"), default=False)
    other_constraints = EncryptedTextField(_("other constraints"), blank=True)

    def __str__(self) -> str:
        return str(_("Skills profile"))


class Experience(models.Model):
    profile = models.ForeignKey(SkillsProfile, on_delete=models.CASCADE, related_name="experiences")
    # Where and what the person worked can name the exploiter: encrypted like the rest.
    what = EncryptedTextField(_("what"))
    sector = models.CharField(_("sector"), max_length=16, blank=True)  # outreach.codes.Sector
    where = EncryptedTextField(_("where"), blank=True)
    months = models.PositiveSmallIntegerField(_("how long (months)"), null=True, blank=True)
    formal = models.BooleanField(_("with a contract or a certificate"), default=False)
    learned = EncryptedTextField(_("what was learned"), blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.what


class LanguageSkill(models.Model):
    class Level(models.TextChoices):
        A1 = "A1", "A1"
        A2 = "A2", "A2"
        B1 = "B1", "B1"
        B2 = "B2", "B2"
        C1 = "C1", "C1"
        C2 = "C2", "C2"
        NATIVE = "native", _("Mother tongue")

    profile = models.ForeignKey(SkillsProfile, on_delete=models.CASCADE, related_name="languages")
    language = models.CharField(_("language"), max_length=8)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "language"], name="language_skill_once")
        ]

    def __str__(self) -> str:
        return f"{self.language} {self.level}"
