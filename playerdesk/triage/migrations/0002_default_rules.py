"""The rules a new desk starts with (admins change them in the console)."""

from django.db import migrations

from playerdesk.triage.defaults import CATEGORY_RULES, PRIORITY_RULES


def add_defaults(apps, schema_editor):  # type: ignore[no-untyped-def]
    category_rule = apps.get_model("triage", "CategoryRule")
    priority_rule = apps.get_model("triage", "PriorityRule")
    settings_row = apps.get_model("triage", "TriageSettings")
    if not category_rule.objects.exists():
        category_rule.objects.bulk_create(
            category_rule(category=c, language=lang, kind=kind, pattern=p, weight=w)
            for c, lang, kind, p, w in CATEGORY_RULES
        )
    if not priority_rule.objects.exists():
        priority_rule.objects.bulk_create(
            priority_rule(name=n, kind=k, pattern=p, threshold=t, window_days=d, category=c, priority=pr)
            for n, k, p, t, d, c, pr in PRIORITY_RULES
        )
    settings_row.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("triage", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
