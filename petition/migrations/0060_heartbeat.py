from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("petition", "0070_campaign_page"),
    ]

    operations = [
        migrations.CreateModel(
            name="Heartbeat",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("name", models.CharField(max_length=200, unique=True, verbose_name="name")),
                ("kind", models.CharField(choices=[("worker", "worker process"),
                                                   ("beat", "beat (scheduler)")],
                                          max_length=10, verbose_name="kind")),
                ("seen_at", models.DateTimeField(verbose_name="last seen at")),
            ],
            options={"verbose_name": "heartbeat", "verbose_name_plural": "heartbeats"},
        ),
    ]
