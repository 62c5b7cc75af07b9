"""Forms of the plan in action. They only parse input: every rule lives in services/work.py."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ponte.cases.forms.core import VersionedForm
from ponte.cases.models import (
    ActivityKind,
    AutonomyAssessment,
    BudgetLine,
    CaseNote,
    ContractType,
    FollowUp,
    LegalBasis,
    OutcomeKind,
    SupportKind,
)
from ponte.cases.services.work import Amounts
from ponte.outreach.codes import Sector

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def money(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=False, min_value=0, max_digits=9, decimal_places=2
    )


class AssessmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(
            _("%(date)s (average %(avg)s)")
            % {"date": f"{obj.assessed_on:%d/%m/%Y}", "avg": obj.average}
        )


class LegalBasisChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return legal_basis_label(obj)


SCALE = [(str(n), str(n)) for n in range(1, 6)]


def _today() -> datetime.date:
    return timezone.localdate()


class VersionForm(VersionedForm):
    """The case's version when the form was shown (required): a later save by someone else
    refuses this."""


def scale_field(label: Any, required: bool = True) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=SCALE,
        coerce=int,
        empty_value=None,
        required=required,
        widget=forms.RadioSelect,
    )


class ActivityForm(VersionForm):
    kind = forms.ChoiceField(label=_("Activity"), choices=ActivityKind.choices)
    done_on = forms.DateField(label=_("Date"), widget=_DATE, initial=_today)
    minutes = forms.IntegerField(
        label=_("Time spent (minutes)"), required=False, min_value=1, max_value=24 * 60
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class AutonomyForm(VersionForm):
    assessed_on = forms.DateField(label=_("Date"), widget=_DATE, initial=_today)
    autonomy = scale_field(_("Personal autonomy"))
    decisions = scale_field(_("Making decisions"))
    territory = scale_field(_("Knowledge of the territory"))
    social_network = scale_field(_("Social network"))
    initiative = scale_field(_("Initiative"))


LINE_FIELDS = [
    (code, label, f"{code}_planned_amount", f"{code}_spent_amount")
    for code, label in BudgetLine.Line.choices
]


class _Lines(VersionForm):
    """The individual budget's three lines; used only when the measure is a budget."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for _code, label, planned, spent in LINE_FIELDS:
            self.fields[planned] = money(_("%(line)s: planned (€)") % {"line": label})
            self.fields[spent] = money(_("%(line)s: spent (€)") % {"line": label})

    def line_amounts(self) -> dict[str, Amounts]:
        data = self.cleaned_data
        return {
            code: Amounts(data.get(planned) or Decimal("0"), data.get(spent) or Decimal("0"))
            for code, _label, planned, spent in LINE_FIELDS
        }

    def amounts(self) -> Amounts:
        data = self.cleaned_data
        return Amounts(
            data.get("planned_amount") or Decimal("0"), data.get("spent_amount") or Decimal("0")
        )

    def line_fields(self) -> list[tuple[Any, forms.BoundField, forms.BoundField]]:
        return [(label, self[planned], self[spent]) for _c, label, planned, spent in LINE_FIELDS]


class SupportForm(_Lines):
    kind = forms.ChoiceField(label=_("Measure"), choices=SupportKind.choices)
    autonomy_assessment = AssessmentChoiceField(
        label=_("Autonomy assessment"), queryset=AutonomyAssessment.objects.none()
    )
    granted_on = forms.DateField(label=_("Granted on"), widget=_DATE, initial=_today)
    starts_on = forms.DateField(label=_("From"), widget=_DATE, required=False)
    ends_on = forms.DateField(label=_("To"), widget=_DATE, required=False)
    planned_amount = money(_("Planned (€)"))
    spent_amount = money(_("Spent (€)"))
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, assessments: QuerySet[AutonomyAssessment], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["autonomy_assessment"]
        if not isinstance(field, forms.ModelChoiceField):  # pragma: no cover - for mypy
            raise TypeError
        field.queryset = assessments
        first = assessments.first()
        if first is not None:
            field.initial = first.pk


class SpendForm(_Lines):
    planned_amount = money(_("Planned (€)"))
    spent_amount = money(_("Spent (€)"))


