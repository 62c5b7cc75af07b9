"""The sharing consent text tells what a referral shares (issue 6), in every person language."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.utils import translation

LANGUAGES = ["it", "en", "fr", "ar", "ur", "pa", "bn", "es"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_sharing_text_names_the_parts_shared_by_a_request(language: str) -> None:
    with translation.override("en"):
        english = render_to_string("people/consent_text_sharing.html", {"recipient": None})
    with translation.override(language):
        text = render_to_string("people/consent_text_sharing.html", {"recipient": None})
    assert "Nothing about your story" not in text
    if language == "en":
        assert "only while that request is open" in text
    else:  # translated: the new paragraph is not left in English
        assert "only while that request is open" not in text
        assert text != english
