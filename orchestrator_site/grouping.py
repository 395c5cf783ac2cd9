"""Failure groups shared by the failed-elements and the error-lines groups pages: what a snapshot
holds, how one window of it is summed into groups, the trend sparkline and the pages' form.

The feature apps collect the occurrences (queues.groups, logs.groups); this module knows only
(time, scope, key) rows, where a scope is a queue or a process name.
"""

from __future__ import annotations

import datetime as dt
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orchestrator_site import display, signatures
from orchestrator_site.forms import LocalDateTimeField, end_of_second
from orchestrator_site.htmltext import format_html
from orchestrator_site.templatetags.console_format import name_label

DEFAULT_DAYS = 7
# Occurrences older than this are not collected: the groups pages reach back this far.
HORIZON_DAYS = 30
TREND_BUCKETS = 24
SPARK_WIDTH, SPARK_HEIGHT = 120, 24
NAME_LENGTH = 100


Times = array  # array("q"): microseconds after an Occurrences' `base`, sorted


@dataclass(frozen=True)
class Occurrences:
    """A snapshot's value: every current failure since `horizon`, kept so that a request reads
    little and sums nothing row by row: the failure times, sorted, as microseconds after `base`
    in arrays (8 bytes a failure; an array pickles as its bytes), once per key and once per
    (key, scope); per key its signature, explanation and newest message.

    A window [since, until] is then a few binary searches per key and per (key, scope): the
    counts, the first and last times and the trend are exact, edges included (see `bounds`)."""

    horizon: dt.datetime
    base: dt.datetime
    by_key: dict[str, Times]
    by_scope: dict[tuple[str, str], Times]  # (key, scope) -> times
    texts: dict[str, str]
    explanations: dict[str, signatures.Why | None]
    examples: dict[str, tuple[str, str]]  # key -> (id, message) of its newest occurrence
    unsigned: int = 0  # failures left unsigned by this count's bound; signed by the next
    scopes: list[str] = field(default_factory=list)  # every scope of `by_scope`, sorted

    @classmethod
    def build(
        cls,
        horizon: dt.datetime,
        rows: Iterable[tuple[dt.datetime, str, str]],
        texts: dict[str, str],
        explanations: dict[str, signatures.Why | None],
        examples: dict[str, tuple[str, str]],
        unsigned: int = 0,
    ) -> Occurrences:
        """From (time, scope, key) rows, in any order."""
        base = horizon.replace(microsecond=0)
        by_key: dict[str, list[int]] = {}
        by_scope: dict[tuple[str, str], list[int]] = {}
        for at, scope, key in rows:
            micros = _micros(at, base)
            by_key.setdefault(key, []).append(micros)
            by_scope.setdefault((key, scope), []).append(micros)
        return cls(
            horizon=horizon,
            base=base,
            by_key={key: array("q", sorted(values)) for key, values in by_key.items()},
            by_scope={pair: array("q", sorted(values)) for pair, values in by_scope.items()},
            texts=texts,
            explanations=explanations,
            examples=examples,
            unsigned=unsigned,
            scopes=sorted({scope for _key, scope in by_scope}),
        )

    def at(self, micros: int) -> dt.datetime:
        return self.base + dt.timedelta(microseconds=micros)


def _micros(at: dt.datetime, base: dt.datetime) -> int:
    return (at - base) // dt.timedelta(microseconds=1)


