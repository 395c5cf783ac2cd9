"""Cron expressions exactly as OpenOrchestrator's Scheduler reads them (cronsim 2.6)."""

from __future__ import annotations

import datetime
from itertools import islice

from cronsim import CronSim, CronSimError
from django.utils.translation import gettext as _


def cron_problem(expr: str, now: datetime.datetime) -> str | None:
    """Why the Scheduler would reject `expr`, or None if it accepts it.

    The Scheduler calls `next(CronSim(cron_expr, datetime.now()))` when the trigger starts; an
    exception there is not caught and stops its loop, so both construction and the first step
    must succeed. Spaces around the expression are harmless (cronsim splits on whitespace) and
    kept: the stored text is never rewritten.
    """
    if len(expr.split()) != 5:
        return _("Use exactly 5 fields: minute hour day-of-month month day-of-week.")
    try:
        next(CronSim(expr, now))
    except CronSimError as exc:
        # cronsim's own words (English) name the field it stumbled on.
        return _("Not a valid cron expression: %(problem)s") % {"problem": exc}
    except StopIteration:
        return _("This expression never fires.")
    return None


def next_runs(expr: str, after: datetime.datetime, count: int = 5) -> list[datetime.datetime]:
    """The next `count` occurrences strictly after `after` (empty if the expression is invalid)."""
    try:
        return list(islice(CronSim(expr, after), count))
    except (CronSimError, StopIteration):
        return []


def next_run(expr: str, after: datetime.datetime) -> datetime.datetime:
    """What the Scheduler writes as next_run when the trigger starts at `after`."""
    return next(CronSim(expr, after))
