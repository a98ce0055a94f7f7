from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('petition', '0002_load_first_petition'),
    ]

    operations = [
        migrations.AddField(
            model_name='petition',
            name='ended_mandates',
            field=models.CharField(choices=[('at_signing', 'the mandate held at signing, with its date'), ('former', '« former mayor of … »')], default='at_signing', help_text='On the public list, for a signer the register no longer lists with the mandate they signed with.', max_length=12, verbose_name='mandates that end'),
        ),
    ]