def bounds(since: dt.datetime, until: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The window [since, until] as the lists read it: from the whole second of `since` (a link
    carries it to the second) to the end of the second of `until`, exclusive."""
    return since.replace(microsecond=0), end_of_second(until)


@dataclass
class Group:
    key: str
    text: str
    why: signatures.Why | str | None  # in words: `explanation`
    example_id: str
    example: str
    count: int = 0
    first: dt.datetime | None = None
    last: dt.datetime | None = None
    scopes: list[tuple[str, int]] = field(default_factory=list)
    trend: list[int] = field(default_factory=list)
    points: str = ""  # the sparkline's polyline
    trend_text: str = ""  # the sparkline in words, for screen readers and tooltips

    @property
    def explanation(self) -> str:
        """Why its messages share this group, in words in the active language ("" if unknown)."""
        return signatures.explain_text(self.why)


@dataclass
class _Tally:
    count: int
    first: int
    last: int
    trend: list[int]
    scopes: list[tuple[str, int]] = field(default_factory=list)

    def add(self, scope: str, other: _Tally) -> None:
        self.count += other.count
        self.first, self.last = min(self.first, other.first), max(self.last, other.last)
        self.trend = [a + b for a, b in zip(self.trend, other.trend, strict=True)]
        self.scopes.append((scope, other.count))


@dataclass(frozen=True)
class _Window:
    """[low, high) in an Occurrences' microseconds, and the trend's inner edges."""

    low: int
    high: int
    edges: list[float]
    trend: bool

    def count(self, times: Times) -> int:
        return bisect_left(times, self.high) - bisect_left(times, self.low)

    def tally(self, times: Times) -> _Tally | None:
        first = bisect_left(times, self.low)
        stop = bisect_left(times, self.high, first)
        if stop == first:
            return None
        trend = _trend(times, first, stop, self.edges) if self.trend else []
        return _Tally(stop - first, times[first], times[stop - 1], trend)


def summarise(
    data: Occurrences,
    since: dt.datetime,
    until: dt.datetime,
    scopes: list[str] | None = None,
    buckets: int = TREND_BUCKETS,
    per_scope: bool = True,
) -> list[Group]:
    """The groups of the occurrences in [since, until] (see `bounds`; and in `scopes` when given),
    most first, with a trend of `buckets` points (none when 0) and, unless `per_scope` is False
    and no `scopes` are given, the count per scope. Binary searches in the sorted times: per key
    (2 + the trend's), per (key, scope) 2; with `scopes` given, only per (key, scope) of those
    scopes, each with its trend. No failure is visited one by one."""
    start, end = bounds(since, until)
    low, high = _micros(start, data.base), _micros(end, data.base)
    span = max(high - low, 1)
    edges = [low + span * i / buckets for i in range(1, buckets)] if buckets else []
    window = _Window(low, high, edges, trend=bool(buckets))
    if scopes:
        tallies = _by_scopes(data, window, set(scopes))
    else:
        tallies = _by_keys(data, window, per_scope)
    step = dt.timedelta(microseconds=span / buckets) if buckets else dt.timedelta(0)
    trend_from = trend_start(start, step) if buckets else ""
    groups = []
    for key, found in tallies.items():
        example_id, example = data.examples.get(key, ("", ""))
        text = data.texts.get(key, key)
        if text == signatures.EMPTY:  # stored in one language, shown in the reader's
            text = _("(no message)")
        groups.append(
            Group(
                key,
                text,
                data.explanations.get(key),
                example_id,
                example,
                count=found.count,
                first=data.at(found.first),
                last=data.at(found.last),
                scopes=sorted(found.scopes, key=lambda item: (-item[1], item[0])),
                trend=found.trend,
                points=sparkline_points(found.trend),
                trend_text=f"{trend_from} {trend_values(found.trend)}" if buckets else "",
            )
        )
    return sorted(groups, key=lambda g: (-g.count, g.text, g.key))


def _by_keys(data: Occurrences, window: _Window, per_scope: bool) -> dict[str, _Tally]:
    """Every scope: each key's own times, then (`per_scope`) the count of each of its scopes."""
    tallies = {}
    for key, times in data.by_key.items():
        if (found := window.tally(times)) is not None:
            tallies[key] = found
    if per_scope:
        for (key, scope), times in data.by_scope.items():
            if key in tallies and (count := window.count(times)):
                tallies[key].scopes.append((scope, count))
    return tallies


def _by_scopes(data: Occurrences, window: _Window, wanted: set[str]) -> dict[str, _Tally]:
    """Only the `wanted` scopes: each (key, scope) in full, added up per key."""
    tallies: dict[str, _Tally] = {}
    for (key, scope), times in data.by_scope.items():
        if scope in wanted and (found := window.tally(times)) is not None:
            total = tallies.setdefault(
                key, _Tally(0, found.first, found.last, [0] * len(found.trend))
            )
            total.add(scope, found)
    return tallies


def _trend(times: Times, first: int, stop: int, edges: list[float]) -> list[int]:
    """How many of times[first:stop] fall between consecutive `edges` (len(edges) + 1 counts):
    one binary search per edge, or one step per time when there are fewer times than edges."""
    if stop - first > len(edges):
        marks = [first, *(bisect_left(times, edge, first, stop) for edge in edges), stop]
        return [b - a for a, b in zip(marks, marks[1:], strict=False)]
    trend = [0] * (len(edges) + 1)
    for at in times[first:stop]:
        trend[bisect_right(edges, at)] += 1
    return trend


def sparkline_points(
    values: list[int], width: int = SPARK_WIDTH, height: int = SPARK_HEIGHT
) -> str:
    """An SVG polyline's points for `values`, scaled to width x height (1 px margin)."""
    if not values:
        return ""
    top = max(max(values), 1)
    step = (width - 2) / max(len(values) - 1, 1)
    return " ".join(
        f"{1 + i * step:.1f},{height - 1 - v / top * (height - 2):.1f}"
        for i, v in enumerate(values)
    )


def trend_start(since: dt.datetime, step: dt.timedelta) -> str:
    """The start of every trend of one window in words, said once per window: "From 2026-11-21
    08:00, per 7 h:"; each group's values follow it (`trend_values`)."""
    return _("From %(since)s, per %(step)s:") % {
        "since": display.datetime_text(since),
        "step": display.duration_text(step),
    }


def trend_values(values: list[int]) -> str:
    return ", ".join(str(v) for v in values)


class NameListField(forms.MultipleChoiceField):
    """Exact names (any text OpenOrchestrator can store, never stripped); may repeat in the URL.
    A name that has no failures is valid and simply matches nothing."""

    def valid_value(self, value) -> bool:
        return isinstance(value, str) and len(value) <= NAME_LENGTH


class GroupFilterForm(forms.Form):
    """since/until (failed at) and the scope (a subclass adds the `queue` or `process` field)."""

    scope_field = ""
    since = LocalDateTimeField(required=False, label=gettext_lazy("Since"))
    until = LocalDateTimeField(required=False, label=gettext_lazy("Until"))

    def __init__(self, *args, now: dt.datetime, known: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.now = now
        self.horizon = now - dt.timedelta(days=HORIZON_DAYS)
        field = self.fields[self.scope_field]
        asked = self.data.getlist(self.scope_field) if hasattr(self.data, "getlist") else []
        names = sorted(set(known) | {name for name in asked if isinstance(name, str)})
        field.choices = [(name, name) for name in names]  # type: ignore[attr-defined]
        self.fields["since"].widget.attrs["placeholder"] = display.input_text(
            now - dt.timedelta(days=DEFAULT_DAYS)
        )

    def clean(self):
        super().clean()
        data = self.cleaned_data
        since = data.get("since") or self.now - dt.timedelta(days=DEFAULT_DAYS)
        since = since.replace(microsecond=0)  # the window is whole seconds (see `bounds`)
        until = data.get("until") or self.now
        reach = _("Groups reach back %(days)d days, to %(horizon)s.") % {
            "days": HORIZON_DAYS,
            "horizon": display.datetime_text(self.horizon),
        }
        if "since" in data and since < self.horizon:
            self.add_error("since", reach)
        if data.get("until") and until < self.horizon:
            self.add_error("until", reach)
        elif data.get("since") and data.get("until") and until < since:
            self.add_error("until", _("“Until” must not be before “Since”."))
        elif data.get("since") and not data.get("until") and since > until:
            self.add_error("since", _("“Since” is after now: nothing has failed yet."))
        data["window"] = (max(since, self.horizon), until)
        return data

    def window(self) -> tuple[dt.datetime, dt.datetime]:
        """The window asked for (valid form) or the default one."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["window"]
        return self.now - dt.timedelta(days=DEFAULT_DAYS), self.now

    def scopes(self) -> list[str]:
        return list(self.cleaned_data.get(self.scope_field) or []) if self.is_valid() else []


GROUPS_SHOWN = 200


@dataclass(frozen=True)
class Listed:
    group: Group
    link: str  # the list (inbox, search) narrowed to this group and window
    scopes: list[tuple[str, int, str]]  # (name, count, url of its page)
    scopes_html: SafeString  # the scopes cell: "A: 3, B: 1", each name a link


def page_context(
    form: GroupFilterForm,
    snapshot: Any,
    link: Callable[[str, dt.datetime, dt.datetime, list[str]], str],
    scope_url: Callable[[str], str],
) -> dict:
    """What templates/orchestrator_site/groups.html shows: the groups of the form's window (none
    when the form is invalid), each with its links, and how fresh the snapshot is.

    The scopes cells are built here, each name's link escaped once: a page lists up to
    GROUPS_SHOWN groups times every queue or process each one touches (hundreds of links)."""
    since, until = form.window()
    valid = form.is_valid()
    scopes = form.scopes() if valid else []
    groups = summarise(snapshot.value, since, until, scopes) if valid else []
    urls: dict[str, str] = {}
    anchors: dict[str, str] = {}
    for g in groups[:GROUPS_SHOWN]:
        for name, _count in g.scopes:
            if name not in anchors:
                urls[name] = scope_url(name)
                anchors[name] = format_html('<a href="{}">{}</a>', urls[name], name_label(name))
    listed = [
        Listed(
            g,
            link(g.key, since, until, scopes),
            [(n, c, urls[n]) for n, c in g.scopes],
            mark_safe(  # noqa: S308 - the anchors are escaped, the counts digits and commas
                ", ".join(f"{anchors[n]}: {c:,}" for n, c in g.scopes)
            ),
        )
        for g in groups[:GROUPS_SHOWN]
    ]
    return {
        "form": form,
        "groups": listed,
        "more_groups": max(0, len(groups) - GROUPS_SHOWN),
        "total": sum(g.count for g in groups),
        "since": since,
        "until": until,
        "snapshot": snapshot,
        "unsigned": snapshot.value.unsigned,
        "horizon_days": HORIZON_DAYS,
    }
