"""AuditEntry.ids_escaped: rows written from now on escape a line break inside a target id
(orchestrator_site.audit.join_ids); the rows already written keep theirs as they are (False)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("orchestrator_site", "0004_audit_names_and_changes")]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="ids_escaped",
            field=models.BooleanField(default=False),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="ids_escaped",
            field=models.BooleanField(default=True),
        ),
    ]
