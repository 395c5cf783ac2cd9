"""OpenOrchestrator's Credentials and Constants tables."""

from __future__ import annotations

from django.db import models

from orchestrator_site.fields import OODateTimeField
from orchestrator_site.models import OrchestratorModel


class Credential(OrchestratorModel):
    """`password` is a Fernet token made with OpenOrchestratorKey; never shown, never logged."""

    name = models.CharField(max_length=100, primary_key=True)
    username = models.CharField(max_length=250)
    password = models.CharField(max_length=1000)
    changed_at = OODateTimeField()

    class Meta:
        managed = False
        db_table = "Credentials"
        ordering = ["name"]
        permissions = [("reveal_credential", "Can reveal credential passwords")]

    def __str__(self) -> str:
        return self.name


class Constant(OrchestratorModel):
    name = models.CharField(max_length=100, primary_key=True)
    value = models.CharField(max_length=1000)
    changed_at = OODateTimeField()

    class Meta:
        managed = False
        db_table = "Constants"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
