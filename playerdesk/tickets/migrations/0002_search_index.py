from django.db import migrations

SQLITE_CREATE = [
    # External-content FTS5 over tickets_searchentry: no second copy of the text is stored.
    "CREATE VIRTUAL TABLE IF NOT EXISTS tickets_search_fts USING fts5("
    "document, content='tickets_searchentry', content_rowid='ticket_id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS tickets_search_ai AFTER INSERT ON tickets_searchentry BEGIN "
    "INSERT INTO tickets_search_fts(rowid, document) VALUES (new.ticket_id, new.document); END",
    "CREATE TRIGGER IF NOT EXISTS tickets_search_ad AFTER DELETE ON tickets_searchentry BEGIN "
    "INSERT INTO tickets_search_fts(tickets_search_fts, rowid, document) "
    "VALUES ('delete', old.ticket_id, old.document); END",
    "CREATE TRIGGER IF NOT EXISTS tickets_search_au AFTER UPDATE ON tickets_searchentry BEGIN "
    "INSERT INTO tickets_search_fts(tickets_search_fts, rowid, document) "
    "VALUES ('delete', old.ticket_id, old.document); "
    "INSERT INTO tickets_search_fts(rowid, document) VALUES (new.ticket_id, new.document); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS tickets_search_au",
    "DROP TRIGGER IF EXISTS tickets_search_ad",
    "DROP TRIGGER IF EXISTS tickets_search_ai",
    "DROP TABLE IF EXISTS tickets_search_fts",
]
PG_CREATE = [
    "CREATE INDEX IF NOT EXISTS tickets_search_gin ON tickets_searchentry "
    "USING gin (to_tsvector('simple', document))",
]
PG_DROP = ["DROP INDEX IF EXISTS tickets_search_gin"]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"sqlite": SQLITE_CREATE, "postgresql": PG_CREATE}.get(vendor, []):
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"sqlite": SQLITE_DROP, "postgresql": PG_DROP}.get(vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
