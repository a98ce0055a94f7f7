from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("verification", "0020_desk"),
    ]

    operations = [
        migrations.AddField(
            model_name="emailchallenge",
            name="claimed_by",
            field=models.CharField(blank=True, editable=False, max_length=200,
                                   verbose_name="claimed by"),
        ),
    ]
