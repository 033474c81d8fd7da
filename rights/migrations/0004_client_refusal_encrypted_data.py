from django.db import migrations

# A client's refusal reason was stored in plain text; it may repeat their words. Each is encrypted
# under the client's key as the field itself would (its label, the client as owner), then cleared.
AAD = "retention.subjectaccessrequest.refusal:{pk}"


def _column_id(pk, connection):
    return pk.hex if connection.vendor == "sqlite" else pk


def encrypt_refusals(apps, schema_editor):
    from confidentiality.crypto import bound_associated_data, encrypt_value

    Request = apps.get_model("rights", "SubjectAccessRequest")
    connection = schema_editor.connection
    rows = Request.objects.filter(client__isnull=False).exclude(refusal_reason="")
    for pk, client_id, key_id, reason in rows.values_list("pk", "client_id", "client__data_key_id", "refusal_reason"):
        aad = bound_associated_data(AAD.format(pk=pk).encode(), owner=str(client_id), key_id=key_id)
        token = encrypt_value(reason, key_id=key_id, aad=aad)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE retention_subjectaccessrequest SET refusal = %s, refusal_reason = '' WHERE id = %s",
                [token, _column_id(pk, connection)],
            )


def decrypt_refusals(apps, schema_editor):
    from confidentiality.crypto import decrypt_value

    Request = apps.get_model("rights", "SubjectAccessRequest")
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, client_id, refusal FROM retention_subjectaccessrequest WHERE refusal IS NOT NULL")
        found = cursor.fetchall()
    for raw_pk, client_id, token in found:
        request = Request.objects.get(pk=raw_pk)
        reason = decrypt_value(
            token, aad=AAD.format(pk=request.pk).encode(), where="refusal", owner=str(request.client_id)
        )
        Request.objects.filter(pk=request.pk).update(refusal_reason=reason[:1000])
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE retention_subjectaccessrequest SET refusal = NULL WHERE id = %s",
                [_column_id(request.pk, connection)],
            )


class Migration(migrations.Migration):
    # Its own migration: PostgreSQL refuses to ALTER a table in the transaction that updated its
    # rows while their deferred foreign-key checks are pending.

    dependencies = [
        ("confidentiality", "0015_unsolicited_share_days"),
        ("rights", "0003_client_refusal_encrypted"),
    ]

    operations = [
        migrations.RunPython(encrypt_refusals, decrypt_refusals),
    ]
