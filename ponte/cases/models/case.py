"""The case: one person's path at one PUA, its phases and its timeline.

Phases follow DOMAIN.md ("The path"): not a line but a graph with returns and pauses. The
allowed moves are the plain table `PHASE_TRANSITIONS`; `services.change_phase` checks it and
writes the timeline event and the audit record in one transaction.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ponte.catalog.taxonomy import Area
from ponte.common.fields import EncryptedTextField
from ponte.common.models import TimeStampedModel
from ponte.network.models import AccessPoint
from ponte.network.roles import Cap, organizations_with_cap
from ponte.outreach.models import Contact
from ponte.people.models import Person


class Phase(models.TextChoices):
    # Its own context: the catalog's "Contact" (how to reach a service) is another word.
    CONTACT = "contatto", pgettext_lazy("case phase", "Contact")
    ENGAGEMENT = "engagement", _("Engagement")
    ANALYSIS = "analisi", _("Joint assessment")
    PLAN = "patto", _("Plan agreed")
    IMPLEMENTATION = "attuazione", _("Implementation")
    FOLLOW_UP = "follow_up", _("Follow-up")
    CLOSED = "chiuso", _("Closed")
    SUSPENDED = "sospeso", _("Suspended")


PHASE_ORDER = [
    Phase.CONTACT,
    Phase.ENGAGEMENT,
    Phase.ANALYSIS,
    Phase.PLAN,
    Phase.IMPLEMENTATION,
    Phase.FOLLOW_UP,
    Phase.CLOSED,
]

# At the person's pace: forward one step, back any number of steps, pause from any open phase,
# close from any open phase (people leave); a suspended case resumes where it was (checked in
# the service, which knows the phase before the pause); a closed case can be reopened.
_OPEN = [p for p in PHASE_ORDER if p != Phase.CLOSED]
PHASE_TRANSITIONS: dict[str, set[str]] = {
    phase: ({PHASE_ORDER[i + 1]} | set(PHASE_ORDER[:i]) | {Phase.SUSPENDED, Phase.CLOSED})
    for i, phase in enumerate(_OPEN)
}
PHASE_TRANSITIONS[Phase.SUSPENDED] = set(_OPEN) | {Phase.CLOSED}
PHASE_TRANSITIONS[Phase.CLOSED] = set(_OPEN)


class Source(models.TextChoices):
    OUTREACH = "outreach", _("Outreach contact")
    INBOUND_SIGNAL = "inbound_signal", _("Inbound signal from the network")
    SELF_REFERRAL = "self_referral", _("Came on their own")
    COMMUNITY = "community", _("Community or word of mouth")
    HELPLINE = "helpline", _("Helpline")
    OTHER = "other", _("Other")


class WorkSituation(models.TextChoices):
    """The scale of DOMAIN.md, from "disoccupato a rischio" to "grave sfruttamento"."""

    UNEMPLOYED_AT_RISK = "unemployed_at_risk", _("Unemployed at risk")
    GREY_WORK = "grey_work", _("Grey work")
    UNDECLARED_WORK = "undeclared_work", _("Undeclared work")
    EXPLOITATION = "exploitation", _("Exploitation")
    SEVERE_EXPLOITATION = "severe_exploitation", _("Severe exploitation")
    NOT_ASSESSED = "not_assessed", _("Not assessed yet")


class InterventionLogic(models.TextChoices):
    CONTRAST = "contrast", _("Contrast and emersion")
    BUFFERING = "buffering", _("Buffering and mitigation")
    PREVENTION = "prevention", _("Prevention of relapse")


class Vulnerability(models.TextChoices):
    LANGUAGE_BARRIER = "language_barrier", _("Language barrier")
    DOCUMENT_FRAGILITY = "document_fragility", _("Document fragility")
    HOUSING_PRECARITY = "housing_precarity", _("Housing precarity")
    MIGRATION_DEBT = "migration_debt", _("Migration debt")
    ISOLATION = "isolation", _("Social isolation")
    HEALTH = "health", _("Health problems")
    DEPENDANT_FAMILY = "dependant_family", _("Family depending on the income")
    LOW_EDUCATION = "low_education", _("Little schooling or literacy")
    GENDER_VIOLENCE = "gender_violence", _("Gender-based violence")
    ADDICTION = "addiction", _("Addiction")


class ClosureReason(models.TextChoices):
    GOALS_REACHED = "goals_reached", _("Goals of the plan reached")
    REFERRED_ON = "referred_on", _("Taken in charge by another service")
    PERSON_WITHDREW = "person_withdrew", _("The person chose to stop")
    LOST_CONTACT = "lost_contact", _("Contact lost")
    MOVED_AWAY = "moved_away", _("Moved away")
    NOT_ELIGIBLE = "not_eligible", _("Outside the project's scope")
    OTHER = "other", _("Other")


class ClosureOutcome(models.TextChoices):
    POSITIVE = "positive", _("Positive: regular and decent work or protection reached")
    PARTIAL = "partial", _("Partial: some goals reached")
    NONE = "none", _("No result")
    UNKNOWN = "unknown", _("Not known")


class CaseQuerySet(models.QuerySet["Case"]):
    def visible_to(self, user: Any) -> CaseQuerySet:
        """The PUA's case workers; partners see people (with consent), not case files."""
        if getattr(user, "is_platform_admin", False):
            return self.filter(person__anonymised_at__isnull=True)
        orgs = organizations_with_cap(user, Cap.VIEW_CASES)
        return self.filter(
            access_point__lead_organization_id__in=orgs, person__anonymised_at__isnull=True
        )

    def open(self) -> CaseQuerySet:
        return self.exclude(phase=Phase.CLOSED)


