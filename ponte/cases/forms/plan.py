"""Forms of the plan page.

One page edits the whole draft without JavaScript: the texts, a formset of services, a formset
of goals and a formset of actions where each action names its goal by number ("Goal 1"). Empty
rows are ignored, so a case manager fills what they need and leaves the rest blank.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ponte.cases.forms.core import VersionedForm
from ponte.cases.models import Goal, Plan, PlanAction
from ponte.cases.services.plan import ActionInput, GoalInput, ServiceInput
from ponte.catalog.models import Service
from ponte.catalog.taxonomy import Stage, Status

MAX_GOALS = 8
MAX_ACTIONS = 24
EXTRA_SERVICES = 2
EXTRA_GOALS = 2
EXTRA_ACTIONS = 3


def catalog_services(user: Any) -> QuerySet[Service]:
    return (
        Service.objects.visible_to(user)
        .filter(status=Status.ACTIVE, stage=Stage.ACTIVE)
        .select_related("organization")
        .order_by("name", "pk")
    )


class PlanTextsForm(VersionedForm, forms.ModelForm):
    """The plan's version (0: no plan yet) travels with every plan form: stale saves refused."""

    class Meta:
        model = Plan
        fields = ["why_here", "fears", "work_goal", "end_goal", "review_on"]
        widgets = {
            "why_here": forms.Textarea(attrs={"rows": 3}),
            "fears": forms.Textarea(attrs={"rows": 3}),
            "work_goal": forms.Textarea(attrs={"rows": 3}),
            "end_goal": forms.Textarea(attrs={"rows": 3}),
            "review_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }


class ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Service) -> str:
        return f"{obj.name} — {obj.organization.name}"


