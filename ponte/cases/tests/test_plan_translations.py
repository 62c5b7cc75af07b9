"""The person's own papers speak the person's language.

The printed plan and the consent texts are rendered under translation.override(<language of
the person's copy>): each language the guide offers must turn their headings into its own
words, not leave the English msgid (a missing or stale .mo shows up here as English text).
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from ponte.cases.models import PlanAction
from ponte.cases.views.plan import PRINT_OWNER

PERSON_LANGUAGES = ["it", "fr", "es", "ar", "ur", "pa", "bn"]
RTL = {"ar", "ur"}

PLAN_HEADINGS = [
    "My plan",
    "This is your plan. You can change it at any time with your case manager.",
    "Why I am here and what I expect",
    "What I fear",
    "What I want to do (work goal)",
    "Which services I will use",
    "Where and how",
    "Whom to contact",
    "My goals",
    "What I want to have reached at the end",
    "Phone",
    "Your case manager",
]
CONSENT_HEADINGS = [
    "Your consent",
    "Help from the access point",
    "What we write down, and why",
    "Who can see it",
    "Your choice",
    "How long we keep it",
    "Your safety",
    "Sharing with another organisation",
    "Counting, without your name",
    "I agree: signature, or name of the witness or interpreter",
]


def _plan_context(lang: str) -> dict[str, Any]:
    # Fictional data; plain objects are enough for the template.
    action = SimpleNamespace(due_on=datetime.date(2026, 12, 1), status="open")
    plan = SimpleNamespace(
        agreed_on=datetime.date(2026, 11, 20),
        revision=2,
        why_here="Test: why here",
        fears="Test: fears",
        work_goal="Test: work goal",
        end_goal="Test: end goal",
        review_on=datetime.date(2027, 1, 15),
    )
    return {
        "plan": plan,
        "first_name": "Testname",
        "access_point": SimpleNamespace(name="PUA Test", phone="0000 000000", email=""),
        "sites": [],
        "services": [
            {"name": "Test service", "where_how": "Test place", "when": "", "contact": "Test"}
        ],
        "goals": [
            {
                "text": "Test goal",
                "actions": [
                    {
                        "text": "Test action",
                        "who": PRINT_OWNER[PlanAction.Owner.CASE_MANAGER],
                        "action": action,
                    }
                ],
            }
        ],
        "lang": lang,
        "rtl": lang in RTL,
        "case_reference": "C-TEST",
        "for_pdf": True,
    }


def _in(lang: str, msgid: str) -> str:
    with translation.override(lang):
        return translation.gettext(msgid)


@pytest.mark.parametrize("lang", PERSON_LANGUAGES)
def test_printed_plan_headings_are_in_the_persons_language(lang: str) -> None:
    with translation.override(lang):
        html = render_to_string("cases/plan/print.html", _plan_context(lang))
    direction = "rtl" if lang in RTL else "ltr"
    assert f'<html lang="{lang}" dir="{direction}">' in html
    for msgid in PLAN_HEADINGS:
        text = _in(lang, msgid)
        assert text != msgid, f"{lang}: {msgid!r} is not translated"
        assert text in html, (lang, msgid)
    assert "My plan" not in html and "My goals" not in html


@pytest.mark.parametrize("lang", PERSON_LANGUAGES)
def test_consent_text_headings_are_in_the_persons_language(lang: str) -> None:
    with translation.override(lang):
        html = render_to_string(
            "people/consent_text.html",
            {
                "person": None,
                "purposes": ["taking_in_charge", "sharing", "evaluation"],
                "owner": None,
                "recipient": None,
                "version": "1",
                "retention_years": 2,
            },
        )
    for msgid in CONSENT_HEADINGS:
        text = _in(lang, msgid)
        assert text != msgid, f"{lang}: {msgid!r} is not translated"
        assert text in html, (lang, msgid)
    assert "Your consent" not in html


@pytest.mark.parametrize("lang", [code for code in PERSON_LANGUAGES if code != "it"])
def test_the_persons_copy_is_not_the_italian_text(lang: str) -> None:
    for msgid in ("My plan", "Your consent", "Your safety"):
        assert _in(lang, msgid) != _in("it", msgid), (lang, msgid)


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", ("traffick", "exploit")), ("it", ("sfrutt", "tratta")), ("fr", ("traite", "exploit"))],
)
def test_the_printed_plan_never_names_exploitation(lang: str, words: tuple[str, ...]) -> None:
    """Do no harm: a paper copy can be found by the person who exploits them."""
    with translation.override(lang):
        html = render_to_string("cases/plan/print.html", _plan_context(lang)).lower()
    for word in words:
        assert word not in html, (lang, word)
