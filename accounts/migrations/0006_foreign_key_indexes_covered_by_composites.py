"""The security events' foreign key to the user loses its own index:
the unique constraint (or index) named beside each leads with the same column,
so it serves every lookup, join and cascade by it, and every insert, and every
update of an indexed column, wrote one index entry more than it needed.

Only the indexes are dropped (``DROP INDEX``, the same names on PostgreSQL and
SQLite): altering the fields through the schema editor would drop and re-check
each foreign key on PostgreSQL and copy each table on SQLite. The state change
is the field's ``db_index=False``.
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
                # (user, -created_at)
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
