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
# person -> None: blank the free text held about the person, inside the erasure's transaction
PersonEraser = Callable[[Any], None]

_task_providers: list[TaskProvider] = []
_person_data_providers: list[PersonDataProvider] = []
_person_erasers: list[PersonEraser] = []


def _add(registry: list[Any], provider: Any) -> None:
    if provider not in registry:
        registry.append(provider)


def register_task_provider(provider: TaskProvider) -> None:
    _add(_task_providers, provider)


def register_person_data_provider(provider: PersonDataProvider) -> None:
    _add(_person_data_providers, provider)


def register_person_eraser(eraser: PersonEraser) -> None:
    _add(_person_erasers, eraser)


def extra_tasks(user: Any, case_ids: Any, until: datetime.date, today: datetime.date) -> list[Any]:
    return [task for provider in _task_providers for task in provider(user, case_ids, until, today)]


def extra_person_data(person: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for provider in _person_data_providers:
        data.update(provider(person))
    return data


def erase_elsewhere(person: Any) -> None:
    for eraser in _person_erasers:
        eraser(person)
