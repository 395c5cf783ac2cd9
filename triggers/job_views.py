"""Jobs pages: the filtered list of runs and one run with its logs and its probable trigger."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from logs.models import Log
from logs.queries import JOB_LOGS_SHOWN
from orchestrator_site import clock
from orchestrator_site.paging import configure_lazy
from triggers.filters import JobFilter
from triggers.matching import JOB_START_WINDOW
from triggers.models import Job, JobStatus
from triggers.queries import failure_logs, is_stale, scheduler_states, trigger_candidates
from triggers.tables import JobTable, job_duration_text


@permission_required("triggers.view_job", raise_exception=True)
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    filterset = JobFilter(request.GET, queryset=Job.objects.all())
    rows = filterset.qs
    table = JobTable(rows, now=clock.now(), order_by_field="sort")
    configure_lazy(request, table)
    # One query for the states of the Schedulers on this page (not one per row), one for why
    # its failed jobs failed.
    jobs = [row.record for row in table.page.object_list]
    table.states = scheduler_states({job.scheduler_name for job in jobs})
    table.failures = failure_logs(job.pk for job in jobs if job.status == JobStatus.FAILED)
    return render(request, "triggers/jobs.html", {"filter": filterset, "table": table})


@permission_required("triggers.view_job", raise_exception=True)
@require_GET
def job_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    job = get_object_or_404(Job, pk=pk)
    now = clock.now()
    states = scheduler_states([job.scheduler_name])
    logs = list(Log.objects.filter(job_id=job.pk).order_by("log_time")[: JOB_LOGS_SHOWN + 1])
    return render(
        request,
        "triggers/job_detail.html",
        {
            "job": job,
            "duration": job_duration_text(job, now),
            "stale": is_stale(job, states),
            "scheduler_state": states[job.scheduler_name],
            "logs": logs[:JOB_LOGS_SHOWN],
            "more_logs": len(logs) > JOB_LOGS_SHOWN,
            "shown": JOB_LOGS_SHOWN,
            "job_logs_url": (
                f"{reverse('logs:process', args=[job.process_name])}?{urlencode({'job': job.pk})}"
            ),
            "candidates": trigger_candidates(job),
            "failure": (
                failure_logs([job.pk], without_index=True).get(job.pk)
                if job.status == JobStatus.FAILED
                else None
            ),
            "start_window": int(JOB_START_WINDOW.total_seconds()),
        },
    )
