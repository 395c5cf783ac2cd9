"""Log detail: the escaped full message, every field, the job and its other logs."""

from __future__ import annotations

import uuid

from django.urls import reverse

from logs.models import LogLevel
from tests.helpers import NOW, make_job, make_log, oo_db


@oo_db
def test_it_shows_every_field_and_the_job_with_its_other_logs(as_viewer):
    job = make_job("Proc A", scheduler="SCHED-9")
    first = make_log(message="step 1", job_id=job.pk, at=NOW)
    make_log(message="step 2", job_id=job.pk)
    make_log(message="not this job")
    log = make_log(level=LogLevel.ERROR, message="Traceback\n  line 2", job_id=job.pk)
    html = as_viewer.get(reverse("logs:detail", args=[log.pk])).content.decode()
    assert '<pre class="message">Traceback\n  line 2</pre>' in html
    assert "25-11-2026 10:30:15.123456" in html and "badge-ERROR" in html
    assert str(log.pk) in html and "SCHED-9" in html
    assert reverse("triggers:job", args=[job.pk]) in html
    assert "step 2" in html and "not this job" not in html
    assert reverse("logs:detail", args=[first.pk]) in html
    assert f"?job={job.pk}" in html


@oo_db
def test_an_orphan_job_id_is_said(as_viewer):
    log = make_log(job_id=uuid.uuid4())
    assert b"no such job in Jobs" in as_viewer.get(reverse("logs:detail", args=[log.pk])).content


@oo_db
def test_the_message_is_escaped(as_viewer):
    log = make_log(message="</pre><script>alert(1)</script>")
    html = as_viewer.get(reverse("logs:detail", args=[log.pk])).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html


@oo_db
def test_bad_ids_are_404(as_viewer):
    assert as_viewer.get(reverse("logs:detail", args=[uuid.uuid4()])).status_code == 404
    assert as_viewer.get("/logs/12345/").status_code == 404
    assert as_viewer.get("/logs/zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz/").status_code == 404


@oo_db
def test_it_requires_permission(as_outsider):
    log = make_log()
    assert as_outsider.get(reverse("logs:detail", args=[log.pk])).status_code == 403
