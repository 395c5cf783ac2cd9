"""Filters of the logs lists. Every GET parameter of those pages goes through one of these."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.conf import settings

from logs.models import Log, LogLevel
from orchestrator_site import clock, indexes
from orchestrator_site.filters import (
    ConsoleFilterSet,
    FromFilter,
    UntilFilter,
    per_page_filter,
    sort_filter,
)
from orchestrator_site.forms import end_of_second

# Orderings the table declares (and nothing else): the `sort` parameter is validated against these.
LOG_SORTS = ("log_time", "-log_time")


# The index that makes finding a process's Nth newest line cheap (orchestrator_site/indexes.py).
PROCESS_TIME_INDEX = f"{indexes.PREFIX}logs_process_time"


class LogFilter(ConsoleFilterSet):
    """The logs of one process: a time window, levels, text (bounded by the window) and a job."""

    start = FromFilter(field_name="log_time", label="From")
    end = UntilFilter(field_name="log_time", label="To")
    level = django_filters.MultipleChoiceFilter(
        field_name="log_level",
        choices=LogLevel.choices,
        label="Level",
        widget=forms.CheckboxSelectMultiple,
        distinct=False,  # a plain column of Logs: DISTINCT would only make the query sort
    )
    text = django_filters.CharFilter(
        method="filter_text",
        label="Text contains",
        max_length=200,
    )
    job = django_filters.UUIDFilter(field_name="job_id", label="Job id")
    sort = sort_filter(LOG_SORTS)
    per_page = per_page_filter()

    class Meta:
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
