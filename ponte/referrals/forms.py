"""Forms of the referral pages: every one works as a plain POST, without JavaScript."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ponte.cases.forms.core import DATE, ConsentFieldsForm
from ponte.cases.models import Case
from ponte.catalog.taxonomy import Area
from ponte.network.models import KIND_GROUP_LABELS, KIND_GROUPS, AccessPoint, Organization
from ponte.referrals.models import ANSWER_DAYS, Direction, Section, SenderKind, Status, Urgency

TEXT = forms.Textarea(attrs={"rows": 3})


def _due_help() -> str:
    return gettext(
        "Left empty, the answer is due in %(urgent)s days if urgent, %(soon)s within a week, "
        "%(routine)s otherwise."
    ) % {
        "urgent": ANSWER_DAYS[Urgency.URGENT],
        "soon": ANSWER_DAYS[Urgency.SOON],
        "routine": ANSWER_DAYS[Urgency.ROUTINE],
    }


DUE_HELP = lazy(_due_help, str)()  # in the reader's language, not the one at import


def grouped_organizations(orgs: QuerySet[Organization]) -> list[Any]:
    """Choices grouped by kind of organisation (public bodies, third sector...), so a long
    directory reads on a phone; kinds outside every group go under "Other"."""
    group_of = {kind: group for group, kinds in KIND_GROUPS.items() for kind in kinds}
    grouped: dict[str, list[tuple[str, str]]] = {}
    for org in orgs:
        grouped.setdefault(group_of.get(org.kind, ""), []).append((str(org.pk), org.name))
    choices: list[Any] = [("", "—")]
    for group in [*KIND_GROUPS, ""]:
        if group in grouped:
            label = KIND_GROUP_LABELS.get(group, _("Other"))
            choices.append((label, grouped[group]))
    return choices


class OrganizationChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A model choice whose options are grouped (optgroups) by kind of organisation."""

    def set_organizations(self, orgs: QuerySet[Organization]) -> None:
        self.queryset = orgs
        self.choices = grouped_organizations(orgs)


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), ("open", _("Open")), *Status.choices],
    )
    direction = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any")), *Direction.choices]
    )
    need = forms.ChoiceField(
        label=_("Need"), required=False, choices=[("", _("Any")), *Area.choices]
    )

    def value(self, name: str) -> Any:
        return self.cleaned_data.get(name) if self.is_valid() else None


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=Status.choices, widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=4000, widget=TEXT)
    outcome = forms.CharField(label=_("Outcome"), required=False, max_length=4000, widget=TEXT)


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Message"), max_length=8000, widget=TEXT)
    attachment = forms.FileField(
        label=_("Attachment (PDF, PNG or JPEG, up to 5 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )


class ExternalAnswerForm(forms.Form):
    to = forms.ChoiceField(
        label=_("The answer they gave"),
        choices=[
            (Status.ACCEPTED, Status.ACCEPTED.label),
            (Status.DECLINED, Status.DECLINED.label),
            (Status.COMPLETED, Status.COMPLETED.label),
            (Status.NOT_COMPLETED, Status.NOT_COMPLETED.label),
        ],
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=4000,
        widget=TEXT,
        help_text=_("Needed when declined or not completed."),
    )
    outcome = forms.CharField(
        label=_("Outcome"),
        required=False,
        max_length=4000,
        widget=TEXT,
        help_text=_("Needed when completed."),
    )


class ReferralForm(forms.Form):
    """An outbound referral from a case."""

    receiver = OrganizationChoiceField(
        label=_("To which organisation"), queryset=Organization.objects.none()
    )
    need = forms.ChoiceField(label=_("Need"), choices=Area.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    sections = forms.MultipleChoiceField(
        label=_("What is shared"),
        choices=Section.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only what the person agreed to share with this organisation is shared."),
    )
    message = forms.CharField(
        label=_("Message to the receiver"), required=False, max_length=8000, widget=TEXT
    )
    answer_due_on = forms.DateField(
        label=_("Answer due by"),
        widget=DATE,
        # No initial value: left empty, the service sets it from the urgency when it is sent.
        required=False,
        help_text=DUE_HELP,
    )
    outside_ponte = forms.BooleanField(
        label=_("The receiver does not use Ponte (a printable summary, and I record the answer)"),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        receivers: QuerySet[Organization],
        fixed_receiver: Organization | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field: OrganizationChoiceField = self.fields["receiver"]  # type: ignore[assignment]
        field.set_organizations(receivers)
        if fixed_receiver is not None:
            # A catalog service names its provider: the receiver is not a choice.
            field.initial = fixed_receiver.pk
            field.disabled = True


class SignalForm(forms.Form):
    """An inbound signal to a PUA: what the sender knows about a person met."""

    sender = OrganizationChoiceField(label=_("Sent by"), queryset=Organization.objects.none())
    access_point = forms.ModelChoiceField(
        label=_("To which PUA"), queryset=AccessPoint.objects.none()
    )
    sender_kind = forms.ChoiceField(label=_("Where the person was met"), choices=SenderKind.choices)
    need = forms.ChoiceField(label=_("Main need"), choices=Area.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    person_alias = forms.CharField(label=_("Name or alias of the person"), max_length=200)
    person_contact = forms.CharField(
        label=_("How to reach the person safely"),
        required=False,
        max_length=500,
        help_text=_("Only a safe way: not an employer's phone, not a shared phone."),
    )
    language = forms.ChoiceField(label=_("Language of the person"), required=False)
    first_evaluation = forms.CharField(
        label=_("First evaluation"), required=False, max_length=8000, widget=TEXT
    )
    message = forms.CharField(label=_("Message"), required=False, max_length=8000, widget=TEXT)
    answer_due_on = forms.DateField(
        label=_("Answer due by"),
        widget=DATE,
        # No initial value: left empty, the service sets it from the urgency when it is sent.
        required=False,
        help_text=DUE_HELP,
    )

    def __init__(
        self,
        *args: Any,
        senders: QuerySet[Organization],
        access_points: QuerySet[AccessPoint],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        sender: OrganizationChoiceField = self.fields["sender"]  # type: ignore[assignment]
        sender.set_organizations(senders)
        if len(senders) == 1:
            sender.initial = senders[0].pk
        self.fields["access_point"].queryset = access_points  # type: ignore[attr-defined]
        self.fields["language"].choices = [("", "—"), *settings.LANGUAGES]  # type: ignore[attr-defined]


class TriageNewCaseForm(ConsentFieldsForm):
    given_name = forms.CharField(label=_("Name or alias"), max_length=100)
    is_alias = forms.BooleanField(label=_("This is an alias, not the real name"), required=False)
    access_point = forms.ModelChoiceField(label=_("PUA"), queryset=AccessPoint.objects.none())

    def __init__(self, *args: Any, access_points: QuerySet[AccessPoint], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["access_point"].queryset = access_points  # type: ignore[attr-defined]


class CaseChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.person.display_name} · {obj.reference}"


class TriageExistingCaseForm(forms.Form):
    case = CaseChoiceField(label=_("Case"), queryset=Case.objects.none())

    def __init__(self, *args: Any, cases: QuerySet[Case], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases  # type: ignore[attr-defined]


class AccessPointChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} · {obj.lead_organization.name}"


class TriageRedirectForm(forms.Form):
    """Only to a PUA: an organisation without one has nobody who triages signals."""

    redirect_to = AccessPointChoiceField(
        label=_("Send on to the PUA"), queryset=AccessPoint.objects.none()
    )
    reason = forms.CharField(label=_("Reason"), max_length=4000, widget=TEXT)

    def __init__(self, *args: Any, access_points: QuerySet[AccessPoint], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["redirect_to"].queryset = access_points  # type: ignore[attr-defined]


class TriageDeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=4000, widget=TEXT)


class MarkReadForm(forms.Form):
    notification = forms.UUIDField(required=False, widget=forms.HiddenInput)
    all = forms.BooleanField(required=False, widget=forms.HiddenInput)
