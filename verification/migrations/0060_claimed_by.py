from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("verification", "0006_flood_alerts"),
    ]

    operations = [
        migrations.AddField(
            model_name="emailchallenge",
            name="claimed_by",
            field=models.CharField(blank=True, editable=False, max_length=200,
                                   verbose_name="claimed by"),
        ),
    ]
