from django.db import migrations


def create_defaults(apps, schema_editor):
    from consent.defaults import install

    install(
        apps.get_model("consent", "InformationCategory"),
        apps.get_model("consent", "AgreementTemplate"),
        apps.get_model("consent", "TemplateTerm"),
    )


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
