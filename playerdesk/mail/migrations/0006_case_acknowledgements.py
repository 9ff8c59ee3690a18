"""Cases record their automatic acknowledgement themselves (``Ticket.acknowledged_at``, set by intake for
every channel); cases acknowledged by email before that take the time of their acknowledgement email."""

from django.db import migrations, models
from django.db.models import Min, OuterRef, Subquery


def backfill(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    OutboundEmail = apps.get_model("mail", "OutboundEmail")
    first = (
        OutboundEmail.objects.filter(ticket_id=OuterRef("pk"), kind="acknowledgement")
        .values("ticket_id")
        .annotate(at=Min("created_at"))
        .values("at")
    )
    acknowledged = OutboundEmail.objects.filter(kind="acknowledgement", ticket__isnull=False).values("ticket_id")
    Ticket.objects.filter(acknowledged_at__isnull=True, pk__in=acknowledged).update(
        acknowledged_at=Subquery(first[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0005_outbound_resend"),
        ("tickets", "0004_intake_fields"),
    ]

    operations = [
        migrations.AlterField(
            model_name="mailbox",
            name="category",
            field=models.CharField(
                blank=True, help_text="Category of new cases (blank: triage decides).", max_length=24
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
