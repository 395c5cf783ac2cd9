"""Filters of the logs and jobs lists. Every GET parameter of those pages goes through one of these."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.conf import settings

from logs.models import Log, LogLevel
from orchestrator_site import clock, indexes
from orchestrator_site.paging import PER_PAGE_CHOICES
from triggers.models import Job, JobStatus

DATETIME_WIDGET = {"type": "datetime-local", "step": "1"}

# Orderings the tables declare (and nothing else): the `sort` parameter is validated against these.
LOG_SORTS = ("log_time", "-log_time")
JOB_SORTS = tuple(
    f"{sign}{name}"
    for name in ("start_time", "end_time", "process_name", "scheduler_name", "status")
    for sign in ("", "-")
)


def _sort_filter(choices: tuple[str, ...]) -> django_filters.ChoiceFilter:
    # Ordering itself is done by the table (RequestConfig reads the same `sort` parameter);
    # this filter only makes an unknown sort a form error instead of being silently ignored.
    return django_filters.ChoiceFilter(
        choices=[(c, c) for c in choices],
        method="keep",
        label="Sort",
        widget=forms.HiddenInput,
    )


def _per_page_filter() -> django_filters.ChoiceFilter:
    # RequestConfig would take any ?per_page= as given: bound it here (no "All", no 10**6).
    return django_filters.ChoiceFilter(
        choices=[(str(n), str(n)) for n in PER_PAGE_CHOICES],
        method="keep",
        label="Per page",
        empty_label="50",
    )


def end_of_second(value: dt.datetime) -> dt.datetime:
    """`To` is inclusive to the second shown: 10:30:15 keeps 10:30:15.999999."""
    return value.replace(microsecond=0) + dt.timedelta(seconds=1)


class TimeWindowForm(forms.Form):
    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", "“To” must not be before “From”.")
        return data


# The index that makes finding a process's Nth newest line cheap (orchestrator_site/indexes.py).
PROCESS_TIME_INDEX = f"{indexes.PREFIX}logs_process_time"


class TimeWindowFilterSet(django_filters.FilterSet):
    """Shared by the logs and jobs lists: `To` to the second on `time_field`, bounded page size."""

    time_field = ""

    class Meta:
        form = TimeWindowForm

    def keep(self, queryset, name, value):
        return queryset

    def filter_end(self, queryset, name, value):
        return queryset.filter(**{f"{self.time_field}__lt": end_of_second(value)})


class LogFilter(TimeWindowFilterSet):
    """The logs of one process: a time window, levels, text (bounded by the window) and a job."""

    start = django_filters.DateTimeFilter(
        field_name="log_time",
        lookup_expr="gte",
        label="From",
        widget=forms.DateTimeInput(attrs=DATETIME_WIDGET),
    )
    end = django_filters.DateTimeFilter(
        label="To", method="filter_end", widget=forms.DateTimeInput(attrs=DATETIME_WIDGET)
    )
    level = django_filters.MultipleChoiceFilter(
        field_name="log_level",
        choices=LogLevel.choices,
        label="Level",
        widget=forms.CheckboxSelectMultiple,
    )
    text = django_filters.CharFilter(
        method="filter_text",
        label="Text contains",
        max_length=200,
    )
    job = django_filters.UUIDFilter(field_name="job_id", label="Job id")
    sort = _sort_filter(LOG_SORTS)
    per_page = _per_page_filter()
    time_field = "log_time"

    class Meta(TimeWindowFilterSet.Meta):
        model = Log
        fields: list[str] = []

    def text_window_start(self) -> dt.datetime | None:
        """Where a text search starts when no `From` is given: CONSOLE_TEXT_SEARCH_DAYS before
        `To`/now, or later when the process logged more than CONSOLE_TEXT_SEARCH_ROWS lines since
        (then `text_window_by_rows` is True). A substring search reads every line it covers, so
        this keeps its cost the same however busy the process is."""
        if not hasattr(self, "_text_window"):
            self._text_window = self._find_text_window()
        return self._text_window[0]

    @property
    def text_window_by_rows(self) -> bool:
        self.text_window_start()
        return self._text_window[1]

    def _find_text_window(self) -> tuple[dt.datetime | None, bool]:
        data = self.form.cleaned_data
        if not data.get("text") or data.get("start"):
            return None, False
        end = data.get("end")
        by_days = (end or clock.now()) - dt.timedelta(days=settings.CONSOLE_TEXT_SEARCH_DAYS)
        if PROCESS_TIME_INDEX in {spec.name for spec in indexes.missing_indexes()}:
            return by_days, False  # finding the Nth line would itself scan the whole table
        newest = self.queryset.filter(log_time__gte=by_days)
        if end is not None:
            newest = newest.filter(log_time__lt=end_of_second(end))
        # The Nth newest line's time: an index-only range scan on (process_name, log_time).
        rows = settings.CONSOLE_TEXT_SEARCH_ROWS
        nth = list(newest.order_by("-log_time").values_list("log_time", flat=True)[rows - 1 : rows])
        if nth and nth[0] > by_days:
            return nth[0], True
        return by_days, False

    def filter_text(self, queryset, name, value):
        # A substring search cannot use an index: keep it inside the process and a window.
        window_start = self.text_window_start()
        if window_start is not None:
            queryset = queryset.filter(log_time__gte=window_start)
        return queryset.filter(log_message__icontains=value)


class JobFilter(TimeWindowFilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=JobStatus.choices, widget=forms.CheckboxSelectMultiple
    )
    process = django_filters.CharFilter(field_name="process_name", label="Process", max_length=100)
    scheduler = django_filters.CharFilter(
        field_name="scheduler_name", label="Scheduler", max_length=100
    )
    start = django_filters.DateTimeFilter(
        field_name="start_time",
        lookup_expr="gte",
        label="Started from",
        widget=forms.DateTimeInput(attrs=DATETIME_WIDGET),
    )
    end = django_filters.DateTimeFilter(
        label="Started until",
        method="filter_end",
        widget=forms.DateTimeInput(attrs=DATETIME_WIDGET),
    )
    sort = _sort_filter(JOB_SORTS)
    per_page = _per_page_filter()
    time_field = "start_time"

    class Meta(TimeWindowFilterSet.Meta):
        model = Job
        fields: list[str] = []
