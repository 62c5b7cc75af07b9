from __future__ import annotations

from typing import Any

from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from ponte.catalog.models import (
    Opportunity,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceCapacity,
)
from ponte.catalog.queries import ServiceFilters
from ponte.catalog.taxonomy import COMMON_LANGUAGES, Area, Presence, Stage
from ponte.network.models import Territory, phone_validator

LANGUAGE_CHOICES = [("", _("Any language")), *COMMON_LANGUAGES]


def _places() -> Any:
    return (
        Territory.objects.filter(level__in=[Territory.Level.PROVINCE, Territory.Level.AMBITO])
        .select_related("parent")
        .order_by("level", "name")
    )


class PlaceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Territory) -> str:
        if obj.level == Territory.Level.AMBITO and obj.parent is not None:
            return f"{obj.name} ({obj.parent.name})"
        return f"{obj.name} — {obj.get_level_display()}"


class ServiceSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Words in the name, description or provider."),
    )
    area = forms.ChoiceField(
        label=_("Area"), required=False, choices=[("", _("All areas")), *Area.choices]
    )
    place = PlaceChoiceField(
        label=_("Province or Ambito"),
        required=False,
        queryset=Territory.objects.none(),
        empty_label=_("Anywhere"),
    )
    language = forms.ChoiceField(
        label=_("Language spoken"), required=False, choices=LANGUAGE_CHOICES
    )
    presence = forms.ChoiceField(
        label=_("How it runs"),
        required=False,
        choices=[
            ("", _("In person or online")),
            (Presence.IN_PERSON, Presence.IN_PERSON.label),
            (Presence.ONLINE, Presence.ONLINE.label),
        ],
    )
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("All stages")), *Stage.choices]
    )
    without_permit = forms.BooleanField(
        label=_("Open to people without a valid permit"), required=False
    )
    has_seats = forms.BooleanField(label=_("Has seats now"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = _places()  # type: ignore[attr-defined]

    def filters(self) -> ServiceFilters:
        if not self.is_valid():
            return ServiceFilters()
        data = self.cleaned_data
        return ServiceFilters(
            text=data["q"],
            area=data["area"],
            territory=data["place"],
            language=data["language"],
            presence=data["presence"],
            stage=data["stage"],
            without_permit=data["without_permit"],
            has_seats=data["has_seats"],
        )


class ServiceForm(forms.ModelForm):
    areas = forms.MultipleChoiceField(
        label=_("Areas"), choices=Area.choices, widget=forms.CheckboxSelectMultiple
    )
    languages = forms.CharField(
        label=_("Languages spoken"),
        required=False,
        max_length=200,
        help_text=_("ISO 639 codes separated by commas, e.g. it, ar, pa, ur."),
    )
    territories = forms.ModelMultipleChoiceField(
        label=_("Area served"),
        required=False,
        queryset=Territory.objects.filter(level__in=["region", "province", "ambito"])
        .select_related("parent")
        .order_by("level", "name"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Choose the Ambiti, provinces or the region the service covers."),
    )
    url = forms.URLField(label=_("web page"), required=False, assume_scheme="https")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Service
        fields = [
            "organization",
            "name",
            "alternate_name",
            "description",
            "status",
            "stage",
            "presence",
            "format",
            "objectives",
            "duration",
            "eligibility_description",
            "minimum_age",
            "maximum_age",
            "application_process",
            "fees_description",
            "open_without_permit",
            "url",
            "email",
            "notes",
            "is_public",
        ]
        widgets = {
            field: forms.Textarea(attrs={"rows": 3})
            for field in [
                "description",
                "objectives",
                "eligibility_description",
                "application_process",
                "fees_description",
                "notes",
            ]
        }

    def __init__(self, *args: Any, organization_choices: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organization_choices is not None:
            self.fields["organization"].queryset = organization_choices  # type: ignore[attr-defined]
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.fields["areas"].initial = self.instance.areas
            self.fields["languages"].initial = ", ".join(
                lang.code for lang in self.instance.languages.all()
            )
            self.fields["territories"].initial = list(self.instance.territories.all())

    def clean_languages(self) -> list[str]:
        codes = [c.strip().lower() for c in self.cleaned_data["languages"].split(",") if c.strip()]
        bad = [c for c in codes if not (c.isascii() and c.isalpha() and 2 <= len(c) <= 3)]
        if bad:
            raise forms.ValidationError(
                _("Use ISO 639 codes of 2 or 3 letters (e.g. ar, pa, ur); not valid: %(codes)s"),
                params={"codes": ", ".join(bad)},
            )
        return codes

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        low, high = cleaned.get("minimum_age"), cleaned.get("maximum_age")
        if low is not None and high is not None and high < low:
            self.add_error("maximum_age", _("The maximum age is lower than the minimum age."))
        return cleaned


class OpportunityForm(forms.ModelForm):
    place = forms.CharField(label=_("Municipality"), required=False, max_length=120)

    class Meta:
        model = Opportunity
        fields = [
            "organization",
            "service",
            "kind",
            "title",
            "description",
            "starts_on",
            "ends_on",
            "application_deadline",
            "seats_total",
            "seats_available",
            "italian_level",
            "required_documents",
            "driving_licence_required",
            "skills",
            "open_without_permit",
            "is_open",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "required_documents": forms.Textarea(attrs={"rows": 2}),
            "skills": forms.Textarea(attrs={"rows": 2}),
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "application_deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, organization_choices: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organization_choices is not None:
            self.fields["organization"].queryset = organization_choices  # type: ignore[attr-defined]
            self.fields["service"].queryset = Service.objects.filter(  # type: ignore[attr-defined]
                organization__in=organization_choices
            )
        if self.instance.municipality_id:
            self.fields["place"].initial = self.instance.municipality.name

    def clean_place(self) -> Territory | None:
        """A typed municipality name instead of a select of thousands of options."""
        name = self.cleaned_data["place"].strip()
        if not name:
            return None
        match = Territory.objects.filter(
            level=Territory.Level.MUNICIPALITY, name__iexact=name
        ).first()
        if match is None:
            raise forms.ValidationError(
                _("No municipality called %(name)s."), params={"name": name}
            )
        return match

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("starts_on"), cleaned.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("The end date comes before the start date."))
        total, free = cleaned.get("seats_total"), cleaned.get("seats_available")
        if total is not None and free is not None and free > total:
            self.add_error("seats_available", _("More seats available than seats in all."))
        return cleaned


class OpportunityFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Opportunity.Kind.choices]
    )
    open_only = forms.BooleanField(label=_("Only open now"), required=False, initial=True)
    without_permit = forms.BooleanField(
        label=_("Open to people without a valid permit"), required=False
    )


class GapFilterForm(forms.Form):
    within = forms.ModelChoiceField(
        label=_("Province"),
        required=False,
        empty_label=_("All provinces"),
        queryset=Territory.objects.filter(level=Territory.Level.PROVINCE).order_by("name"),
    )


WEEKDAYS = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"}


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = Schedule
        fields = ["byday", "opens_at", "closes_at", "description"]
        widgets = {
            "opens_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {"byday": _("Days as MO,TU,WE,TH,FR,SA,SU; or describe it in words.")}

    def clean_byday(self) -> str:
        days = [d.strip().upper() for d in self.cleaned_data["byday"].split(",") if d.strip()]
        unknown = [d for d in days if d not in WEEKDAYS]
        if unknown:
            raise forms.ValidationError(
                _("Unknown day: %(days)s. Use MO, TU, WE, TH, FR, SA, SU."),
                params={"days": ", ".join(unknown)},
            )
        return ",".join(days)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("Closing time must come after opening time."))
        return cleaned


class CapacityForm(forms.ModelForm):
    class Meta:
        model = ServiceCapacity
        fields = ["unit", "available", "maximum"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        available, maximum = cleaned.get("available"), cleaned.get("maximum")
        if available is not None and maximum is not None and available > maximum:
            self.add_error("available", _("More seats available than seats in all."))
        return cleaned


class PhoneForm(forms.ModelForm):
    number = forms.CharField(label=_("number"), max_length=40, validators=[phone_validator])

    class Meta:
        model = Phone
        fields = ["number", "description"]


def service_formsets(data: Any, instance: Service) -> dict[str, Any]:
    """The parts of a service edited on the same page: all saved, or none (one request)."""
    factories = {
        "phones": inlineformset_factory(Service, Phone, form=PhoneForm, extra=1, can_delete=True),
        "schedules": inlineformset_factory(
            Service, Schedule, form=ScheduleForm, fk_name="service", extra=1, can_delete=True
        ),
        "documents": inlineformset_factory(
            Service, RequiredDocument, fields=["document"], extra=1, can_delete=True
        ),
        "capacities": inlineformset_factory(
            Service, ServiceCapacity, form=CapacityForm, extra=1, can_delete=True
        ),
    }
    # A part absent from the submitted data (a client posting only the main fields) is left
    # untouched rather than reported as a broken form.
    return {
        name: factory(  # type: ignore[call-arg]
            data if data is not None and f"{name}-TOTAL_FORMS" in data else None,
            instance=instance,
            prefix=name,
        )
        for name, factory in factories.items()
    }
