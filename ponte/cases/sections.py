"""The sections of a case file, in the order of the path. The case page's navigation shows a
section once its URL exists, so each part of the app plugs in by defining its URL name."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

SECTIONS: list[tuple[str, object]] = [
    ("cases:case_detail", _("Overview")),
    ("cases:listening_list", _("First listening")),
    ("cases:assessment_list", _("Exploitation indicators")),
    ("cases:safety_list", _("Safety")),
    ("cases:skills", _("Skills")),
    ("cases:plan", _("Plan")),
    ("cases:matching", _("Matching services")),
    ("cases:activity_list", _("Activities")),
    ("cases:support_list", _("Direct support")),
    ("cases:follow_up_list", _("Follow-ups")),
    ("referrals:case_referrals", _("Referrals")),
    ("cases:outcome_list", _("Outcomes")),
    ("cases:note_list", _("Notes")),
]
