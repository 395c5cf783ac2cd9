"""Links from dashboard panels into the area pages."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template

from logs.links import logs_around_url
from orchestrator_site.reversing import id_url, name_url

register = template.Library()


@register.simple_tag
def logs_around(log) -> str:
    return logs_around_url(log)


@register.simple_tag
def element_url(element) -> str:
    return id_url("queues:element", element.pk)


@register.simple_tag
def queue_failed_url(queue_name: str) -> str:
    return name_url("queues:elements", queue_name) + "?" + urlencode({"status": "FAILED"})


@register.simple_tag
def trigger_url(trigger) -> str:
    return id_url("triggers:detail", trigger.pk)


@register.simple_tag
def job_url(job) -> str:
    return id_url("triggers:job", job.pk)
