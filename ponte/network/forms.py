from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ponte.accounts.models import User
from ponte.network.models import (
    AccessPoint,
    Agreement,
    Organization,
    OrganizationKind,
    Signatory,
    Site,
    TeamMember,
    Territory,
)
from ponte.network.roles import Role

PDF_MAGIC = b"%PDF-"


class OrganizationFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *OrganizationKind.choices]
    )
    province = forms.ModelChoiceField(
        label=_("Province"),
        required=False,
        empty_label=_("All provinces"),
        queryset=Territory.objects.filter(level=Territory.Level.PROVINCE),
    )


class AgreementFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Agreement.Kind.choices]
    )
    in_force = forms.BooleanField(label=_("Only in force today"), required=False)


class AccessPointFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    province = forms.ModelChoiceField(
        label=_("Province"),
        required=False,
        empty_label=_("All provinces"),
        queryset=Territory.objects.filter(level=Territory.Level.PROVINCE),
    )


def _territory_field(
    levels: list[str], label: Any, required: bool = False
) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        required=required,
        queryset=Territory.objects.filter(level__in=levels).order_by("level", "name"),
    )


class OrganizationForm(forms.ModelForm):
    territory = _territory_field(["region", "province", "ambito"], _("Territory"))
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = Organization
        # Explicit allow-list: the registering organisation and flags are set by the view.
        fields = [
            "name",
            "kind",
            "territory",
            "description",
            "address",
            "email",
            "phone",
            "website",
            "data_sharing_agreement",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, steward_choices: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if steward_choices is not None:
            self.fields["managed_by"] = forms.ModelChoiceField(
                label=_("Registered by"),
                queryset=steward_choices,
                required=True,
                help_text=_("Your organisation that keeps this record up to date."),
            )


class AccessPointForm(forms.ModelForm):
    ambiti = forms.ModelMultipleChoiceField(
        label=_("Ambiti served"),
        required=False,
        queryset=Territory.objects.filter(level=Territory.Level.AMBITO).select_related("parent"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    class Meta:
        model = AccessPoint
        fields = ["name", "lead_organization", "form", "description", "email", "phone"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, lead_choices: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if lead_choices is not None:
            self.fields["lead_organization"].queryset = lead_choices  # type: ignore[attr-defined]


class SiteForm(forms.ModelForm):
    municipality = _territory_field(["municipality"], _("Municipality"))

    class Meta:
        model = Site
        fields = ["name", "address", "municipality", "opening_hours", "is_itinerant"]
        widgets = {"opening_hours": forms.Textarea(attrs={"rows": 2})}


class TeamMemberForm(forms.ModelForm):
    class Meta:
        model = TeamMember
        fields = ["user", "professional_role", "languages"]

    def __init__(self, *args: Any, user_choices: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user_choices is not None:
            self.fields["user"].queryset = user_choices  # type: ignore[attr-defined]

    def clean_languages(self) -> str:
        codes = [c.strip().lower() for c in self.cleaned_data["languages"].split(",") if c.strip()]
        bad = [c for c in codes if not (c.isalpha() and 2 <= len(c) <= 3)]
        if bad:
            raise forms.ValidationError(
                _("Use ISO 639 codes of 2 or 3 letters (e.g. ar, pa, ur); not valid: %(codes)s"),
                params={"codes": ", ".join(bad)},
            )
        return ", ".join(codes)


class AgreementForm(forms.ModelForm):
    territory = _territory_field(["region", "province", "ambito"], _("Territory"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Agreement
        fields = [
            "kind",
            "title",
            "promoter",
            "territory",
            "description",
            "valid_from",
            "valid_until",
            "document",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "document": forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
        }

    def __init__(self, *args: Any, promoter_choices: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if promoter_choices is not None:
            self.fields["promoter"].queryset = promoter_choices  # type: ignore[attr-defined]
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def clean_document(self) -> Any:
        document = self.cleaned_data.get("document")
        if not document or not hasattr(document, "content_type"):
            return document  # unchanged or cleared
        if document.size > settings.PONTE_MAX_AGREEMENT_PDF_BYTES:
            raise forms.ValidationError(
                _("The file is too large: at most %(mb)d MB."),
                params={"mb": settings.PONTE_MAX_AGREEMENT_PDF_BYTES // (1024 * 1024)},
            )
        head = document.read(5)
        document.seek(0)
        if head != PDF_MAGIC or not document.name.lower().endswith(".pdf"):
            raise forms.ValidationError(_("Only PDF files are accepted for the signed document."))
        return document

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The end date comes before the start date."))
        return cleaned


class SignatoryForm(forms.ModelForm):
    class Meta:
        model = Signatory
        fields = ["organization", "role", "commitments", "resources"]
        widgets = {
            "commitments": forms.Textarea(attrs={"rows": 2}),
            "resources": forms.Textarea(attrs={"rows": 2}),
        }


class MemberInviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].lower()


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name of the partner system"), max_length=100)
    role = forms.ChoiceField(
        label=_("Acts as"),
        choices=[
            (Role.PARTNER_OPERATOR.value, Role.PARTNER_OPERATOR.label),
            (Role.ANALYST.value, Role.ANALYST.label),
        ],
    )


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Who (e-mail)"), required=False, max_length=254)
    action = forms.CharField(label=_("What (action)"), required=False, max_length=64)
    target = forms.CharField(label=_("Object"), required=False, max_length=100)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def users_of(organization_ids: list[int]) -> Any:
    return User.objects.filter(
        memberships__organization_id__in=organization_ids,
        memberships__is_active=True,
        memberships__accepted_at__isnull=False,
        is_active=True,
    ).distinct()
