"""The monitoring kit in deploy/: the Grafana dashboard asks only for metrics and labels that
/metrics serves, and the Prometheus job scrapes the console's path with the bearer token kept in a
file."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from django.urls import reverse

from tests.helpers import make_element, make_job, make_log, make_scheduler, make_trigger, oo_db
from tests.metrics.util import scrape
from triggers.models import JobStatus

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DASHBOARD = json.loads((DEPLOY / "grafana-dashboard.json").read_text(encoding="utf-8"))
PROMETHEUS = (DEPLOY / "prometheus.yml").read_text(encoding="utf-8")


def expressions() -> list[str]:
    return [t["expr"] for p in DASHBOARD["panels"] for t in p.get("targets", [])]


@oo_db
def test_the_dashboard_queries_only_what_metrics_serves():
    now = dt.datetime.now()
    make_element("Fakturaer", status="FAILED", end_date=now)
    make_log("Robot A", level="ERROR", at=now)
    make_job("Robot A", start=now - dt.timedelta(minutes=30))
    make_job("Robot A", status=JobStatus.RUNNING, start=now)
    make_scheduler(now=now)
    make_trigger(name="Morning")
    scrape()  # one request observed, so the latency histogram has samples
    served = scrape()
    labels = {name: {k for key in samples for k, _ in key} for name, samples in served.items()}

    used = 0
    for expr in expressions():
        names = set(re.findall(r"\boo_[a-z0-9_]+", expr))
        assert names, expr
        for name in names:
            assert name in served, f"{name} is not served ({expr})"
        for clause in re.findall(r"by \(([^)]*)\)", expr):
            for label in (part.strip() for part in clause.split(",")):
                assert any(label in labels[name] for name in names), f"{label} in {expr}"
        used += len(names)
    assert used >= 15


def test_the_dashboard_is_importable_with_any_prometheus_data_source():
    (source,) = DASHBOARD["__inputs"]
    assert source["type"] == "datasource" and source["pluginId"] == "prometheus"
    variable = "${" + source["name"] + "}"
    panels = [p for p in DASHBOARD["panels"] if p["type"] != "row"]
    assert panels and all(p["datasource"]["uid"] == variable for p in panels)
    assert all(t["datasource"]["uid"] == variable for p in panels for t in p["targets"])
    assert DASHBOARD["id"] is None and DASHBOARD["uid"]
    assert len({p["id"] for p in DASHBOARD["panels"]}) == len(DASHBOARD["panels"])


def test_the_prometheus_job_scrapes_the_console_with_a_token_file():
    assert f"metrics_path: {reverse('metrics:metrics')}\n" in PROMETHEUS
    assert re.search(r"authorization:\n\s+type: Bearer\n\s+credentials_file: /\S+", PROMETHEUS)
    assert not re.search(r"^\s*credentials:", PROMETHEUS, re.M)  # never the token itself
    assert "scheme: https" in PROMETHEUS
