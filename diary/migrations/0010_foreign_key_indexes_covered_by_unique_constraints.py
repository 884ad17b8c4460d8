"""The foreign keys of the diary's tables that belong to a user or a course
lose their own single-column index: the unique constraint named beside each
leads with the same column, so it serves every lookup, join and cascade by it,
and every insert, and every update of an indexed column, wrote one index entry
more than it needed.

Only the indexes are dropped (``DROP INDEX``, the same names on PostgreSQL and
SQLite; ``CREATE INDEX`` undoes it): altering the fields through the schema
editor would drop and re-check each foreign key on PostgreSQL and copy each
table on SQLite. The state change is the field's ``db_index=False``.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (model, field, related_name, to, the index dropped; the constraint that
# covers it in the comment)
COVERED = [
    # dose_change_one_per_day (course, date)
    (
        "dosechange",
        "course",
        "dose_changes",
        "diary.treatmentcourse",
        "diary_dosechange_course_id_b5848ae4",
    ),
    # entry_one_per_user_per_date (user, date)
    (
        "entry",
        "user",
        "entries",
        settings.AUTH_USER_MODEL,
        "diary_entry_user_id_891e8b3c",
    ),
    # missed_dose_one_per_day (course, date)
    (
        "misseddose",
        "course",
        "missed_doses",
        "diary.treatmentcourse",
        "diary_misseddose_course_id_424200c3",
    ),
    # reminder_once_per_user_per_day (user, local_date)
    (
        "reminderdelivery",
        "user",
        "+",
        settings.AUTH_USER_MODEL,
        "diary_reminderdelivery_user_id_54dee122",
    ),
    # score_rollup_one_per_period (user, period, start, symptom)
    (
        "scorerollup",
        "user",
        "+",
        settings.AUTH_USER_MODEL,
        "diary_scorerollup_user_id_70e0ca8e",
    ),
    # side_effect_one_per_kind_per_day (course, date, kind, other_description)
    (
        "sideeffect",
        "course",
        "side_effects",
        "diary.treatmentcourse",
        "diary_sideeffect_course_id_8bba4b71",
    ),
    # symptom_score_one_per_entry (entry, symptom)
    (
        "symptomscore",
        "entry",
        "scores",
        "diary.entry",
        "diary_symptomscore_entry_id_3372494d",
    ),
    # tracked_symptom_unique_per_user (user, symptom)
    (
        "trackedsymptom",
        "user",
        "tracked",
        settings.AUTH_USER_MODEL,
        "diary_trackedsymptom_user_id_8299a357",
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("diary", "0009_score_rollup"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{index}"',
                    reverse_sql=(
                        f'CREATE INDEX "{index}" ON "diary_{model}" ("{field}_id")'
                    ),
                )
                for model, field, _related, _to, index in COVERED
            ],
            state_operations=[
                migrations.AlterField(
                    model_name=model,
                    name=field,
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name=related,
                        to=to,
                    ),
                )
                for model, field, related, to, _index in COVERED
            ],
        ),
    ]
