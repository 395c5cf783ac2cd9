"""The metric families of one scrape, built from the shared snapshots (no gauge lives between
scrapes, so no request can leave a stale value behind): a collector over the snapshots' values,
registered with the request-latency histogram in a registry made for that scrape.

Label values are names as OpenOrchestrator stores them (quotes, backslashes, line breaks, any
letter); prometheus_client escapes them in the text format, and a parser reads them back unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeHistogramMetricFamily, GaugeMetricFamily, Metric

from metrics import latency, windows
from orchestrator_site import clock, snapshots
from queues.models import QueueStatus, queue_overview_snapshot
from triggers.models import TriggerStatus, TriggerType

WINDOW_HOURS = int(windows.WINDOW.total_seconds() // 3600)
# The queues overview's columns are the statuses' names in lower case.
QUEUE_COLUMNS = tuple((status, status.lower()) for status in QueueStatus.values)
TRIGGER_KINDS = tuple((s, t) for s in TriggerStatus.values for t in TriggerType.values)
DURATION_BOUNDS = tuple(str(float(b)) for b in windows.DURATION_BUCKETS) + ("+Inf",)


class SnapshotCollector:
    """Metric families from the queues overview and the metrics windows snapshots."""

    def __init__(self, queues: snapshots.Snapshot, counted: snapshots.Snapshot) -> None:
        self.queues = queues
        self.counted = counted

    def collect(self) -> Iterator[Metric]:
        now = clock.now()
        value: windows.Windows = self.counted.value
        yield self._queue_elements()
        yield _by_name(
            "oo_queue_failed_24h",
            f"FAILED queue elements that failed (by end date, else created date) in the "
            f"{WINDOW_HOURS} hours before the count, acknowledged or not.",
            "queue",
            value.failed,
        )
        yield _by_name(
            "oo_process_errors_24h",
            f"ERROR log lines of each process in the {WINDOW_HOURS} hours before the count.",
            "process",
            value.errors,
        )
        yield self._triggers(value)
        yield _overdue(value, now)
        yield _by_name(
            "oo_scheduler_last_ping_age_seconds",
            "Seconds since each Scheduler's last ping, by the console server's clock (a Scheduler "
            "pings every few seconds while it runs).",
            "machine",
            {machine: _seconds(now - ping) for machine, ping in value.pings.items()},
        )
        yield _by_name(
            "oo_jobs_running",
            "Jobs in status RUNNING, by process.",
            "process",
            value.running,
        )
        yield _durations(value)
        yield self._ages(now)

    def _queue_elements(self) -> GaugeMetricFamily:
        family = GaugeMetricFamily(
            "oo_queue_elements",
            "Queue elements by queue and status (the queues overview's count).",
            labels=["queue", "status"],
        )
        for row in self.queues.value:
            for status, column in QUEUE_COLUMNS:
                family.add_metric([row["queue_name"], status], row.get(column, 0))
        return family

    def _triggers(self, value: windows.Windows) -> GaugeMetricFamily:
        family = GaugeMetricFamily(
            "oo_triggers",
            "Triggers by status and type (every combination, 0 included).",
            labels=["status", "type"],
        )
        counts = dict.fromkeys(TRIGGER_KINDS, 0)
        counts.update(value.triggers)  # and any status OpenOrchestrator's enum does not know
        for (status, kind), n in sorted(counts.items()):
            family.add_metric([status, kind], n)
        return family

    def _ages(self, now: dt.datetime) -> GaugeMetricFamily:
        family = GaugeMetricFamily(
            "oo_console_snapshot_age_seconds",
            "Seconds since the counts behind these metrics were taken, by snapshot (they are "
            "recounted in the background when older than CONSOLE_OVERVIEW_CACHE_SECONDS).",
            labels=["snapshot"],
        )
        family.add_metric(["queues"], _seconds(now - self.queues.taken_at))
        family.add_metric(["windows"], _seconds(now - self.counted.taken_at))
        return family


def _seconds(delta: dt.timedelta) -> float:
    return max(0.0, delta.total_seconds())


def _by_name(name: str, documentation: str, label: str, values: dict) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for key in sorted(values):
        family.add_metric([key], values[key])
    return family


def _overdue(value: windows.Windows, now: dt.datetime) -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        "oo_trigger_overdue_seconds",
        "Seconds an IDLE single or scheduled trigger is past its next run (0 when not due or not "
        "IDLE; triggers sharing a name report the most overdue one).",
        labels=["trigger"],
    )
    for name in sorted(value.next_runs):
        next_run = value.next_runs[name]
        family.add_metric([name], 0.0 if next_run is None else _seconds(now - next_run))
    return family


def _durations(value: windows.Windows) -> GaugeHistogramMetricFamily:
    family = GaugeHistogramMetricFamily(
        "oo_job_duration_seconds",
        f"Durations of the jobs that started in the {WINDOW_HOURS} hours before the count and "
        "have ended (DONE, FAILED or KILLED), by process: a histogram of a moving window, so "
        "read it without rate().",
        labels=["process"],
    )
    for process in sorted(value.durations):
        found = value.durations[process]
        cumulative, running = [], 0
        for bound, n in zip(DURATION_BOUNDS, found.per_bucket, strict=True):
            running += n
            cumulative.append((bound, running))
        family.add_metric([process], cumulative, gsum_value=found.total_seconds)
    return family


def render() -> bytes:
    """The text format of one scrape."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SnapshotCollector(queue_overview_snapshot(), windows.windows_snapshot()))
    registry.register(latency.REQUEST_DURATION)
    return generate_latest(registry)
