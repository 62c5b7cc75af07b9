from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class MaximumLengthValidator:
    """Accept long passphrases (ASVS asks for at least 64) but bound the hashing work."""

    max_length = 128

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                _("The password can be at most %(max)d characters long.")
                % {"max": self.max_length},
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return _("Up to %(max)d characters; a long phrase is easier to remember.") % {
            "max": self.max_length
        }
