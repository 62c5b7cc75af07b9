"""The individual plan ("PAI", "Patto"), written with the person: the FairJob sheet's parts.

A plan is revised by writing a new revision (number + 1) copied from the last one; older
revisions stay as they were, so what was agreed on a date can always be shown again.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ponte.cases.models.case import Case
from ponte.catalog.models import Service
from ponte.common.fields import EncryptedTextField
from ponte.common.models import TimeStampedModel


class Plan(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        AGREED = "agreed", _("Agreed with the person")
        SUPERSEDED = "superseded", _("Replaced by a later revision")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plans")
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    why_here = EncryptedTextField(_("Why I am here and what I expect"), blank=True)
    fears = EncryptedTextField(_("What I fear"), blank=True)
    work_goal = EncryptedTextField(_("What I want to do (work goal)"), blank=True)
    end_goal = EncryptedTextField(_("What I want to have reached at the end"), blank=True)
    agreed_on = models.DateField(_("agreed on"), null=True, blank=True)
    review_on = models.DateField(_("to be reviewed on"), null=True, blank=True)
    language = models.CharField(_("language of the person's copy"), max_length=8, default="it")
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)  # optimistic locking of the edit form

    class Meta:
        ordering = ["-revision"]
        constraints = [
            models.UniqueConstraint(fields=["case", "revision"], name="plan_revision_once"),
            models.CheckConstraint(
                condition=~models.Q(status="agreed") | models.Q(agreed_on__isnull=False),
                name="plan_agreed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Plan')} {self.revision}"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class PlanService(models.Model):
    """ "Which services I will use": where and how, when, whom to contact."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="services")
    service = models.ForeignKey(
        Service,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service from the catalog"),
    )
    description = models.CharField(_("service"), max_length=300, blank=True)
    where_how = models.CharField(_("where and how"), max_length=300, blank=True)
    when = models.CharField(_("when"), max_length=200, blank=True)
    contact = models.CharField(_("whom to contact"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description or (self.service.name if self.service else "")


class Goal(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        REACHED = "reached", _("Reached")
        PARTLY = "partly", _("Partly reached")
        DROPPED = "dropped", _("Dropped")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    text = EncryptedTextField(_("goal"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return str(_("Goal"))


class PlanAction(models.Model):
    class Owner(models.TextChoices):
        PERSON = "person", _("The person")
        CASE_MANAGER = "case_manager", _("The case manager")
        TEAM = "team", _("The PUA team")
        PARTNER = "partner", _("A partner organisation")

    class Status(models.TextChoices):
        TODO = "todo", _("To do")
        DOING = "doing", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="actions")
    text = EncryptedTextField(_("action"))
    owner = models.CharField(_("who"), max_length=16, choices=Owner.choices)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField(_("by"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.TODO
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return str(_("Action"))
