"""The console's roles: Django groups with permissions on OpenOrchestrator's unmanaged models.

One table here says who may do what; the data migration and every `migrate` apply it.
"""

from __future__ import annotations

VIEWER = "Viewer"
OPERATOR = "Operator"
AUTOMATION_ADMIN = "Automation admin"
VAULT_KEEPER = "Vault keeper"
ROLES = (VIEWER, OPERATOR, AUTOMATION_ADMIN, VAULT_KEEPER)

_VIEW = [
    "queues.view_queueelement",
    "queues.view_acknowledgement",
    "triggers.view_trigger",
    "triggers.view_job",
    "triggers.view_scheduler",
    "logs.view_log",
    "vault.view_credential",
    "vault.view_constant",
    "orchestrator_site.view_auditentry",
    "alerts.view_alertrule",
    "alerts.view_delivery",
]
_OPERATE = [
    "queues.retry_queueelement",
    "queues.acknowledge_queueelement",
    "queues.delete_queueelement",
    "queues.add_queueelement",
    "triggers.operate_trigger",
]
_ADMINISTER = [
    "triggers.add_trigger",
    "triggers.change_trigger",
    "triggers.delete_trigger",
    "triggers.delete_scheduler",
    "logs.delete_log",
    "vault.add_constant",
    "vault.change_constant",
    "vault.delete_constant",
    "vault.add_credential",
    "vault.change_credential",
    "vault.delete_credential",
    "alerts.add_alertrule",
    "alerts.change_alertrule",
    "alerts.delete_alertrule",
    "alerts.mute_alertrule",
    # Users: see them and block/unblock them (the admin lets nothing else change; roles come from AD).
    "auth.view_user",
    "auth.change_user",
    "auth.view_group",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    VIEWER: _VIEW,
    OPERATOR: _VIEW + _OPERATE,
    AUTOMATION_ADMIN: _VIEW + _OPERATE + _ADMINISTER,
    VAULT_KEEPER: ["vault.view_credential", "vault.reveal_credential"],
}
# Roles whose members may open the Django admin (it still checks each model permission).
STAFF_ROLES = {OPERATOR, AUTOMATION_ADMIN}


def sync_roles(apps=None) -> None:
    """Create the role groups and set exactly their permissions (idempotent)."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    apps = apps or global_apps
    for app_config in global_apps.get_app_configs():
        # Permissions of unmanaged models must exist before groups can point at them.
        create_permissions(app_config, verbosity=0, apps=global_apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for name in names:
            app_label, codename = name.split(".")
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)


def sync_roles_after_migrate(sender, using="default", **kwargs) -> None:
    if using == "default":
        sync_roles()
