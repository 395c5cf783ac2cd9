"""OpenOrchestrator's Queues table (one row per element) and the console's acknowledgements."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from orchestrator_site.fields import OODateTimeField, OOUUIDField
from orchestrator_site.models import OrchestratorModel


class QueueStatus(models.TextChoices):
    NEW = "NEW", "New"
    IN_PROGRESS = "IN_PROGRESS", "In Progress"
    DONE = "DONE", "Done"
    FAILED = "FAILED", "Failed"
    ABANDONED = "ABANDONED", "Abandoned"


class QueueElement(OrchestratorModel):
    id = OOUUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    queue_name = models.CharField(max_length=100)
    status = models.CharField(max_length=11, choices=QueueStatus.choices, default=QueueStatus.NEW)
    data = models.CharField(max_length=2000, null=True, blank=True)
    reference = models.CharField(max_length=100, null=True, blank=True)
    created_date = OODateTimeField()
    start_date = OODateTimeField(null=True, blank=True)
    end_date = OODateTimeField(null=True, blank=True)
    message = models.CharField(max_length=1000, null=True, blank=True)
    created_by = models.CharField(max_length=100, null=True, blank=True)

    class Meta:
        managed = False
        db_table = "Queues"
        ordering = ["-created_date"]
        verbose_name = "queue element"
        permissions = [
            ("retry_queueelement", "Can retry queue elements"),
            ("acknowledge_queueelement", "Can acknowledge failed queue elements"),
        ]

    def __str__(self) -> str:
        return f"{self.queue_name}: {self.reference or self.id}"


class Acknowledgement(models.Model):
    """A person marked a failed element as handled (OpenOrchestrator has no column for it)."""

    element_id = models.UUIDField(unique=True)
    queue_name = models.CharField(max_length=100, db_index=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL
    )
    acknowledged_by_name = models.CharField(max_length=150)
    acknowledged_at = models.DateTimeField()
    comment = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-acknowledged_at"]

    def __str__(self) -> str:
        return f"{self.element_id} by {self.acknowledged_by_name}"
