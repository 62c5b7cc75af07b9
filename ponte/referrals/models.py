"""Referrals that close the loop: inbound signals to a PUA and outbound referrals from a case.

One lifecycle for both (`TRANSITIONS`, a plain table): every referral ends accepted or declined,
completed or not, withdrawn or expired, with a reason. The receiving organisation sees a referral
addressed to it only while it is open and, when it carries a person's data, only while the
person's sharing consent to that organisation is in force: `Referral.objects.visible_to(user)`
is that rule, checked at every request.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from ponte.cases.models import Case
from ponte.catalog.models import Service
from ponte.catalog.taxonomy import Area
from ponte.common.fields import EncryptedTextField
from ponte.common.models import TimeStampedModel
from ponte.network.models import AccessPoint, Organization
from ponte.network.roles import Cap, organizations_with_cap
from ponte.people.models import Consent


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    RECEIVED = "received", _("Received")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    NOT_COMPLETED = "not_completed", _("Not completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


OPEN_STATUSES = {Status.SENT, Status.RECEIVED, Status.ACCEPTED, Status.IN_PROGRESS}
CLOSED_STATUSES = {
    Status.DECLINED,
    Status.COMPLETED,
    Status.NOT_COMPLETED,
    Status.WITHDRAWN,
    Status.EXPIRED,
}

# Who may move a referral, from where, to where. "sender" and "receiver" are the two sides;
# "system" is the expiry job. Withdrawal is the sender's, from any open state.
TRANSITIONS: dict[str, dict[str, str]] = {
    Status.DRAFT: {Status.SENT: "sender", Status.WITHDRAWN: "sender"},
    Status.SENT: {
        Status.RECEIVED: "receiver",
        Status.ACCEPTED: "receiver",
        Status.DECLINED: "receiver",
        Status.WITHDRAWN: "sender",
        Status.EXPIRED: "system",
    },
    Status.RECEIVED: {
        Status.ACCEPTED: "receiver",
        Status.DECLINED: "receiver",
        Status.WITHDRAWN: "sender",
        Status.EXPIRED: "system",
    },
    Status.ACCEPTED: {
        Status.IN_PROGRESS: "receiver",
        Status.COMPLETED: "receiver",
        Status.NOT_COMPLETED: "receiver",
        Status.WITHDRAWN: "sender",
    },
    Status.IN_PROGRESS: {
        Status.COMPLETED: "receiver",
        Status.NOT_COMPLETED: "receiver",
        Status.WITHDRAWN: "sender",
    },
}
# A reason is required for these ends: nothing falls through the cracks without a why.
NEEDS_REASON = {Status.DECLINED, Status.NOT_COMPLETED, Status.WITHDRAWN}


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound signal to a PUA")
    OUTBOUND = "outbound", _("Referral from a case")


class SenderKind(models.TextChoices):
    """Where inbound signals come from (DOMAIN.md, "Where people are met")."""

    STREET_UNIT = "street_unit", _("Street unit")
    ANTI_CAPORALATO_DESK = "anti_caporalato", _("Anti-caporalato help desk")
    TASK_FORCE = "task_force", _("IOM / labour inspectorate task force")
    PAS = "pas", _("Service access point (PAS)")
    EMPLOYMENT_CENTRE = "employment_centre", _("Employment centre desk")
    SOCIAL_SERVICES = "social_services", _("Social services")
    RECEPTION = "reception", _("Reception centre (SAI/CAS)")
    CPIA = "cpia", _("Adult school (CPIA)")
    HELPLINE = "helpline", _("Helpline")
    SELF = "self", _("The person themselves")
    PUA = "pua", _("Another PUA")
    OTHER = "other", _("Other")


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    SOON = "soon", _("Within a week")
    URGENT = "urgent", _("Urgent")


# Days the receiver has to answer when the sender names no date, counted from sending: without
# a due date a referral would never be reminded nor expire, and could stay unanswered forever.
# "Within a week" is the urgency's own word; an urgent one needs an answer within two calendar
# days; a routine one gets two weeks, the usual time for a partner's intake appointment.
ANSWER_DAYS: dict[str, int] = {Urgency.URGENT: 2, Urgency.SOON: 7, Urgency.ROUTINE: 14}


class Section(models.TextChoices):
    """Parts of a case file that a referral may share, each checked against consent."""

    PROFILE = "profile", _("The person's profile (languages, documents, housing)")
    LISTENING = "listening", _("First listening")
    ASSESSMENT = "assessment", _("Exploitation indicators and decision")
    SAFETY = "safety", _("Safety assessment")
    SKILLS = "skills", _("Skills profile")
    PLAN = "plan", _("The individual plan")
    NOTES = "notes", _("Notes shared with partners")


def _sharing_consent_in_force() -> Exists:
    return Exists(
        Consent.objects.active().filter(
            person_id=OuterRef("case__person_id"),
            purpose=Consent.Purpose.SHARING,
            recipient_id=OuterRef("receiver_id"),
        )
    )


class ReferralQuerySet(models.QuerySet["Referral"]):
    def visible_to(self, user: Any) -> ReferralQuerySet:
        """Who sees a referral, at every request:
        - outbound (from a case): the sending PUA's case workers always; the receiving
          organisation's operators only while it is open and the person's sharing consent to
          that organisation is in force;
        - inbound (a signal to a PUA): the sender's operators (what they sent and the answer);
          the receiving PUA's case workers once it is sent.
        """
        if getattr(user, "is_platform_admin", False):
            return self
        case_orgs = organizations_with_cap(user, Cap.VIEW_CASES)
        data_orgs = organizations_with_cap(user, Cap.VIEW_PERSONAL_DATA)
        outbound = Q(direction=Direction.OUTBOUND)
        inbound = Q(direction=Direction.INBOUND)
        return self.filter(
            (outbound & Q(sender_id__in=case_orgs))
            | (
                outbound
                & Q(receiver_id__in=data_orgs, status__in=OPEN_STATUSES)
                & Q(_sharing_consent_in_force())
            )
            | (inbound & Q(sender_id__in=data_orgs))
            | (inbound & Q(receiver_id__in=case_orgs) & ~Q(status=Status.DRAFT))
        )

    def inbox_of(self, user: Any) -> ReferralQuerySet:
        """What the user's organisations received (visible_to applies)."""
        if getattr(user, "is_platform_admin", False):
            return self.exclude(status=Status.DRAFT)
        receivers = organizations_with_cap(user, Cap.VIEW_PERSONAL_DATA)
        return self.visible_to(user).filter(receiver_id__in=receivers).exclude(status=Status.DRAFT)

    def sent_by(self, user: Any) -> ReferralQuerySet:
        """What the user's organisations sent (visible_to applies)."""
        if getattr(user, "is_platform_admin", False):
            return self
        senders = organizations_with_cap(user, Cap.VIEW_PERSONAL_DATA)
        return self.visible_to(user).filter(sender_id__in=senders)


