"""Plug-in points through which the apps above cases (referrals) add to the case file.

The layers contract forbids `ponte.cases` from importing `ponte.referrals`, yet "my work" must
list the referrals waiting for an answer and the person's rights must reach what was shared
in a referral. The upper app registers its providers in its `AppConfig.ready()`; cases calls
whatever is registered. With nothing registered, each hook simply contributes nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

# (user, case ids queryset, until, today) -> tasks (ponte.cases.queries_tasks.Task)
TaskProvider = Callable[[Any, Any, datetime.date, datetime.date], list[Any]]
# person -> {section name: JSON-ready data} for the person's export (art. 15/20)
PersonDataProvider = Callable[[Any], dict[str, Any]]
# (person, actor) -> None: blank the free text held about the person, inside the erasure's
# transaction; actor is the operator who erases, or "system" for the retention job
PersonEraser = Callable[[Any, Any], None]
# () -> {section key: (title, {field name: label})} for the sections a person-data provider
# adds, so the readable export (page and PDF) shows them with headings, from the same data
# as the JSON. Titles and labels are lazy translations: called at render time.
PersonDataHeadings = Callable[[], dict[str, tuple[Any, dict[str, Any]]]]
# case ids (a queryset of pks) -> {case id: {HTCDS column: value}}: called once per HTCDS
# export, for every row at once, so the rows cost no query each.
HtcdsReferralProvider = Callable[[Any], dict[int, dict[str, str]]]

_task_providers: list[TaskProvider] = []
_person_data_providers: list[PersonDataProvider] = []
_person_erasers: list[PersonEraser] = []
_person_data_headings: list[PersonDataHeadings] = []
_htcds_referral_providers: list[HtcdsReferralProvider] = []


def _add(registry: list[Any], provider: Any) -> None:
    if provider not in registry:
        registry.append(provider)


def register_task_provider(provider: TaskProvider) -> None:
    _add(_task_providers, provider)


def register_person_data_provider(provider: PersonDataProvider) -> None:
    _add(_person_data_providers, provider)


def register_person_eraser(eraser: PersonEraser) -> None:
    _add(_person_erasers, eraser)


def register_person_data_headings(provider: PersonDataHeadings) -> None:
    _add(_person_data_headings, provider)


def register_htcds_referral_provider(provider: HtcdsReferralProvider) -> None:
    _add(_htcds_referral_providers, provider)


def extra_tasks(user: Any, case_ids: Any, until: datetime.date, today: datetime.date) -> list[Any]:
    return [task for provider in _task_providers for task in provider(user, case_ids, until, today)]


def extra_person_data(person: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for provider in _person_data_providers:
        data.update(provider(person))
    return data


def erase_elsewhere(person: Any, *, actor: Any) -> None:
    for eraser in _person_erasers:
        eraser(person, actor)


def extra_person_data_headings() -> dict[str, tuple[Any, dict[str, Any]]]:
    headings: dict[str, tuple[Any, dict[str, Any]]] = {}
    for provider in _person_data_headings:
        headings.update(provider())
    return headings


def htcds_referral_columns(case_ids: Any) -> dict[int, dict[str, str]]:
    columns: dict[int, dict[str, str]] = {}
    for provider in _htcds_referral_providers:
        for case_id, values in provider(case_ids).items():
            columns.setdefault(case_id, {}).update(values)
    return columns
