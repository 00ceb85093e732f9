"""Sequences behind application (SQ…) and registration (DJ…) numbers (common/numbering.py)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("registration", "0001_initial")]
    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS registration_application_number_seq;"
            "CREATE SEQUENCE IF NOT EXISTS registration_registration_number_seq;",
            "DROP SEQUENCE IF EXISTS registration_application_number_seq;"
            "DROP SEQUENCE IF EXISTS registration_registration_number_seq;",
        )
    ]
