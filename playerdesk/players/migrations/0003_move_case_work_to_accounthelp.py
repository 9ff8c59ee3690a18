"""The case work around a player (identity checks, macro policies, account requests, webhooks, document
requests) moved to the ``accounthelp`` app with its data: these models leave the players state only.
Their tables stay as they are (``accounthelp`` 0001 points its models at them); no table is dropped.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('players', '0002_player_account_wallet_and_help'),
        ('accounthelp', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                # Dependents first, so no model of the state ever points at a deleted one.
                migrations.DeleteModel(name='WebhookAttempt'),
                migrations.DeleteModel(name='WebhookDelivery'),
                migrations.DeleteModel(name='AccountRequest'),
                migrations.DeleteModel(name='DocumentRequest'),
                migrations.DeleteModel(name='MacroPolicy'),
                migrations.DeleteModel(name='Verification'),
            ],
        ),
    ]
