"""PostgreSQL-only indexes for the operators' catalog search (see benchmarks/catalog_search.py).

- A pg_trgm GIN index on `search_text`: `search_services` filters with Django's `contains`,
  i.e. `search_text LIKE '%word%'`, which only a trigram index can serve; without it every
  search reads the whole table.
- A b-tree on (name, id), the model's ordering: the first page of a broad search walks the
  index and stops after 25 rows, instead of sorting every match (wide rows) first.

Both are raw SQL, so the model state does not change and `makemigrations --check` stays clean;
declare neither in `Service.Meta.indexes` without removing it here. SQLite (development) skips
them. pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
"""

from django.db import migrations

INDEXES = [
    (
        "catalog_service_search_trgm",
        "CREATE INDEX IF NOT EXISTS catalog_service_search_trgm "
        "ON catalog_service USING gin (search_text gin_trgm_ops)",
    ),
    (
        "catalog_service_name_id",
        "CREATE INDEX IF NOT EXISTS catalog_service_name_id ON catalog_service (name, id)",
    ),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for _name, sql in INDEXES:
        schema_editor.execute(sql)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _sql in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
