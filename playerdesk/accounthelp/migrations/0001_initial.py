"""Account help takes over its models from the players app, with their data.

The tables stay where players 0002 created them (``players_<model>``, same columns, indexes and
constraints): this migration only tells Django's state that the models now belong to ``accounthelp``
and touches no table. ``players`` 0003 then removes them from the players state, also without touching a
table. A new database gets the tables from players 0001-0002; an existing one keeps its rows.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('players', '0002_player_account_wallet_and_help'),
        ('tickets', '0002_search_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='AccountRequest',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('public_id', models.CharField(max_length=32, unique=True)),
                        ('kind', models.CharField(choices=[('password_reset', 'Password reset link'), ('details_change', 'Personal details change'), ('status_question', 'Account status question'), ('closure', 'Account closure'), ('reopening', 'Account reopening'), ('limit_change', 'Limit change')], max_length=20)),
                        ('status', models.CharField(choices=[('sent', 'Sent to the operator'), ('scheduled', 'Scheduled (cooling-off)'), ('completed', 'Completed'), ('rejected', 'Rejected'), ('failed', 'Not delivered')], default='sent', max_length=10)),
                        ('payload', models.JSONField(blank=True, default=dict)),
                        ('result', models.JSONField(blank=True, default=dict)),
                        ('result_message', models.TextField(blank=True)),
                        ('effective_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField()),
                        ('updated_at', models.DateTimeField()),
                        ('player', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='account_requests', to='players.player')),
                        ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('ticket', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='account_requests', to='tickets.ticket')),
                    ],
                    options={
                        'db_table': 'players_accountrequest',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='MacroPolicy',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('reveals_account_data', models.BooleanField(default=False)),
                        ('promotional', models.BooleanField(default=False)),
                        ('macro', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='player_policy', to='tickets.macro')),
                    ],
                    options={
                        'db_table': 'players_macropolicy',
                    },
                ),
                migrations.CreateModel(
                    name='WebhookDelivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('event_id', models.CharField(max_length=40, unique=True)),
                        ('kind', models.CharField(max_length=60)),
                        ('payload', models.JSONField()),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('sending', 'Sending'), ('delivered', 'Delivered'), ('failed', 'Failed')], default='pending', max_length=10)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('next_attempt_at', models.DateTimeField()),
                        ('last_status_code', models.PositiveSmallIntegerField(blank=True, null=True)),
                        ('last_error', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField()),
                        ('delivered_at', models.DateTimeField(blank=True, null=True)),
                        ('account_request', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='deliveries', to='accounthelp.accountrequest')),
                        ('ticket', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='webhooks', to='tickets.ticket')),
                    ],
                    options={
                        'db_table': 'players_webhookdelivery',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(condition=models.Q(('status', 'pending')), fields=['next_attempt_at'], name='webhook_due_idx')],
                    },
                ),
                migrations.CreateModel(
                    name='WebhookAttempt',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('at', models.DateTimeField()),
                        ('status_code', models.PositiveSmallIntegerField(blank=True, null=True)),
                        ('error', models.TextField(blank=True)),
                        ('duration_ms', models.PositiveIntegerField(default=0)),
                        ('delivery', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='log', to='accounthelp.webhookdelivery')),
                    ],
                    options={
                        'db_table': 'players_webhookattempt',
                        'ordering': ['at', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='DocumentRequest',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('public_id', models.CharField(max_length=32, unique=True)),
                        ('types', models.JSONField(default=list)),
                        ('note', models.TextField(blank=True)),
                        ('language', models.CharField(choices=[('en', 'English'), ('fr', 'Français')], default='en', max_length=2)),
                        ('status', models.CharField(choices=[('open', 'Waiting for the player'), ('received', 'Documents received'), ('cancelled', 'Cancelled')], default='open', max_length=10)),
                        ('uploads', models.PositiveSmallIntegerField(default=0)),
                        ('reminders_sent', models.PositiveSmallIntegerField(default=0)),
                        ('last_sent_at', models.DateTimeField()),
                        ('created_at', models.DateTimeField()),
                        ('received_at', models.DateTimeField(blank=True, null=True)),
                        ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('ticket', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='document_requests', to='tickets.ticket')),
                    ],
                    options={
                        'db_table': 'players_documentrequest',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(condition=models.Q(('status', 'open')), fields=['last_sent_at'], name='docreq_open_idx')],
                    },
                ),
                migrations.CreateModel(
                    name='Verification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('method', models.CharField(choices=[('email_on_file', 'Writes from the email address on file'), ('email_code', 'One-time code sent to the email on file'), ('phone_code', 'One-time code sent to the phone on file'), ('operator_token', "Signed in on the operator's site")], max_length=20)),
                        ('status', models.CharField(choices=[('pending', 'Code sent'), ('verified', 'Verified'), ('failed', 'Failed'), ('expired', 'Expired')], max_length=10)),
                        ('code_hash', models.CharField(blank=True, max_length=64)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('expires_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField()),
                        ('verified_at', models.DateTimeField(blank=True, null=True)),
                        ('player', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='verifications', to='players.player')),
                        ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('ticket', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='verifications', to='tickets.ticket')),
                    ],
                    options={
                        'db_table': 'players_verification',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['ticket', 'status'], name='verification_ticket_idx')],
                    },
                ),
            ],
        ),
    ]
