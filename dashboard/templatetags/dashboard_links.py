"""Links from dashboard panels into the area pages."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from logs.links import logs_around_url
from orchestrator_site.reversing import name_url

register = template.Library()


@register.simple_tag
def logs_around(log) -> str:
    return logs_around_url(log)


@register.simple_tag
def element_url(element) -> str:
    return reverse("queues:element", args=[element.pk])


@register.simple_tag
def queue_failed_url(queue_name: str) -> str:
    return name_url("queues:elements", queue_name) + "?" + urlencode({"status": "FAILED"})


@register.simple_tag
def trigger_url(trigger) -> str:
    return reverse("triggers:detail", args=[trigger.pk])


@register.simple_tag
def job_url(job) -> str:
    return reverse("triggers:job", args=[job.pk])
