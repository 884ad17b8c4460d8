"""The foreign keys of the diary's tables that belong to a user or a course
lose their own single-column index:
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
        ("diary", "0009_score_rollup"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                # dose_change_one_per_day (course, date)
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "diary_dosechange_course_id_b5848ae4"',
                    reverse_sql='CREATE INDEX "diary_dosechange_course_id_b5848ae4" ON "diary_dosechange" ("course_id")',
                ),
                # entry_one_per_user_per_date (user, date)
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "diary_entry_user_id_891e8b3c"',
                    reverse_sql='CREATE INDEX "diary_entry_user_id_891e8b3c" ON "diary_entry" ("user_id")',
                ),
                # missed_dose_one_per_day (course, date)
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "diary_misseddose_course_id_424200c3"',
                    reverse_sql='CREATE INDEX "diary_misseddose_course_id_424200c3" ON "diary_misseddose" ("course_id")',
                ),
                # reminder_once_per_user_per_day (user, local_date)
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "diary_reminderdelivery_user_id_54dee122"',
                    reverse_sql='CREATE INDEX "diary_reminderdelivery_user_id_54dee122" ON "diary_reminderdelivery" ("user_id")',
                ),
                # score_rollup_one_per_period (user, period, start, symptom)
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "diary_scorerollup_user_id_70e0ca8e"',
                    reverse_sql='CREATE INDEX "diary_scorerollup_user_id_70e0ca8e" ON "diary_scorerollup" ("user_id")',
                ),
                # side_effect_one_per_kind_per_day (course, date, kind, ...)
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "diary_sideeffect_course_id_8bba4b71"',
                    reverse_sql='CREATE INDEX "diary_sideeffect_course_id_8bba4b71" ON "diary_sideeffect" ("course_id")',
                ),
                # symptom_score_one_per_entry (entry, symptom)
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "diary_symptomscore_entry_id_3372494d"',
                    reverse_sql='CREATE INDEX "diary_symptomscore_entry_id_3372494d" ON "diary_symptomscore" ("entry_id")',
                ),
                # tracked_symptom_unique_per_user (user, symptom)
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "diary_trackedsymptom_user_id_8299a357"',
                    reverse_sql='CREATE INDEX "diary_trackedsymptom_user_id_8299a357" ON "diary_trackedsymptom" ("user_id")',
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="dosechange",
                    name="course",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="dose_changes",
                        to="diary.treatmentcourse",
                    ),
                ),
                migrations.AlterField(
                    model_name="entry",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="entries",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="misseddose",
                    name="course",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="missed_doses",
                        to="diary.treatmentcourse",
                    ),
                ),
                migrations.AlterField(
                    model_name="reminderdelivery",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="scorerollup",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="sideeffect",
                    name="course",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="side_effects",
                        to="diary.treatmentcourse",
                    ),
                ),
                migrations.AlterField(
                    model_name="symptomscore",
                    name="entry",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="scores",
                        to="diary.entry",
                    ),
                ),
                migrations.AlterField(
                    model_name="trackedsymptom",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tracked",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
    ]
