from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models


class AddPostgresIndex(migrations.AddIndex):
    """An index only PostgreSQL has: the local SQLite default goes without it."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):

    dependencies = [('signatures', '0010_email_domain_check')]

    operations = [
        TrigramExtension(),
        AddPostgresIndex(
            model_name='signature',
            index=GinIndex(fields=['search_key'], name='sig_search_trgm',
                           opclasses=['gin_trgm_ops']),
        ),
        migrations.AddIndex(
            model_name='signature',
            index=models.Index(fields=['petition', 'state', 'departement', '-approved_at', '-id'],
                               name='sig_public_departement'),
        ),
        migrations.AddIndex(
            model_name='signature',
            index=models.Index(fields=['petition', 'state', 'mandate', '-approved_at', '-id'],
                               name='sig_public_mandate'),
        ),
    ]