class PlanServiceForm(forms.Form):
    service = ServiceChoiceField(
        label=_("Service from the catalog"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("— not in the catalog —"),
    )
    description = forms.CharField(
        label=_("Service (if not in the catalog, or in the person's words)"),
        max_length=300,
        required=False,
    )
    where_how = forms.CharField(label=_("Where and how"), max_length=300, required=False)
    when = forms.CharField(label=_("When"), max_length=200, required=False)
    contact = forms.CharField(label=_("Whom to contact"), max_length=200, required=False)

    def __init__(self, *args: Any, services: QuerySet[Service] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if services is not None:
            self.fields["service"].queryset = services  # type: ignore[attr-defined]

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("service") and not any(
            (data.get(n) or "").strip() for n in ("description", "where_how", "when", "contact")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        has_other = any((data.get(n) or "").strip() for n in ("where_how", "when", "contact"))
        if has_other and not data.get("service") and not (data.get("description") or "").strip():
            self.add_error("description", _("Choose a service from the catalog or name it."))
        return data


class GoalForm(forms.Form):
    text = forms.CharField(
        label=_("Goal"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    status = forms.ChoiceField(label=_("Status"), choices=Goal.Status.choices, initial="open")


class ActionForm(forms.Form):
    goal = forms.TypedChoiceField(label=_("For goal"), coerce=int, choices=[])
    text = forms.CharField(label=_("Action"), max_length=1000, required=False)
    owner = forms.ChoiceField(label=_("Who"), choices=PlanAction.Owner.choices)
    due_on = forms.DateField(
        label=_("By"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    status = forms.ChoiceField(label=_("Status"), choices=PlanAction.Status.choices)
    done_on = forms.DateField(
        label=_("Done on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, goal_count: int = 1, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["goal"].choices = [  # type: ignore[attr-defined]
            (n, _("Goal %(n)s") % {"n": n}) for n in range(1, goal_count + 1)
        ]

    def clean_done_on(self) -> Any:
        done_on = self.cleaned_data.get("done_on")
        if done_on and done_on > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return done_on


ServiceFormSet = forms.formset_factory(
    PlanServiceForm, extra=EXTRA_SERVICES, max_num=30, validate_max=True
)
GoalFormSet = forms.formset_factory(
    GoalForm, extra=EXTRA_GOALS, max_num=MAX_GOALS, validate_max=True
)
ActionFormSet = forms.formset_factory(
    ActionForm, extra=EXTRA_ACTIONS, max_num=MAX_ACTIONS, validate_max=True
)


def initial_for(
    plan: Plan | None,
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Texts, services, goals and actions of a plan as the forms' initial data."""
    if plan is None:
        return {"version": 0}, [], [], []
    texts = {n: getattr(plan, n) for n in PlanTextsForm.Meta.fields} | {"version": plan.version}
    services = [
        {
            "service": s.service_id,
            "description": s.description,
            "where_how": s.where_how,
            "when": s.when,
            "contact": s.contact,
        }
        for s in plan.services.all()
    ]
    goals: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    for number, goal in enumerate(plan.goals.all(), start=1):
        goals.append({"text": goal.text, "status": goal.status})
        for a in goal.actions.all():
            actions.append(
                {
                    "goal": number,
                    "text": a.text,
                    "owner": a.owner,
                    "due_on": a.due_on,
                    "status": a.status,
                    "done_on": a.done_on,
                }
            )
    return texts, services, goals, actions


def collect(
    service_set: Any, goal_set: Any, action_set: Any
) -> tuple[list[ServiceInput], list[GoalInput]] | None:
    """The inputs for `save_plan_draft`, or None when an action points to an empty goal (the
    error is added to that action's form)."""
    services = [
        ServiceInput(
            service=f.cleaned_data.get("service"),
            description=f.cleaned_data.get("description", "").strip(),
            where_how=f.cleaned_data.get("where_how", "").strip(),
            when=f.cleaned_data.get("when", "").strip(),
            contact=f.cleaned_data.get("contact", "").strip(),
        )
        for f in service_set.forms
        if f.cleaned_data and not f.is_blank()
    ]
    by_number: dict[int, GoalInput] = {}
    goals: list[GoalInput] = []
    for number, f in enumerate(goal_set.forms, start=1):
        text = (f.cleaned_data.get("text") or "").strip()
        if text:
            goal = GoalInput(text=text, status=f.cleaned_data.get("status") or "open")
            by_number[number] = goal
            goals.append(goal)
    ok = True
    for f in action_set.forms:
        text = (f.cleaned_data.get("text") or "").strip()
        if not text:
            continue
        owner_goal = by_number.get(f.cleaned_data.get("goal") or 0)
        if owner_goal is None:
            f.add_error("goal", _("This goal is empty: write the goal first."))
            ok = False
            continue
        owner_goal.actions.append(
            ActionInput(
                text=text,
                owner=f.cleaned_data["owner"],
                due_on=f.cleaned_data.get("due_on"),
                status=f.cleaned_data["status"],
                done_on=f.cleaned_data.get("done_on"),
            )
        )
    return (services, goals) if ok else None


def language_choices() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in settings.LANGUAGES]


class AgreeForm(VersionedForm):
    agreed_on = forms.DateField(
        label=_("Agreed with the person on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    language = forms.ChoiceField(label=_("Language of the person's copy"), choices=[])

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = language_choices()  # type: ignore[attr-defined]

    def clean_agreed_on(self) -> Any:
        day = self.cleaned_data["agreed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day


class ActionStatusForm(VersionedForm):
    """Ticking off an action carries the version of the plan revision it was shown with."""

    status = forms.ChoiceField(label=_("Status"), choices=PlanAction.Status.choices)
    done_on = forms.DateField(
        label=_("Done on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class AddToPlanForm(VersionedForm):
    """Carries the version of the latest plan revision (0: no plan yet) the page was shown with."""

    service = forms.UUIDField(required=False)
    opportunity = forms.UUIDField(required=False)


class VersionForm(VersionedForm):
    """Revise: only the plan's version, so a double click does not open two revisions."""