class Referral(TimeStampedModel):
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    sender = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="referrals_sent",
        verbose_name=_("from"),
    )
    sender_kind = models.CharField(
        _("kind of sender"), max_length=20, choices=SenderKind.choices, default=SenderKind.PUA
    )
    receiver = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="referrals_received",
        verbose_name=_("to"),
    )
    # An inbound signal is addressed to a PUA; an outbound referral may name a service.
    access_point = models.ForeignKey(
        AccessPoint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("PUA"),
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("service"),
    )
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("case"),
    )
    need = models.CharField(_("need"), max_length=32, choices=Area.choices)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE
    )
    shared_sections = models.CharField(_("what is shared"), max_length=200, blank=True)
    # What the sender writes for the receiver; for inbound signals, what the sender knows.
    message = EncryptedTextField(_("message to the receiver"), blank=True)
    person_alias = EncryptedTextField(_("name or alias of the person"), blank=True)
    person_contact = EncryptedTextField(_("how to reach the person safely"), blank=True)
    first_evaluation = EncryptedTextField(_("first evaluation by the sender"), blank=True)
    language = models.CharField(_("language of the person"), max_length=8, blank=True)
    answer_due_on = models.DateField(_("answer due by"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reason = EncryptedTextField(_("reason"), blank=True)
    outcome = EncryptedTextField(_("outcome"), blank=True)
    # Organisations not (yet) in Ponte: the sender records the answer they got on paper.
    receiver_outside_ponte = models.BooleanField(_("receiver does not use Ponte"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    source = models.CharField(max_length=120, blank=True)  # generator runs

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["receiver", "status"]),
            models.Index(fields=["sender", "status"]),
            models.Index(fields=["status", "answer_due_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(direction="outbound") | Q(case__isnull=False),
                name="referral_outbound_has_case",
            ),
            models.CheckConstraint(
                condition=~Q(sender=models.F("receiver")), name="referral_between_two_orgs"
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Referral')} {self.reference}"

    @property
    def reference(self) -> str:
        return str(self.public_id)[:8].upper()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def section_list(self) -> list[str]:
        return [s for s in self.shared_sections.split(",") if s]


class ReferralEvent(models.Model):
    """The referral's timeline: every change, who, when, why."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices)
    reason = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class ReferralMessage(TimeStampedModel):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    body = EncryptedTextField(_("message"))
    attachment = models.FileField(
        _("attachment (PDF or image)"), upload_to="referrals/%Y/%m/", blank=True
    )
    attachment_name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{_('Message')} {self.created_at:%d/%m/%Y}"


class Notification(TimeStampedModel):
    """In-app notices. Never personal data: "you have a new referral in Ponte"."""

    class Kind(models.TextChoices):
        NEW_REFERRAL = "new_referral", _("New referral")
        ANSWER = "answer", _("Answer to a referral")
        DUE_SOON = "due_soon", _("Answer due soon")
        OVERDUE = "overdue", _("Answer overdue")
        MESSAGE = "message", _("New message on a referral")
        WITHDRAWN = "withdrawn", _("Referral withdrawn")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, null=True, related_name="notifications"
    )
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return str(self.get_kind_display())
