"""Forms of the joint assessment. They only shape input: rules live in services/assessment.py.

The indicator form has one row per indicator (checkbox, source, date, note) named
``<framework>__<code>__observed|source|date|note`` so it posts as plain HTML, without JS.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from ponte.cases import indicators
from ponte.cases.forms.core import VersionedForm
from ponte.cases.indicators import DIMENSIONS, Framework, Grade, Indicator
from ponte.cases.models import (
    DecidedBy,
    FirstListening,
    LanguageSkill,
    ObservationSource,
    SafetyAssessment,
    SkillsProfile,
    TraffickingStatus,
)
from ponte.cases.services.assessment import ObservationInput, RightsInfo
from ponte.catalog.taxonomy import COMMON_LANGUAGES, Area
from ponte.outreach.codes import Sector

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
LANGUAGES = [("", _("Choose a language")), *COMMON_LANGUAGES]


class VersionMixin(VersionedForm):
    """The Case's version when the form was opened (required): the service refuses a stale
    save."""


class FirstListeningForm(VersionMixin, forms.ModelForm):
    immediate_needs = forms.MultipleChoiceField(
        label=_("Immediate needs"),
        choices=Area.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("They are added to the needs of the case."),
    )
    rights_information = forms.MultipleChoiceField(
        label=_("Information on rights given"),
        choices=RightsInfo.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    language = forms.ChoiceField(label=_("Language used"), choices=LANGUAGES, required=False)

    class Meta:
        model = FirstListening
        fields = ["held_on", "narrative", "language", "mediator_present"]
        widgets = {"held_on": DATE, "narrative": forms.Textarea(attrs={"rows": 12})}
        help_texts = {"narrative": _("A narrative, not an interrogation: in the person's words.")}


class SafetyForm(VersionMixin, forms.ModelForm):
    class Meta:
        model = SafetyAssessment
        fields = [
            "assessed_on",
            "threats",
            "debt",
            "fear_of_retaliation",
            "documents_held_by",
            "phone_controlled",
            "risk",
            "details",
            "safety_measures",
        ]
        widgets = {
            "assessed_on": DATE,
            "details": forms.Textarea(attrs={"rows": 4}),
            "safety_measures": forms.Textarea(attrs={"rows": 4}),
        }


class DecisionForm(VersionMixin):
    status = forms.ChoiceField(
        label=_("Trafficking status"), choices=[("", "---------"), *TraffickingStatus.choices]
    )
    decided_by = forms.ChoiceField(
        label=_("Decided by"), choices=[("", "---------"), *DecidedBy.choices]
    )
    justification = forms.CharField(
        label=_("Justification"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Why: the screening supports the decision, it does not make it."),
    )


class NotesForm(VersionMixin):
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


# ---- the indicator form -------------------------------------------------------------------------


@dataclass
class IndicatorRow:
    indicator: Indicator
    observed: forms.BoundField
    source: forms.BoundField
    date: forms.BoundField
    note: forms.BoundField

    @property
    def grade_label(self) -> Any:
        return Grade(self.indicator.grade).label if self.indicator.grade else ""


@dataclass
class IndicatorGroup:
    legend: Any
    rows: list[IndicatorRow]


@dataclass
class FrameworkBlock:
    code: str
    label: Any
    groups: list[IndicatorGroup]
    ticked: int


def field_prefix(indicator: Indicator) -> str:
    return f"{indicator.framework}__{indicator.code}"


class AssessmentForm(VersionMixin):
    assessed_on = forms.DateField(label=_("Date of the assessment"), widget=DATE)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sources = [("", _("Source")), *ObservationSource.choices]
        for ind in indicators.ALL_INDICATORS:
            p = field_prefix(ind)
            self.fields[f"{p}__observed"] = forms.BooleanField(label=ind.label, required=False)
            self.fields[f"{p}__source"] = forms.ChoiceField(
                label=_("Source"), choices=sources, required=False
            )
            self.fields[f"{p}__date"] = forms.DateField(
                label=_("Date"), required=False, widget=DATE
            )
            self.fields[f"{p}__note"] = forms.CharField(
                label=_("Note"), required=False, max_length=500
            )

    def _row(self, ind: Indicator) -> IndicatorRow:
        p = field_prefix(ind)
        parts = (self[f"{p}__{part}"] for part in ("observed", "source", "date", "note"))
        return IndicatorRow(ind, *parts)

    def _ticked(self, ind: Indicator) -> bool:
        return bool(self[f"{field_prefix(ind)}__observed"].value())

    def blocks(self) -> list[FrameworkBlock]:
        """The frameworks in the order operators use them; Delphi grouped by dimension."""
        out = []
        for fw in (Framework.C603, Framework.ILO, Framework.DELPHI, Framework.CONTROL):
            if fw == Framework.DELPHI:
                groups = [
                    IndicatorGroup(
                        d.label, [self._row(i) for i in indicators.dimension_indicators(d.code)]
                    )
                    for d in DIMENSIONS
                ]
            else:
                rows = [self._row(i) for i in indicators.indicators_of(fw)]
                groups = [IndicatorGroup(fw.label, rows)]
            ticked = sum(self._ticked(i) for i in indicators.indicators_of(fw))
            out.append(FrameworkBlock(fw.value, fw.label, groups, ticked))
        return out

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or self.cleaned_data
        assessed_on: datetime.date | None = data.get("assessed_on")
        observations = []
        for ind in indicators.ALL_INDICATORS:
            p = field_prefix(ind)
            if not data.get(f"{p}__observed"):
                continue
            source = data.get(f"{p}__source")
            if not source:
                self.add_error(f"{p}__source", _("Say where this comes from."))
                continue
            observed_on = data.get(f"{p}__date") or assessed_on
            if observed_on is None:
                continue  # the assessment date's own error is shown
            observations.append(
                ObservationInput(
                    ind.framework, ind.code, source, observed_on, data.get(f"{p}__note", "")
                )
            )
        data["observations"] = observations
        return data


def initial_from(assessment: Any) -> dict[str, Any]:
    """Pre-tick a previous assessment's observations (a re-assessment starts from there)."""
    initial: dict[str, Any] = {}
    for obs in assessment.observations.all():
        p = f"{obs.framework}__{obs.code}"
        if (obs.framework, obs.code) not in indicators.INDICATORS:
            continue  # a retired code stays in the old assessment only
        initial.update(
            {
                f"{p}__observed": True,
                f"{p}__source": obs.source,
                f"{p}__date": obs.observed_on,
                f"{p}__note": obs.note,
            }
        )
    return initial


