import importlib.util

from django.urls import URLPattern, URLResolver, include, path

app_name = "cases"

# Each part of the case file brings its own URL module; a part not written yet is skipped.
_PARTS = ["core", "assessment", "plan", "work", "rights"]

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include(f"ponte.cases.urls_{part}"))
    for part in _PARTS
    if importlib.util.find_spec(f"ponte.cases.urls_{part}") is not None
]
