"""Templates and drafts get the default wording of the sponsor's duty and the client's part (policy 003)
where they have none. An agreement out for signing, signed or superseded keeps its text as it was:
its signatures bind that text's hash."""

from django.db import migrations


def fill_default_wording(apps, schema_editor):
    from consent.defaults import CLIENT_FEEDBACK_RESPONSE, SPONSOR_DUTY

    for holders in (
        apps.get_model("consent", "AgreementTemplate").objects.all(),
        apps.get_model("consent", "Agreement").objects.filter(state="draft"),
    ):
        holders.filter(sponsor_duty="").update(sponsor_duty=SPONSOR_DUTY)
        holders.filter(client_feedback_response="").update(client_feedback_response=CLIENT_FEEDBACK_RESPONSE)


class Migration(migrations.Migration):
    dependencies = [("consent", "0006_professional_codes_adviser_and_default_wording")]
    operations = [migrations.RunPython(fill_default_wording, migrations.RunPython.noop)]
