"""Gender values aligned with HTCDS 2.0 prs_Gender.

The old "transgender" did not say feminine or masculine: guessing would write a wrong fact about
a person, so it becomes "unknown" (HTCDS NonSpecifiedUnknown, as the export already sent it) and
the team can record the right value with the person. The old "other" (neither female nor male)
is HTCDS "NonConforming". Going back maps the new values to the nearest old ones.
"""

from django.db import migrations, models

FORWARD = {"transgender": "unknown", "other": "non_conforming"}
BACKWARD = {
    "trans_feminine": "transgender",
    "trans_masculine": "transgender",
    "non_conforming": "other",
}


def _remap(mapping: dict[str, str]):
    def run(apps, schema_editor):
        Person = apps.get_model("people", "Person")
        for old, new in mapping.items():
            Person.objects.filter(gender=old).update(gender=new)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_person_restricted_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="person",
            name="gender",
            field=models.CharField(
                choices=[
                    ("female", "Female"),
                    ("male", "Male"),
                    ("trans_feminine", "Transgender feminine"),
                    ("trans_masculine", "Transgender masculine"),
                    ("non_conforming", "Non-conforming"),
                    ("unknown", "Not known"),
                ],
                default="unknown",
                max_length=16,
                verbose_name="gender",
            ),
        ),
        migrations.RunPython(_remap(FORWARD), _remap(BACKWARD), elidable=False),
    ]
