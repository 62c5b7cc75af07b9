"""Forms of the case's life: the list filters, opening, phase, details, closing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ponte.accounts.models import User
from ponte.cases.models import (
    ClosureOutcome,
    ClosureReason,
    InterventionLogic,
    Phase,
    Source,
    Vulnerability,
    WorkSituation,
)
from ponte.catalog.taxonomy import Area
from ponte.network.models import AccessPoint
from ponte.people.models import Consent

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


NO_VERSION = _(
    "This form did not say which version of the record it was opened on, so nothing was "
    "saved: reload the page and try again."
)


def version_field() -> forms.IntegerField:
    """The version of the record a form was opened on. Required: a form without it would skip
    the stale-save check and could silently overwrite a newer save."""
    messages = {"required": NO_VERSION, "invalid": NO_VERSION, "min_value": NO_VERSION}
    return forms.IntegerField(widget=forms.HiddenInput, min_value=0, error_messages=messages)


def lift_version_error(form: forms.BaseForm) -> None:
    """A hidden field's error shows nowhere on the page: move it to the top of the form."""
    found: dict[str, Any] | None = getattr(form, "_errors", None)  # set while cleaning
    errors = found.pop("version", None) if found else None
    if errors:
        form.add_error(None, list(errors))


def top_errors(form: forms.BaseForm) -> str:
    """The form's non-field errors as one message (for the POST-only buttons' redirects)."""
    return " ".join(str(e) for e in form.non_field_errors())


class VersionedForm(forms.Form):
    """Carries the version of the record the form was opened on: a stale save is refused."""

    version = version_field()

    def clean(self) -> dict[str, Any]:
        lift_version_error(self)
        return super().clean() or {}


class CaseFilterForm(forms.Form):
    phase = forms.ChoiceField(
        label=_("Phase"), required=False, choices=[("", _("Any phase")), *Phase.choices]
    )
    access_point = forms.ModelChoiceField(
        label=_("PUA"), required=False, queryset=AccessPoint.objects.none(), empty_label=_("Any")
    )
    mine = forms.BooleanField(label=_("Only cases I manage or follow"), required=False)
    include_closed = forms.BooleanField(label=_("Include closed cases"), required=False)

    def __init__(self, *args: Any, access_points: QuerySet[AccessPoint], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["access_point"].queryset = access_points  # type: ignore[attr-defined]

    def value(self, name: str) -> Any:
        return self.cleaned_data.get(name) if self.is_valid() else None


class ConsentFieldsForm(forms.Form):
    """The consent to be taken in charge, recorded with the case that needs it."""

    agreed = forms.BooleanField(
        label=_("The person agreed to be taken in charge after hearing the consent text"),
        required=True,
    )
    consent_method = forms.ChoiceField(label=_("How it was given"), choices=Consent.Method.choices)
    consent_witness = forms.CharField(
        label=_("Witness or interpreter"),
        required=False,
        max_length=200,
        help_text=_("Needed for an oral consent."),
    )
    consent_language = forms.ChoiceField(
        label=_("Language of the text"), choices=settings.LANGUAGES
    )
    consent_given_on = forms.DateField(label=_("Given on"), widget=DATE, initial=timezone.localdate)


class OpenCaseForm(ConsentFieldsForm):
    access_point = forms.ModelChoiceField(label=_("PUA"), queryset=AccessPoint.objects.none())
    source = forms.ChoiceField(label=_("How the person arrived"), choices=Source.choices)
    opened_on = forms.DateField(label=_("Opened on"), widget=DATE, initial=timezone.localdate)

    def __init__(
        self, *args: Any, access_points: QuerySet[AccessPoint], needs_consent: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["access_point"].queryset = access_points  # type: ignore[attr-defined]
        if access_points.count() == 1:
            self.fields["access_point"].initial = access_points.first()
        if not needs_consent:
            for name in list(self.fields):
                if name == "agreed" or name.startswith("consent_"):
                    del self.fields[name]


class FromContactForm(ConsentFieldsForm):
    existing_person = forms.ChoiceField(
        label=_("Person"),
        required=False,
        help_text=_("If the person is already registered, choose them: no duplicate is made."),
    )
    family_name = forms.CharField(label=_("Surname"), required=False, max_length=100)

    def __init__(self, *args: Any, candidates: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["existing_person"].choices = [  # type: ignore[attr-defined]
            ("", _("A new person")),
            *candidates,
        ]


class PhaseForm(VersionedForm):
    to = forms.ChoiceField(label=_("Move to"), choices=Phase.choices)
    reason = forms.CharField(
        label=_("Why"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when going back or pausing."),
    )

    def __init__(self, *args: Any, allowed: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [  # type: ignore[attr-defined]
            (p, Phase(p).label) for p in allowed if p != Phase.CLOSED
        ]


class CaseDetailsForm(VersionedForm):
    work_situation = forms.ChoiceField(label=_("Work situation"), choices=WorkSituation.choices)
    intervention_logic = forms.ChoiceField(
        label=_("Intervention logic"),
        required=False,
        choices=[("", "—"), *InterventionLogic.choices],
    )
    case_manager = forms.ModelChoiceField(label=_("Case manager"), queryset=User.objects.none())
    team = forms.ModelMultipleChoiceField(
        label=_("Team"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    follow_up_every_days = forms.IntegerField(
        label=_("Follow-up every (days)"), min_value=7, max_value=365
    )
    vulnerabilities = forms.MultipleChoiceField(
        label=_("Vulnerability conditions"),
        choices=Vulnerability.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    needs = forms.MultipleChoiceField(
        label=_("Needs"), choices=Area.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, staff: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case_manager"].queryset = staff  # type: ignore[attr-defined]
        self.fields["team"].queryset = staff  # type: ignore[attr-defined]


class CloseCaseForm(VersionedForm):
    closed_on = forms.DateField(label=_("Closed on"), widget=DATE, initial=timezone.localdate)
    reason = forms.ChoiceField(label=_("Reason for closing"), choices=ClosureReason.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ClosureOutcome.choices)
    note = forms.CharField(
        label=_("Closing note"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
