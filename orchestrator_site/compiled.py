"""Queries a page runs on every request, with SQL the ORM compiled once per process and database.

A QuerySet builds its query (filters, lookups, ordering) and compiles it to SQL anew on every
evaluation: 0.2-0.5 ms of server CPU for a one-line query, more than SQLite then takes to answer
it. The header's Scheduler count, the request's user row and the dashboard's trigger panel run the
same statements on every request, with at most a name that changes. Here the ORM builds and
compiles each statement once (for whichever backend serves the model), and later calls run that
SQL and turn its rows into what the QuerySet would have returned: model instances through
`Model.from_db`, or `values_list` tuples, each column through the ORM's own converters.

Only shapes whose result this module reproduces exactly are taken: a plain model query (every
concrete field, no select_related, no annotations or deferred fields) or a `values_list` of
columns. Anything else, and any statement whose parameters are not the constants and the
placeholders it was built with, runs through the ORM every time (the same result, the old cost).
tests/foundation/test_compiled.py compares every statement used here with the ORM's own result.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.signals import setting_changed
from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.query import FlatValuesListIterable, ModelIterable, ValuesListIterable
from django.dispatch import receiver

# A text parameter the statement is built with, replaced by the caller's value when it runs: it
# must reach the SQL parameters unchanged, which is what makes a statement reusable.
_PLACEHOLDER = "\x00console-compiled-{}"

Build = Callable[..., models.QuerySet]


@dataclass(frozen=True)
class _Statement:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, int], ...]  # (position in params, index of the caller's argument)
    # (column position, the ORM's converters of that column, the column's expression)
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]
    model: type[models.Model] | None  # instances of it; None: values_list rows
    attnames: tuple[str, ...]
    flat: bool


_statements: dict[tuple[str, str], _Statement | None] = {}
_lock = threading.Lock()


def rows(model: type[models.Model], name: str, build: Build, *values: str) -> list:
    """`list(build(model._default_manager, *values))`, the statement compiled once per `name`
    and database. `values` are text parameters (a user name): build receives placeholders for
    them and must pass each one to a filter unchanged."""
    alias = router.db_for_read(model)
    key = (name, alias)
    if key not in _statements:
        with _lock:
            if key not in _statements:
                _statements[key] = _compile(model, alias, build, len(values))
    statement = _statements[key]
    if statement is None:
        return list(build(model._default_manager.db_manager(alias), *values))
    return _run(statement, alias, values)


def _compile(
    model, alias: str, build: Build, arity: int, connection: BaseDatabaseWrapper | None = None
) -> _Statement | None:
    """The statement for `alias`; `connection` compiles it for another backend (the SQL Server
    tests, which have no server to connect to)."""
    placeholders = [_PLACEHOLDER.format(i) for i in range(arity)]
    queryset = build(model._default_manager.db_manager(alias), *placeholders)
    if queryset.query.model is not model or queryset.db != alias:
        return None
    return _statement(queryset, connection or connections[alias], placeholders)


def _statement(
    queryset: models.QuerySet, connection: BaseDatabaseWrapper, placeholders: list[str]
) -> _Statement | None:
    """`queryset` compiled for `connection`, or None when its rows are not a shape _run() makes
    exactly as the ORM does, or when a placeholder did not reach the SQL as itself (the ORM
    must prepare such a value each time)."""
    query = queryset.query
    if queryset.__dict__.get("_prefetch_related_lookups"):
        return None
    compiler = query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    slots = tuple(
        (position, placeholders.index(param))
        for position, param in enumerate(params)
        if isinstance(param, str) and param in placeholders
    )
    if sorted(index for _, index in slots) != list(range(len(placeholders))):
        return None
    columns = [column for column, _, _ in compiler.select]
    converters = tuple(
        (position, tuple(functions), expression)
        for position, (functions, expression) in compiler.get_converters(columns).items()
    )
    iterable = queryset._iterable_class
    if iterable is ModelIterable:
        model = queryset.model
        attnames = tuple(
            getattr(getattr(column, "target", None), "attname", None) for column in columns
        )
        concrete = tuple(field.attname for field in model._meta.concrete_fields)
        plain = (
            attnames == concrete
            and not compiler.klass_info.get("related_klass_infos")
            and not compiler.annotation_col_map
            and not query.deferred_loading[0]
        )
        if not plain:
            return None
        return _Statement(sql, tuple(params), slots, converters, model, concrete, flat=False)
    if iterable in (ValuesListIterable, FlatValuesListIterable):
        if len(columns) != len(query.values_select) + len(query.annotation_select):
            return None
        flat = iterable is FlatValuesListIterable
        return _Statement(sql, tuple(params), slots, converters, None, (), flat=flat)
    return None


def _run(statement: _Statement, alias: str, values: tuple[str, ...]) -> list:
    params = list(statement.params)
    for position, index in statement.slots:
        params[position] = values[index]
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, params)
        fetched: list[Any] = cursor.fetchall()
    if statement.converters:
        fetched = [_converted(row, statement.converters, connection) for row in fetched]
    if statement.model is not None:
        model, attnames = statement.model, statement.attnames
        return [model.from_db(alias, attnames, row) for row in fetched]
    if statement.flat:
        return [row[0] for row in fetched]
    return [tuple(row) for row in fetched]


def _converted(row, converters, connection) -> list:
    """The row's values through the ORM's converters, as SQLCompiler.apply_converters does."""
    values = list(row)
    for position, functions, expression in converters:
        for convert in functions:
            values[position] = convert(values[position], expression, connection)
    return values


def flat_values(queryset: models.QuerySet) -> list:
    """list(queryset) for a `values_list(column, flat=True)`, its SQL compiled for this call and
    its rows taken from the cursor as _run() takes them. Django's row iterators cost about a
    microsecond a row, most of the dashboard's failed panel when it counts a thousand failures
    per queue. Anything else is the ORM's own list."""
    if queryset._iterable_class is not FlatValuesListIterable:
        return list(queryset)
    statement = _statement(queryset, connections[queryset.db], [])
    if statement is None:
        return list(queryset)
    return _run(statement, queryset.db, ())


def per_value(build: Callable[[str], models.QuerySet]) -> Callable[[str], list]:
    """`lambda value: list(build(value))`, with `build` compiled once for every value it is then
    called with: the same search read per log level, say. For a few calls within one request
    (the other parameters of its statement are this request's); `build` must pass its value to
    a filter unchanged, as for rows(). A shape rows() would not take goes through the ORM."""
    placeholder = _PLACEHOLDER.format(0)
    queryset = build(placeholder)
    statement = _statement(queryset, connections[queryset.db], [placeholder])
    if statement is None:
        return lambda value: list(build(value))
    alias = queryset.db
    return lambda value: _run(statement, alias, (value,))


@receiver(setting_changed)
def _databases_changed(*, setting: str, **kwargs) -> None:
    if setting in ("DATABASES", "DATABASE_ROUTERS"):
        _statements.clear()
