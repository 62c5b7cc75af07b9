"""The legal bases of permits and protections an outcome can name (STANDARDS.md §4).

Kept as rows, not code: when a law changes, a coordinator adds a row and closes the old one
(`valid_until`) and past outcomes keep pointing at the basis they were granted under.
"""

import datetime

from django.db import migrations

BASES = [
    ("art18-social", "Art. 18 — percorso sociale", "Art. 18 D.Lgs. 286/1998", None, None,
     "Proposta dei servizi sociali o enti iscritti; nessuna denuncia necessaria."),
    ("art18-judicial", "Art. 18 — percorso giudiziario", "Art. 18 D.Lgs. 286/1998", None, None,
     "Su parere o proposta del pubblico ministero."),
    ("art18-ter", "Art. 18-ter — vittime di sfruttamento lavorativo (603-bis)",
     "Art. 18-ter D.Lgs. 286/1998 (D.L. 145/2024, L. 187/2024)", datetime.date(2024, 10, 11), None,
     "Su proposta dell'autorità giudiziaria; durata da verificare (D.L. 146/2025)."),
    ("art22-12quater", "Art. 22 c. 12-quater (abrogato)", "Art. 22 c. 12-quater D.Lgs. 286/1998",
     None, datetime.date(2024, 10, 10), "Sostituito dall'art. 18-ter."),
    ("refugee", "Status di rifugiato", "D.Lgs. 251/2007", None, None, ""),
    ("subsidiary", "Protezione sussidiaria", "D.Lgs. 251/2007", None, None, ""),
    ("special-protection", "Protezione speciale", "Art. 19 c. 1.1 D.Lgs. 286/1998", None, None,
     "Disciplina modificata più volte: verificare la norma vigente."),
    ("work-permit", "Permesso per lavoro subordinato", "Art. 22 D.Lgs. 286/1998", None, None, ""),
    ("permit-conversion", "Conversione del permesso in lavoro", "Art. 6 c. 1 D.Lgs. 286/1998",
     None, None, ""),
]


def add_bases(apps, schema_editor):
    LegalBasis = apps.get_model("cases", "LegalBasis")
    for code, name, reference, valid_from, valid_until, note in BASES:
        LegalBasis.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "reference": reference,
                "valid_from": valid_from,
                "valid_until": valid_until,
                "note": note,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_initial")]

    operations = [migrations.RunPython(add_bases, migrations.RunPython.noop)]