class Case(TimeStampedModel):
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="cases", verbose_name=_("person")
    )
    access_point = models.ForeignKey(
        AccessPoint, on_delete=models.PROTECT, related_name="cases", verbose_name=_("PUA")
    )
    case_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_cases",
        verbose_name=_("case manager"),
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="case_teams", verbose_name=_("team")
    )
    source = models.CharField(_("how the person arrived"), max_length=20, choices=Source.choices)
    source_contact = models.OneToOneField(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="case",
        verbose_name=_("outreach contact"),
    )
    opened_on = models.DateField(_("opened on"))
    phase = models.CharField(
        _("phase"), max_length=16, choices=Phase.choices, default=Phase.CONTACT
    )
    phase_since = models.DateTimeField(_("in this phase since"))
    # Where a suspended case resumes.
    phase_before_suspension = models.CharField(max_length=16, choices=Phase.choices, blank=True)
    work_situation = models.CharField(
        _("work situation"),
        max_length=24,
        choices=WorkSituation.choices,
        default=WorkSituation.NOT_ASSESSED,
    )
    intervention_logic = models.CharField(
        _("intervention logic"), max_length=16, choices=InterventionLogic.choices, blank=True
    )
    follow_up_every_days = models.PositiveSmallIntegerField(_("follow-up every (days)"), default=30)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closure_reason = models.CharField(
        _("reason for closing"), max_length=20, choices=ClosureReason.choices, blank=True
    )
    closure_outcome = models.CharField(
        _("outcome"), max_length=12, choices=ClosureOutcome.choices, blank=True
    )
    closure_note = EncryptedTextField(_("closing note"), blank=True)
    version = models.PositiveIntegerField(default=1)  # optimistic locking: stale saves refused
    source_label = models.CharField(max_length=120, blank=True)  # generator runs

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_on", "-created_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["access_point", "phase"]),
            models.Index(fields=["case_manager", "phase"]),
            models.Index(fields=["opened_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(phase="chiuso") | Q(closed_on__isnull=False),
                name="case_closed_has_date",
            )
        ]

    def __str__(self) -> str:
        return f"{_('Case')} {self.reference}"

    @property
    def reference(self) -> str:
        return str(self.public_id)[:8].upper()

    @property
    def is_closed(self) -> bool:
        return self.phase == Phase.CLOSED

    def allowed_next_phases(self) -> list[str]:
        allowed = PHASE_TRANSITIONS.get(self.phase, set())
        if self.phase == Phase.SUSPENDED and self.phase_before_suspension:
            allowed = {self.phase_before_suspension, Phase.CLOSED}
        return [p for p in [*PHASE_ORDER, Phase.SUSPENDED] if p in allowed]


