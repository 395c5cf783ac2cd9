"""Failure groups shared by the failed-elements and the error-lines groups pages: what a snapshot
holds, how one window of it is summed into groups, the trend sparkline and the pages' form.

The feature apps collect the occurrences (queues.groups, logs.groups); this module knows only
(time, scope, key) rows, where a scope is a queue or a process name.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms

from orchestrator_site import display
from orchestrator_site.forms import LocalDateTimeField, end_of_second

DEFAULT_DAYS = 7
# Occurrences older than this are not collected: the groups pages reach back this far.
HORIZON_DAYS = 30
TREND_BUCKETS = 24
SPARK_WIDTH, SPARK_HEIGHT = 120, 24
NAME_LENGTH = 100


@dataclass(frozen=True)
class Occurrences:
    """A snapshot's value: every current failure since `horizon`, as (time, scope, key, id) rows,
    and per key its signature, explanation and newest message."""

    horizon: dt.datetime
    rows: list[tuple[dt.datetime, str, str, str]]
    texts: dict[str, str]
    explanations: dict[str, str]
    examples: dict[str, tuple[str, str]]  # key -> (id, message) of its newest occurrence
    unsigned: int = 0  # failures left unsigned by this count's bound; signed by the next
    scopes: list[str] = field(default_factory=list)  # every scope of `rows`, sorted


@dataclass
class Group:
    key: str
    text: str
    explanation: str
    example_id: str
    example: str
    count: int = 0
    first: dt.datetime | None = None
    last: dt.datetime | None = None
    scopes: list[tuple[str, int]] = field(default_factory=list)
    trend: list[int] = field(default_factory=list)
    points: str = ""  # the sparkline's polyline
    trend_text: str = ""  # the sparkline in words, for screen readers and tooltips


def summarise(
    data: Occurrences,
    since: dt.datetime,
    until: dt.datetime,
    scopes: list[str] | None = None,
    buckets: int = TREND_BUCKETS,
) -> list[Group]:
    """The groups of the occurrences in [since, until] (and in `scopes` when given), most first."""
    wanted = set(scopes or ())
    end = end_of_second(until)
    span = max((end - since).total_seconds(), 1.0)
    groups: dict[str, Group] = {}
    per_scope: dict[str, Counter[str]] = {}
    for at, scope, key, _id in data.rows:
        if at < since or at >= end or (wanted and scope not in wanted):
            continue
        group = groups.get(key)
        if group is None:
            example_id, example = data.examples.get(key, ("", ""))
            group = groups[key] = Group(
                key,
                data.texts.get(key, key),
                data.explanations.get(key, ""),
                example_id,
                example,
                trend=[0] * buckets,
            )
            per_scope[key] = Counter()
        group.count += 1
        group.first = at if group.first is None or at < group.first else group.first
        group.last = at if group.last is None or at > group.last else group.last
        per_scope[key][scope] += 1
        group.trend[min(buckets - 1, int((at - since).total_seconds() / span * buckets))] += 1
    step = dt.timedelta(seconds=span / buckets)
    for key, group in groups.items():
        group.scopes = sorted(per_scope[key].items(), key=lambda item: (-item[1], item[0]))
        group.points = sparkline_points(group.trend)
        group.trend_text = trend_text(group.trend, since, step)
    return sorted(groups.values(), key=lambda g: (-g.count, g.text, g.key))


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


def trend_text(values: list[int], since: dt.datetime, step: dt.timedelta) -> str:
    """The trend in words: "From 2026-11-21 08:00, per 7 h: 0, 3, 5, …"."""
    return f"From {display.datetime_text(since)}, per {display.duration_text(step)}: " + ", ".join(
        str(v) for v in values
    )


class NameListField(forms.MultipleChoiceField):
    """Exact names (any text OpenOrchestrator can store, never stripped); may repeat in the URL.
    A name that has no failures is valid and simply matches nothing."""

    def valid_value(self, value) -> bool:
        return isinstance(value, str) and len(value) <= NAME_LENGTH


class GroupFilterForm(forms.Form):
    """since/until (failed at) and the scope (a subclass adds the `queue` or `process` field)."""

    scope_field = ""
    since = LocalDateTimeField(required=False, label="Since")
    until = LocalDateTimeField(required=False, label="Until")

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
        until = data.get("until") or self.now
        reach = f"Groups reach back {HORIZON_DAYS} days, to {display.datetime_text(self.horizon)}."
        if "since" in data and since < self.horizon:
            self.add_error("since", reach)
        if data.get("until") and until < self.horizon:
            self.add_error("until", reach)
        elif data.get("since") and data.get("until") and until < since:
            self.add_error("until", "“Until” must not be before “Since”.")
        # A "Since" after now (and no "Until") is a valid, empty window.
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


def page_context(
    form: GroupFilterForm,
    snapshot: Any,
    link: Callable[[str, dt.datetime, dt.datetime, list[str]], str],
    scope_url: Callable[[str], str],
) -> dict:
    """What templates/orchestrator_site/groups.html shows: the groups of the form's window (none
    when the form is invalid), each with its links, and how fresh the snapshot is."""
    since, until = form.window()
    valid = form.is_valid()
    scopes = form.scopes() if valid else []
    groups = summarise(snapshot.value, since, until, scopes) if valid else []
    listed = [
        Listed(g, link(g.key, since, until, scopes), [(n, c, scope_url(n)) for n, c in g.scopes])
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
