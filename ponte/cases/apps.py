from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "ponte.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        # The catalog's gap analysis counts recorded needs without importing this app.
        from ponte.cases.needs import needs_by_ambito_and_area
        from ponte.catalog.needs_registry import register_needs_provider

        register_needs_provider(needs_by_ambito_and_area)