class CaseVulnerability(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="vulnerabilities")
    code = models.CharField(_("condition"), max_length=24, choices=Vulnerability.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "code"], name="case_vulnerability_unique")
        ]

    def __str__(self) -> str:
        return str(self.get_code_display())


class CaseNeed(models.Model):
    """Needs recorded in assessments: counted (anonymously) by the catalog's gap analysis."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="needs")
    area = models.CharField(_("need"), max_length=32, choices=Area.choices)
    recorded_on = models.DateField(_("recorded on"))
    met_on = models.DateField(_("met on"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "area"], name="case_need_unique")]

    def __str__(self) -> str:
        return str(self.get_area_display())


class EventKind(models.TextChoices):
    OPENED = "opened", _("Case opened")
    PHASE = "phase", _("Phase changed")
    EDITED = "edited", _("Case details changed")
    LISTENING = "listening", _("First listening")
    ASSESSMENT = "assessment", _("Exploitation assessment")
    DECISION = "decision", _("Decision recorded")
    SAFETY = "safety", _("Safety assessment")
    SKILLS = "skills", _("Skills profile")
    PLAN = "plan", _("Individual plan")
    ACTIVITY = "activity", _("Activity")
    SUPPORT = "support", _("Direct support")
    FOLLOW_UP = "follow_up", _("Follow-up")
    OUTCOME = "outcome", _("Outcome")
    NOTE = "note", _("Note")
    CONSENT = "consent", _("Consent")
    REFERRAL = "referral", _("Referral")
    CLOSED = "closed", _("Case closed")
    REOPENED = "reopened", _("Case reopened")


class CaseEvent(models.Model):
    """The timeline users see. Written by the same service call as the change and its audit
    record; `summary` is a short non-personal label, the "why" is encrypted."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("when"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    kind = models.CharField(_("what"), max_length=16, choices=EventKind.choices)
    from_phase = models.CharField(max_length=16, choices=Phase.choices, blank=True)
    to_phase = models.CharField(max_length=16, choices=Phase.choices, blank=True)
    summary = models.CharField(max_length=200, blank=True)
    reason = EncryptedTextField(_("why"), blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["case", "at"]), models.Index(fields=["kind", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y} {self.get_kind_display()}"


class FirstListening(TimeStampedModel):
    """The "scheda di primo ascolto": a narrative, not an interrogation. Only the date is due."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="listenings")
    held_on = models.DateField(_("date"))
    narrative = EncryptedTextField(_("what the person told"), blank=True)
    immediate_needs = models.CharField(_("immediate needs"), max_length=400, blank=True)
    rights_information = models.CharField(
        _("information on rights given"), max_length=400, blank=True
    )
    language = models.CharField(_("language used"), max_length=8, blank=True)
    mediator_present = models.BooleanField(_("a mediator was present"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return f"{_('First listening')} {self.held_on:%d/%m/%Y}"


class CaseNote(TimeStampedModel):
    class Visibility(models.TextChoices):
        TEAM = "team", _("The case team")
        PUA = "pua", _("The PUA's case workers")
        PARTNERS = "partners", _("Also partners the person agreed to share with")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    body = EncryptedTextField(_("note"))
    visibility = models.CharField(
        _("who may read it"), max_length=10, choices=Visibility.choices, default=Visibility.PUA
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{_('Note')} {self.created_at:%d/%m/%Y}"
