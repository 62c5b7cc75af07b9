"""Forms of the people pages: search, the person's data, the intake at the desk, consents.

The forms validate input; the services (people/services.py, cases/services/core.py) decide and
write. The person form never saves itself: views pass its cleaned data to the services.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ponte.network.models import AccessPoint, Organization
from ponte.people.codes import COUNTRIES, LANGUAGES
from ponte.people.models import Consent, Person
from ponte.people.services import EDITABLE_FIELDS, clean_codice_fiscale

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# Shown first at the desk; everything else waits under "More about the person".
PRIMARY_FIELDS = ("given_name", "is_alias", "family_name")
_LANGUAGES_MAX = 100  # Person.languages max_length


def add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's refusal on the form: on its field when the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


class PersonFilterForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Registered by"),
        required=False,
        queryset=Organization.objects.none(),
        empty_label=_("Any organisation"),
    )
    open_case = forms.ChoiceField(
        label=_("Open case"),
        required=False,
        choices=[("", _("Any")), ("yes", _("With an open case")), ("no", _("Without"))],
    )

    def __init__(self, *args: Any, organizations: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if len(organizations) < 2:
            del self.fields["organization"]  # nothing to choose between
        else:
            self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]

    def value(self, name: str) -> Any:
        return self.cleaned_data.get(name) if self.is_valid() else None


class PersonForm(forms.ModelForm):
    """The person's data, for registration and edits. Only the first name or alias is due."""

    citizenship = forms.ChoiceField(
        label=_("Citizenship"), required=False, choices=[("", "—"), *COUNTRIES]
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"),
        required=False,
        choices=LANGUAGES,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Choose one or more (Ctrl or Cmd + click on a computer)."),
    )
    preferred_language = forms.ChoiceField(
        label=_("Language for documents"),
        choices=settings.LANGUAGES,
        initial="it",
        help_text=_("The consent text and the plan are printed in this language."),
    )

    class Meta:
        model = Person
        fields = list(EDITABLE_FIELDS)
        widgets = {
            "birth_date": DATE,
            "permit_expiry": DATE,
            "phone": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
            "codice_fiscale": forms.TextInput(
                attrs={"autocomplete": "off", "autocapitalize": "characters"}
            ),
            "document_notes": forms.Textarea(attrs={"rows": 2}),
            "household": forms.Textarea(attrs={"rows": 2}),
            "safe_contact": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "given_name": _("The only thing needed. An alias is fine if the person prefers."),
            "birth_year": _("If the date is not known. Filled in from the date when given."),
            "safe_contact": _(
                "Encrypted. For example: only after 8 pm; never leave messages; the phone is "
                "shared."
            ),
            "phone": _("Encrypted."),
            "codice_fiscale": _("Encrypted. Checked for typing mistakes."),
            "document_notes": _("Encrypted."),
            "household": _("Encrypted. Who lives with or depends on the person."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["languages"] = self.instance.language_list()

    def clean_codice_fiscale(self) -> str:
        try:
            return clean_codice_fiscale(self.cleaned_data.get("codice_fiscale") or "")
        except ValidationError as e:
            raise ValidationError(e.message_dict["codice_fiscale"]) from e

    def clean_languages(self) -> str:
        joined = ",".join(self.cleaned_data.get("languages") or [])
        if len(joined) > _LANGUAGES_MAX:
            raise ValidationError(_("Too many languages: keep the ones the person speaks best."))
        return joined

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        birth_date = data.get("birth_date")
        if birth_date and birth_date > timezone.localdate():
            self.add_error("birth_date", _("The date cannot be in the future."))
        return data

    def person_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS if name in self.fields}

    def primary_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in PRIMARY_FIELDS]

    def more_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in EDITABLE_FIELDS if name not in PRIMARY_FIELDS]


class PersonEditForm(PersonForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ConsentFields(forms.Form):
    """How the consent was given; shared by the intake and the consent page."""

    method = forms.ChoiceField(label=_("How it was given"), choices=Consent.Method.choices)
    witness = forms.CharField(
        label=_("Witness or interpreter"),
        required=False,
        max_length=200,
        help_text=_("Needed for an oral consent: the name of who was present."),
    )
    language = forms.ChoiceField(
        label=_("Language of the text shown or read"), choices=settings.LANGUAGES
    )
    given_on = forms.DateField(label=_("Given on"), widget=DATE, initial=timezone.localdate)
    agreed = forms.BooleanField(
        label=_("The person agreed after hearing the consent text, in a language they understand"),
        required=True,
    )

    def clean_given_on(self) -> Any:
        day = self.cleaned_data["given_on"]
        if day > timezone.localdate():
            raise ValidationError(_("The date cannot be in the future."))
        return day


class IntakeForm(PersonForm):
    """The desk's intake: the person, their consent to be taken in charge, and the case."""

    method = ConsentFields.base_fields["method"]
    witness = ConsentFields.base_fields["witness"]
    language = ConsentFields.base_fields["language"]
    given_on = ConsentFields.base_fields["given_on"]
    agreed = ConsentFields.base_fields["agreed"]
    access_point = forms.ModelChoiceField(label=_("PUA"), queryset=AccessPoint.objects.none())
    open_case = forms.BooleanField(
        label=_("Open a case now"),
        required=False,
        initial=True,
        help_text=_("Untick to register the person and their consent only."),
    )
    not_duplicate = forms.BooleanField(label=_("None of these is the same person"), required=False)
    # The candidates the operator was shown: ticking the box covers these and no others.
    seen_duplicates = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, access_points: QuerySet[AccessPoint], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["access_point"].queryset = access_points  # type: ignore[attr-defined]
        if len(access_points) == 1:
            self.fields["access_point"].initial = access_points[0]
        self.fields["given_on"].initial = timezone.localdate
        self.fields["language"].initial = "it"

    def clean_given_on(self) -> Any:
        return ConsentFields.clean_given_on(self)  # type: ignore[arg-type]

    def consent_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("method", "witness", "language", "given_on", "agreed")]

    def seen(self) -> set[str]:
        return {v for v in (self.cleaned_data.get("seen_duplicates") or "").split(",") if v}


class ConsentForm(ConsentFields):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Consent.Purpose.choices)
    recipient = forms.ModelChoiceField(
        label=_("Shared with"),
        required=False,
        queryset=Organization.objects.none(),
        help_text=_("Only for sharing: the one organisation the person agreed to."),
    )
    field_order = ["purpose", "recipient", "method", "witness", "language", "given_on", "agreed"]

    def __init__(self, *args: Any, recipients: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = recipients  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        purpose, recipient = data.get("purpose"), data.get("recipient")
        if purpose == Consent.Purpose.SHARING and recipient is None:
            self.add_error("recipient", _("Name the organisation the data is shared with."))
        if purpose and purpose != Consent.Purpose.SHARING and recipient is not None:
            self.add_error("recipient", _("Only a sharing consent names an organisation."))
        return data


class WithdrawForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Encrypted. For example: asked by phone, with the mediator."),
    )
