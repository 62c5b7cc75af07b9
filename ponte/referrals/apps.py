from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "ponte.referrals"
    label = "referrals"
    verbose_name = _("Referrals")

    def ready(self) -> None:
        # "My work", the person's export and erasure reach the referrals through cases.extensions.
        from ponte.referrals.case_file import register

        register()
        # Withdrawing a sharing consent closes the open referrals to that organisation.
        from ponte.people.extensions import register_consent_withdrawal_handler
        from ponte.referrals.services.consent import withdraw_referrals_on_consent_withdrawal

        register_consent_withdrawal_handler(withdraw_referrals_on_consent_withdrawal)
