"""PostgreSQL-only trigram index on `Person.name_search`, for the duplicate warning.

`people.queries.possible_duplicates` filters with `contains` on the folded names and their
phonetic keys (people/matching.py); only a trigram index serves `LIKE '%key%'`. Raw SQL so the
model state is unchanged; SQLite (development, small PUAs) scans the organisation's rows.
"""

from django.db import migrations

INDEX = "people_person_name_search_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON people_person USING gin (name_search gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
