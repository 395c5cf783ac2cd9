"""Filters of the logs lists. Every GET parameter of those pages goes through one of these."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import django_filters
from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_lazy, ngettext

from logs import groups
from logs.models import Log, LogLevel
from logs.queries import LEVEL_TIME_INDEX, PROCESS_LEVEL_TIME_INDEX
from orchestrator_site import clock, compiled, indexes
from orchestrator_site.display import input_text
from orchestrator_site.filters import (
    ConsoleFilterSet,
    FromFilter,
    GroupKeyFilter,
    UntilFilter,
    per_page_filter,
    sort_filter,
)
from orchestrator_site.forms import end_of_second
from orchestrator_site.textfields import ColumnTextField

# Orderings the table declares (and nothing else): the `sort` parameter is validated against these.
LOG_SORTS = ("log_time", "-log_time")


# The index that makes finding a process's Nth newest line cheap (orchestrator_site/indexes.py).
PROCESS_TIME_INDEX = f"{indexes.PREFIX}logs_process_time"


# How far one click on "Search further back" moves the start of a search.
FURTHER_BACK = dt.timedelta(days=30)


@dataclass(frozen=True)
class SearchedRange:
    """The time range a list searched when the console chose its start (for speed): the page
    shows it, prefilled in the form, and offers to search further back."""

    start: dt.datetime
    end: dt.datetime | None  # None: up to now
    why: str  # how the console chose the start, after "Searched <start> to <end>: "

    @property
    def further_back(self) -> dt.datetime:
        return self.start - FURTHER_BACK


def _days_before(days: int, *, to_given: bool) -> str:
    """How the console chose a start `days` before “To” (or now), after "Searched … to …: "."""
    if to_given:
        text = ngettext("the %(days)d day before “To”", "the %(days)d days before “To”", days)
    else:
        text = ngettext("the %(days)d day before now", "the %(days)d days before now", days)
    return text % {"days": days}


class StartChosenForSpeed(ConsoleFilterSet):
    """A FilterSet whose `start_field` the console may choose when the person left it empty
    (`choose_start`). The chosen start filters like a typed one and is shown in the form, so that
    the form always shows the range searched and submitting it again searches the same range."""

    start_field = "start"
    end_field = "end"
    searched: SearchedRange | None = None

    def is_valid(self) -> bool:
        valid = super().is_valid()
        if valid and not hasattr(self, "_start_chosen"):
            self._start_chosen = True
            data = self.form.cleaned_data
            chosen = None if data.get(self.start_field) else self.choose_start()
            if chosen is not None:
                start, why = chosen[0].replace(microsecond=0), chosen[1]  # as the form shows it
                data[self.start_field] = start
                shown = self.form.data.copy()
                shown[self.start_field] = input_text(start)
                self.form.data = shown
                self.searched = SearchedRange(start, data.get(self.end_field), why)
        return valid

    def choose_start(self) -> tuple[dt.datetime, str] | None:
        """The start to search from when none was given, and why; None: search everything."""
        return None

    def queryset_from(self, start: dt.datetime) -> QuerySet:
        """The filtered rows from `start` on (a valid form), with one lower time bound: the later
        of `start` and the range's. Two bounds on one column leave SQLite to range its index by
        the first and test the second on every row of it (a million logs: twice the rows read)."""
        data = self.form.cleaned_data
        floor = data.get(self.start_field)
        if floor is not None and floor >= start:
            return self.qs
        self.form.cleaned_data = {**data, self.start_field: start}
        try:
            return self.filter_queryset(self.queryset.all())
        finally:
            self.form.cleaned_data = data


class LogFilter(StartChosenForSpeed):
    """The logs of one process: a time window, levels, text (bounded by the window) and a job."""

    start = FromFilter(field_name="log_time", label=gettext_lazy("From"))
    end = UntilFilter(field_name="log_time", label=gettext_lazy("To"))
    level = django_filters.MultipleChoiceFilter(
        field_name="log_level",
        choices=LogLevel.choices,
        label=gettext_lazy("Level"),
        widget=forms.CheckboxSelectMultiple,
        distinct=False,  # a plain column of Logs: DISTINCT would only make the query sort
    )
    text = django_filters.CharFilter(
        method="filter_text",
        label=gettext_lazy("Text contains"),
        max_length=200,
    )
    job = django_filters.UUIDFilter(field_name="job_id", label=gettext_lazy("Job id"))
    sort = sort_filter(LOG_SORTS)
    per_page = per_page_filter()

    class Meta:
        model = Log
        fields: list[str] = []

    def choose_start(self) -> tuple[dt.datetime, str] | None:
        """Without “From”, a text search starts CONSOLE_TEXT_SEARCH_DAYS before “To”/now, or later
        when the process logged more than CONSOLE_TEXT_SEARCH_ROWS lines since. A substring search
        reads every line it covers, so this keeps its cost the same however busy the process is."""
        data = self.form.cleaned_data
        if not data.get("text"):
            return None
        end = data.get("end")
        days = settings.CONSOLE_TEXT_SEARCH_DAYS
        by_days = (end or clock.now()) - dt.timedelta(days=days)
        why = _days_before(days, to_given=end is not None)
        if not indexes.present(PROCESS_TIME_INDEX):
            return by_days, why  # finding the Nth line would itself scan the whole table
        # An index-only range scan on (process_name, log_time).
        nth = nth_time(list(nth_of(newest_times(self.queryset, by_days, end))), by_days)
        if nth is not None:
            more = gettext("the newest %(rows)s lines of this process (%(why)s hold more)")
            return nth, more % {"rows": f"{settings.CONSOLE_TEXT_SEARCH_ROWS:,}", "why": why}
        return by_days, why

    def filter_text(self, queryset, name, value):
        # A substring search cannot use an index: the start chosen above keeps it in a window.
        return queryset.filter(log_message__icontains=value)


def newest_times(lines: QuerySet[Log], start: dt.datetime, end: dt.datetime | None) -> QuerySet:
    """The times of `lines` in [start, end], newest first (see nth_time)."""
    newest = lines.filter(log_time__gte=start)
    if end is not None:
        newest = newest.filter(log_time__lt=end_of_second(end))
    return newest.order_by("-log_time").values_list("log_time", flat=True)


def nth_of(newest: QuerySet) -> QuerySet:
    """The CONSOLE_TEXT_SEARCH_ROWS-th of `newest` (newest_times), if there is one."""
    rows = settings.CONSOLE_TEXT_SEARCH_ROWS
    return newest[rows - 1 : rows]


def nth_time(found: list[dt.datetime], start: dt.datetime) -> dt.datetime | None:
    """Where a text search starts: the CONSOLE_TEXT_SEARCH_ROWS-th newest line's time `found` by
    nth_of, when later than `start` (None: the range holds no more lines than that). A substring
    test reads every line of its range, so this bounds its cost however busy the logs are. Cheap
    only with an index on the lines' own columns and log_time."""
    return found[0] if found and found[0] > start else None


