import django.db.models.deletion
import django.utils.timezone
import verification.models
from django.conf import settings
from django.db import migrations, models

from signatures.roles import ensure_moderators_group_in_migration
from verification.domains.seed import load_seed, patterns_for


def seed_and_reclassify(apps, schema_editor):
    DomainRule = apps.get_model("verification", "DomainRule")
    Signature = apps.get_model("signatures", "Signature")
    load_seed(DomainRule)
    # Signatures made under the old heuristic get the kind the rules give.
    kinds = dict(DomainRule.objects.values_list("pattern", "kind"))
    domains = Signature.objects.exclude(email_domain="").values_list(
        "email_domain", flat=True).distinct()
    for domain in list(domains):
        kind = next((kinds[p] for p in patterns_for(domain) if p in kinds), "unknown")
        Signature.objects.filter(email_domain=domain).update(email_domain_kind=kind)


class Migration(migrations.Migration):

    dependencies = [('verification', '0003_retention_and_delivery_events'), ('signatures', '0010_email_domain_check'), migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [
        migrations.CreateModel(
            name='DomainRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('pattern', models.CharField(help_text='senat.fr for that domain only; *.gouv.fr for all its subdomains.', max_length=253, unique=True, validators=[verification.models.validate_domain_pattern], verbose_name='domain')),
                ('kind', models.CharField(choices=[('official', 'official'), ('webmail', 'webmail'), ('not_mandate', "not a mandate's address")], max_length=16, verbose_name='kind')),
                ('commune_code', models.CharField(blank=True, help_text='For a commune\'s own domain, confirmed by a moderator.', max_length=5, verbose_name='commune (INSEE code)')),
                ('note', models.TextField(blank=True, verbose_name='note')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL, verbose_name='by')),
            ],
            options={
                'verbose_name': 'email domain rule',
                'verbose_name_plural': 'email domain rules',
                'ordering': ['pattern'],
            },
        ),
        migrations.RunPython(seed_and_reclassify, migrations.RunPython.noop),
        migrations.RunPython(ensure_moderators_group_in_migration, migrations.RunPython.noop),
    ]
