"""Forms of the outreach pages: places, and the filters of the lists and the dashboard."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from ponte.network.models import AccessPoint, Organization, Territory
from ponte.outreach.codes import Channel, Method, NextStep, PlaceKind, Sector
from ponte.outreach.models import Contact, Outing, Place

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlaceForm(forms.ModelForm):
    place = forms.CharField(label=_("Municipality"), required=False, max_length=120)

    class Meta:
        model = Place
        fields = [
            "organization",
            "kind",
            "name",
            "latitude",
            "longitude",
            "safety_notes",
            "best_times",
            "is_active",
        ]
        widgets = {
            "safety_notes": forms.Textarea(attrs={"rows": 3}),
            "best_times": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "latitude": _("Optional, e.g. 45.46427."),
            "safety_notes": _("Encrypted. What the team should know to work there safely."),
        }

    def __init__(
        self, *args: Any, organization_choices: QuerySet[Organization], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organization_choices  # type: ignore[attr-defined]
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
        lat, lon = cleaned.get("latitude"), cleaned.get("longitude")
        if (lat is None) != (lon is None):
            self.add_error("longitude", _("Give both coordinates, or neither."))
        if lat is not None and not -90 <= lat <= 90:
            self.add_error("latitude", _("The latitude is between -90 and 90."))
        if lon is not None and not -180 <= lon <= 180:
            self.add_error("longitude", _("The longitude is between -180 and 180."))
        return cleaned


class PeriodForm(forms.Form):
    """Period and PUA: shared by every list and by the dashboard."""

    date_from = forms.DateField(label=_("From"), required=False, widget=_DATE)
    date_to = forms.DateField(label=_("To"), required=False, widget=_DATE)
    access_point = forms.ModelChoiceField(
        label=_("PUA"),
        required=False,
        empty_label=_("All PUAs"),
        queryset=AccessPoint.objects.none(),
        to_field_name="public_id",
    )

    def __init__(self, *args: Any, access_points: QuerySet[AccessPoint], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["access_point"].queryset = access_points  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date comes before the start date."))
        return cleaned

    def value(self, name: str) -> Any:
        return self.cleaned_data.get(name) if self.is_valid() else None


class OutingFilterForm(PeriodForm):
    method = forms.ChoiceField(
        label=_("Method"), required=False, choices=[("", _("All methods")), *Method.choices]
    )
    place = forms.ModelChoiceField(
        label=_("Place"),
        required=False,
        empty_label=_("All places"),
        queryset=Place.objects.none(),
        to_field_name="public_id",
    )

    def __init__(self, *args: Any, places: QuerySet[Place], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places  # type: ignore[attr-defined]

    def apply(self, qs: QuerySet[Outing]) -> QuerySet[Outing]:
        if not self.is_valid():
            return qs
        data = self.cleaned_data
        if data["date_from"]:
            qs = qs.filter(date__gte=data["date_from"])
        if data["date_to"]:
            qs = qs.filter(date__lte=data["date_to"])
        if data["access_point"]:
            qs = qs.filter(access_point=data["access_point"])
        if data["method"]:
            qs = qs.filter(method=data["method"])
        if data["place"]:
            qs = qs.filter(places=data["place"])
        return qs


class ContactFilterForm(PeriodForm):
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All channels")), *Channel.choices]
    )
    sector = forms.ChoiceField(
        label=_("Work sector"), required=False, choices=[("", _("All sectors")), *Sector.choices]
    )
    place_kind = forms.ChoiceField(
        label=_("Kind of place"),
        required=False,
        choices=[("", _("All kinds of place")), *PlaceKind.choices],
    )
    next_step = forms.ChoiceField(
        label=_("Next step"), required=False, choices=[("", _("Any")), *NextStep.choices]
    )
    nationality = forms.CharField(label=_("Nationality (ISO code)"), required=False, max_length=2)

    def apply(self, qs: QuerySet[Contact]) -> QuerySet[Contact]:
        if not self.is_valid():
            return qs
        data = self.cleaned_data
        if data["date_from"]:
            qs = qs.filter(met_at__date__gte=data["date_from"])
        if data["date_to"]:
            qs = qs.filter(met_at__date__lte=data["date_to"])
        if data["access_point"]:
            qs = qs.filter(access_point=data["access_point"])
        for name in ("channel", "sector", "next_step"):
            if data[name]:
                qs = qs.filter(**{name: data[name]})
        if data["nationality"]:
            qs = qs.filter(nationality=data["nationality"].upper())
        if data["place_kind"]:
            qs = qs.filter(
                Q(
                    pk__in=Contact.objects.filter(outing__places__kind=data["place_kind"]).values(
                        "pk"
                    )
                )
            )
        return qs


class PlaceFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of place"),
        required=False,
        choices=[("", _("All kinds of place")), *PlaceKind.choices],
    )
    q = forms.CharField(label=_("Name"), required=False, max_length=100)

    def apply(self, qs: QuerySet[Place]) -> QuerySet[Place]:
        if not self.is_valid():
            return qs
        if self.cleaned_data["kind"]:
            qs = qs.filter(kind=self.cleaned_data["kind"])
        if self.cleaned_data["q"]:
            qs = qs.filter(name__icontains=self.cleaned_data["q"])
        return qs