class ScheduleForm(forms.Form):
    count = forms.IntegerField(label=_("How many"), min_value=1, max_value=12, initial=3)
    start = forms.DateField(
        label=_("First on"),
        widget=_DATE,
        required=False,
        help_text=_("Leave empty: one cadence from today."),
    )


WELLBEING = [
    ("wellbeing_general", _("How I feel in general")),
    ("wellbeing_work", _("How I feel about my work")),
    ("wellbeing_housing", _("How I feel about where I live")),
    ("wellbeing_safety", _("How safe I feel")),
]


class FollowUpForm(VersionForm):
    status = forms.ChoiceField(
        label=_("The follow-up was"),
        choices=[(FollowUp.Status.DONE, _("Done")), (FollowUp.Status.MISSED, _("Missed"))],
        widget=forms.RadioSelect,
        initial=FollowUp.Status.DONE,
    )
    done_on = forms.DateField(label=_("Date"), widget=_DATE, initial=_today, required=False)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", "—"), *FollowUp.Channel.choices], required=False
    )
    trust = scale_field(_("I trust the people who help me"), required=False)
    wellbeing_general = scale_field(WELLBEING[0][1], required=False)
    wellbeing_work = scale_field(WELLBEING[1][1], required=False)
    wellbeing_housing = scale_field(WELLBEING[2][1], required=False)
    wellbeing_safety = scale_field(WELLBEING[3][1], required=False)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def scales(self) -> list[forms.BoundField]:
        return [self["trust"], *(self[name] for name, _label in WELLBEING)]


def legal_basis_label(basis: LegalBasis) -> str:
    if basis.valid_until:
        return f"{basis.name} ({basis.reference}, {_('until')} {basis.valid_until:%d/%m/%Y})"
    return f"{basis.name} ({basis.reference})"


class OutcomeForm(VersionForm):
    kind = forms.ChoiceField(label=_("Outcome"), choices=OutcomeKind.choices)
    achieved_on = forms.DateField(label=_("Date"), widget=_DATE, initial=_today)
    # Job placement
    contract_type = forms.ChoiceField(
        label=_("Contract"), choices=[("", "—"), *ContractType.choices], required=False
    )
    sector = forms.ChoiceField(
        label=_("Sector"), choices=[("", "—"), *Sector.choices], required=False
    )
    employer = forms.CharField(label=_("Employer"), required=False, max_length=200)
    starts_on = forms.DateField(label=_("Start"), widget=_DATE, required=False)
    duration_months = forms.IntegerField(
        label=_("Duration (months)"), required=False, min_value=1, max_value=600
    )
    # Labour dispute
    dispute_settled = forms.BooleanField(label=_("Settled"), required=False)
    amount_recovered = money(_("Amount recovered (€)"))
    # Permit or protection
    legal_basis = LegalBasisChoiceField(
        label=_("Legal basis"), queryset=LegalBasis.objects.none(), required=False
    )
    description = forms.CharField(label=_("What"), required=False, max_length=300)

    GROUPS = {
        "job": ("contract_type", "sector", "employer", "starts_on", "duration_months"),
        "dispute": ("dispute_settled", "amount_recovered"),
        "permit": ("legal_basis",),
        "other": ("description",),
    }

    def __init__(self, *args: Any, legal_bases: QuerySet[LegalBasis], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["legal_basis"]
        if not isinstance(field, forms.ModelChoiceField):  # pragma: no cover - for mypy
            raise TypeError
        field.queryset = legal_bases

    def group(self, name: str) -> list[forms.BoundField]:
        return [self[f] for f in self.GROUPS[name]]

    @property
    def job_fields(self) -> list[forms.BoundField]:
        return self.group("job")

    @property
    def dispute_fields(self) -> list[forms.BoundField]:
        return self.group("dispute")

    @property
    def permit_fields(self) -> list[forms.BoundField]:
        return self.group("permit")

    @property
    def other_fields(self) -> list[forms.BoundField]:
        return self.group("other")

    def kind_data(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data.get(name) for names in self.GROUPS.values() for name in names
        }


class NoteForm(VersionForm):
    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 4}))
    visibility = forms.ChoiceField(
        label=_("Who may read it"),
        choices=CaseNote.Visibility.choices,
        initial=CaseNote.Visibility.PUA,
        widget=forms.RadioSelect,
    )