# ---- skills -------------------------------------------------------------------------------------


class SkillsProfileForm(VersionMixin, forms.ModelForm):
    class Meta:
        model = SkillsProfile
        fields = [
            "competences",
            "education",
            "certifications",
            "driving_licence",
            "wish",
            "available_hours",
            "has_transport",
            "places",
            "childcare_constraints",
            "other_constraints",
        ]
        widgets = {
            "competences": forms.Textarea(attrs={"rows": 4}),
            "other_constraints": forms.Textarea(attrs={"rows": 3}),
        }


class ExperienceForm(forms.Form):
    what = forms.CharField(label=_("What"), max_length=200)
    sector = forms.ChoiceField(
        label=_("Sector"), choices=[("", "---------"), *Sector.choices], required=False
    )
    where = forms.CharField(label=_("Where"), max_length=200, required=False)
    months = forms.IntegerField(
        label=_("How long (months)"), min_value=0, max_value=1200, required=False
    )
    formal = forms.BooleanField(label=_("With a contract or a certificate"), required=False)
    learned = forms.CharField(label=_("What was learned"), max_length=400, required=False)


class LanguageSkillForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGES)
    level = forms.ChoiceField(
        label=_("Level"), choices=[("", "---------"), *LanguageSkill.Level.choices]
    )


EXTRA_ROWS = 2
MAX_ROWS = 30


def experience_formset(extra: int = EXTRA_ROWS) -> type[forms.BaseFormSet[Any]]:
    return formset_factory(ExperienceForm, extra=extra, can_delete=True, max_num=MAX_ROWS)


def language_formset(extra: int = EXTRA_ROWS) -> type[forms.BaseFormSet[Any]]:
    return formset_factory(LanguageSkillForm, extra=extra, can_delete=True, max_num=MAX_ROWS)


def kept_rows(formset: forms.BaseFormSet[Any]) -> list[dict[str, Any]]:
    """The rows not marked for deletion: existing ones, and extra ones that were filled."""
    initial = formset.initial_form_count()
    return [
        {k: v for k, v in f.cleaned_data.items() if k != "DELETE"}
        for i, f in enumerate(formset.forms)
        if (i < initial or f.has_changed()) and f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]
