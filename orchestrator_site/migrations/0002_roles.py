"""Create the console's roles (Viewer, Operator, Automation admin, Vault keeper) as groups."""

from django.db import migrations


def create_roles(apps, schema_editor):
    if schema_editor.connection.alias != "default":
        return
    from orchestrator_site.roles import sync_roles

    sync_roles()


class Migration(migrations.Migration):
    dependencies = [
        ("orchestrator_site", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("queues", "0001_initial"),
        ("triggers", "0001_initial"),
        ("logs", "0001_initial"),
        ("vault", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
