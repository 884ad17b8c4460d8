from django.db import migrations


def load(apps, schema_editor):
    from diary.builtin_symptoms import BUILTIN_SYMPTOMS

    Symptom = apps.get_model("diary", "Symptom")
    for position, (slug, name, description, _default) in enumerate(BUILTIN_SYMPTOMS):
        Symptom.objects.update_or_create(
            slug=slug,
            owner=None,
            defaults={
                "name": name,
                "description": description,
                "default_position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("diary", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