class ExactNameFilter(django_filters.CharFilter):
    """A stored name compared exactly, never stripped (empty: no filter)."""

    field_class = ColumnTextField


class SearchFilter(StartChosenForSpeed):
    """Logs of every process (or of one): levels, text, a time range; newest first, always."""

    start_field = "since"
    end_field = "until"

    level = django_filters.MultipleChoiceFilter(
        field_name="log_level",
        choices=LogLevel.choices,
        label=gettext_lazy("Level"),
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
        method="filter_level",
    )
    text = django_filters.CharFilter(
        method="filter_text", label=gettext_lazy("Text contains"), max_length=200
    )
    # The exact stored name (never stripped: "Robot " is another process than "Robot").
    process = ExactNameFilter(
        field_name="process_name", label=gettext_lazy("Process (exact name)"), max_length=100
    )
    since = FromFilter(field_name="log_time", label=gettext_lazy("From"))
    until = UntilFilter(field_name="log_time", label=gettext_lazy("To"))
    group = GroupKeyFilter(
        method="filter_group", label=gettext_lazy("Failure group"), widget=forms.HiddenInput
    )
    per_page = per_page_filter()

    class Meta:
        model = Log
        fields: list[str] = []

    def filter_group(self, queryset, name, value):
        """The lines of one error group (/logs/errors/groups/) within the searched range."""
        data = self.form.cleaned_data
        return groups.narrow_to_group(
            queryset, value, data["since"], data.get("until") or clock.now()
        )

    def choose_start(self) -> tuple[dt.datetime, str] | None:
        """Without “From”, CONSOLE_TEXT_SEARCH_DAYS before “To”/now: across processes even a
        level filter reads every line of its range to count them (the list itself, newest first,
        reads only a page per level with the recommended indexes). A text search starts later
        when a searched level logged more than CONSOLE_TEXT_SEARCH_ROWS lines since, as on a
        process's page: it tests every line of every level down to its page's oldest match."""
        data = self.form.cleaned_data
        days = settings.CONSOLE_TEXT_SEARCH_DAYS
        end = data.get("until")
        by_days = (end or clock.now()) - dt.timedelta(days=days)
        why = _days_before(days, to_given=end is not None)
        process = data.get("process")
        index = PROCESS_LEVEL_TIME_INDEX if process else LEVEL_TIME_INDEX
        # A failure group's lines are few (its ids narrow the search); without the index, finding
        # a level's Nth line would itself read the level's whole range.
        if not data.get("text") or data.get("group") or not indexes.present(index):
            return by_days, why
        lines = self.queryset.filter(process_name=process) if process else self.queryset
        newest = newest_times(lines, by_days, end)
        # One statement, compiled once, read per level.
        nth_line = compiled.per_value(lambda level: nth_of(newest.filter(log_level=level)))
        cuts = [nth_time(nth_line(level), by_days) for level in self.levels()]
        latest = max(filter(None, cuts), default=None)
        if latest is not None:
            more = gettext("the newest %(rows)s lines of each level (%(why)s hold more)")
            return latest, more % {"rows": f"{settings.CONSOLE_TEXT_SEARCH_ROWS:,}", "why": why}
        return by_days, why

    def levels(self) -> list[str]:
        """The levels searched: those ticked, or all of OpenOrchestrator's three."""
        return self.form.cleaned_data.get("level") or list(LogLevel.values)

    def filter_level(self, queryset, name, value):
        return queryset  # applied by filter_queryset, ticked or not

    def filter_queryset(self, queryset):
        # Always a level condition, so that a range of any level is read through an index on
        # (log_level, log_time) rather than by scanning the table (OpenOrchestrator has 3 levels).
        return super().filter_queryset(queryset).filter(log_level__in=self.levels())

    def filter_text(self, queryset, name, value):
        return queryset.filter(log_message__icontains=value)
