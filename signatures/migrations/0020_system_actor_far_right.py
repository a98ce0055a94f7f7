from django.db import migrations, models
import django.db.models.deletion


def ensure_far_right_reason(apps, schema_editor):
    """The reason the system gives when it rejects a refused party at confirmation."""
    RejectionReason = apps.get_model("signatures", "RejectionReason")
    RejectionReason.objects.get_or_create(
        code="far-right", defaults={"label": "Parti d'extrême droite", "position": 1})


class Migration(migrations.Migration):

    dependencies = [
        ("petition", "0002_load_first_petition"),
        ("signatures", "0050_register_nuance_and_ended_mandates"),
    ]

    operations = [
        migrations.AddField(
            model_name="moderationdecision",
            name="by_system",
            field=models.BooleanField(default=False, verbose_name="by the system"),
        ),
        migrations.AlterField(
            model_name="signature",
            name="petition",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                    related_name="signatures", to="petition.petition",
                                    verbose_name="petition"),
        ),
        migrations.RunPython(ensure_far_right_reason, migrations.RunPython.noop),
    ]
