"""The security events' foreign key to the user loses its own index: the
(user, -created_at) index leads with the same column and serves every lookup
by it. Only the index is dropped, as in diary's migration 0010 (which says
why).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_security_events_browser_sessions_email_confirmation"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "accounts_securityevent_user_id_b711491d"',
                    reverse_sql='CREATE INDEX "accounts_securityevent_user_id_b711491d" ON "accounts_securityevent" ("user_id")',
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="securityevent",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="security_events",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
    ]
