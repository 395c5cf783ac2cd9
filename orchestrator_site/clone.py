"""Copy OpenOrchestrator's database into a new SQLite file that OpenOrchestrator 3.0 itself can use.

The source is the configured `orchestrator` alias (SQL Server in production, or PostgreSQL/SQLite).
Every column is named explicitly (production tables built by alembic have another column order than
`create_all` ones) and every value is converted to the format OpenOrchestrator writes on SQLite:
32-hex lowercase UUIDs, enum NAMES, 0/1 booleans, `YYYY-MM-DD HH:MM:SS.ffffff` naive datetimes and
`json.dumps(list)` whitelists. The converters are pure functions, so the values SQL Server drivers
return (dashed upper-case uniqueidentifier strings, bit as bool, DATETIME rounded to 1/300 s) are
tested without a server.

The copy is built in a temporary file next to the output and renamed only after every copied table's
row count matched the source; anything else (an error, a full disk, Ctrl+C) removes the temporary
file and leaves an existing output untouched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from django.conf import settings
from django.db import DatabaseError, connections, transaction

from orchestrator_site import clock, dbfaults, health
from orchestrator_site.dbfaults import DbState
from orchestrator_site.oo_schema import REVISION, TABLES, create_sqlite_schema

OO_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"

TRIGGER_STATUSES = ("IDLE", "RUNNING", "FAILED", "DONE", "PAUSED", "PAUSING", "KILLING", "KILLED")
TRIGGER_TYPES = ("SINGLE", "SCHEDULED", "QUEUE")
QUEUE_STATUSES = ("NEW", "IN_PROGRESS", "DONE", "FAILED", "ABANDONED")
LOG_LEVELS = ("TRACE", "INFO", "ERROR")
JOB_STATUSES = ("RUNNING", "DONE", "FAILED", "KILLED")


class CloneError(Exception):
    """A problem the user can act on; the message says what happened and that nothing was written."""


# --- Value converters (pure functions) --------------------------------------------------------


def to_uuid_hex(value: object) -> str | None:
    """Any UUID form a driver returns -> 32 lowercase hex characters (SQLAlchemy's SQLite format).

    pyodbc returns `uniqueidentifier` as an upper-case dashed str (or uuid.UUID with
    `pyodbc.native_uuid = True`); psycopg returns uuid.UUID; SQLite holds text. Raw 16-byte values
    are SQL Server's binary GUID layout (little-endian first three groups).
    """
    if value is None:
        return None
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        if len(raw) == 16:
            return uuid.UUID(bytes_le=raw).hex
        value = raw.decode("ascii")
    text = str(value).strip()
    try:
        return uuid.UUID(text).hex  # accepts dashed/undashed, braces, any case
    except ValueError:
        raise ValueError(f"not a UUID: {text!r}") from None


def to_enum_name(value: object, names: tuple[str, ...]) -> str:
    """A stored enum value -> OpenOrchestrator's member NAME, exactly as it expects it."""
    if value is None:
        raise ValueError("NULL in an enum column")
    text = value.decode() if isinstance(value, bytes) else str(value)
    if text in names:
        return text
    # Tolerate what other writers sometimes stored: a lower-case name or the display value.
    key = text.strip().upper().replace(" ", "_")
    if key in names:
        return key
    raise ValueError(f"{text!r} is none of {', '.join(names)}")


_TRUE = {"1", "true", "t", "yes", "y"}
_FALSE = {"0", "false", "f", "no", "n", ""}


def to_bool_int(value: object) -> int:
    """bit/boolean/0-1/text -> the integer 0 or 1 SQLAlchemy writes on SQLite."""
    if value is None:
        raise ValueError("NULL in a boolean column")
    if isinstance(value, (bytes, bytearray)):
        value = value.decode()
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return 1
        if text in _FALSE:
            return 0
        raise ValueError(f"not a boolean: {value!r}")
    return 1 if value else 0


def to_oo_datetime(value: object) -> str | None:
    """A naive datetime (or its text) -> `YYYY-MM-DD HH:MM:SS.ffffff`, always 6 fractional digits.

    SQL Server DATETIME values come back already rounded to 1/300 s (e.g. .003000, .007000); the
    microseconds are kept as they are, so the copy holds exactly what the source holds.
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"not a datetime: {text!r}") from None
    elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    if not isinstance(value, dt.datetime):
        raise ValueError(f"not a datetime: {value!r}")
    if value.tzinfo is not None:
        raise ValueError(f"OpenOrchestrator stores naive local times, got {value.isoformat()}")
    return value.strftime(OO_DATETIME_FORMAT)


def to_whitelist_json(value: object) -> str | None:
    """`scheduler_whitelist` -> `json.dumps(list)` text, or NULL for NULL/`null`."""
    if value is None:
        return None
    if isinstance(value, list):
        parsed: object = value
    else:
        text = value.decode() if isinstance(value, bytes) else str(value)
        try:
            parsed = json.loads(text)
        except ValueError:
            raise ValueError(f"scheduler_whitelist is not JSON: {text!r}") from None
    if parsed is None:
        return None
    if not isinstance(parsed, list):
        raise ValueError(f"scheduler_whitelist is not a JSON list: {value!r}")
    return json.dumps(parsed)


def to_text(value: object) -> str | None:
    """VARCHAR/varchar/TEXT -> str, unchanged (never stripped: trailing spaces are data)."""
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        raw = bytes(value)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("cp1252")  # a Latin1 code page, what Danish SQL Server collations use
    return value if isinstance(value, str) else str(value)


def to_int(value: object) -> int | None:
    if value is None:
        return None
    # A raw column value (int, Decimal, float or str, by driver); int() refuses anything else.
    number = int(value)  # type: ignore[call-overload]
    if number != value and not isinstance(value, str):
        raise ValueError(f"not an integer: {value!r}")
    return number


def _enum(names: tuple[str, ...]) -> Callable[[object], str]:
    return lambda value: to_enum_name(value, names)


_DT = to_oo_datetime
_UUID = to_uuid_hex
_TEXT = to_text


# --- What to copy --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[tuple[str, Callable[[object], object]], ...]
    time_column: str | None = None  # what --since filters on
    key: str = "id"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)


SPECS: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "Logs",
            (
                ("id", _UUID),
                ("log_time", _DT),
                ("log_level", _enum(LOG_LEVELS)),
                ("process_name", _TEXT),
                ("job_id", _UUID),
                ("log_message", _TEXT),
            ),
            time_column="log_time",
        ),
        TableSpec(
            "Jobs",
            (
                ("id", _UUID),
                ("process_name", _TEXT),
                ("scheduler_name", _TEXT),
                ("status", _enum(JOB_STATUSES)),
                ("start_time", _DT),
                ("end_time", _DT),
            ),
            time_column="start_time",
        ),
        TableSpec(
            "Constants",
            (("name", _TEXT), ("value", _TEXT), ("changed_at", _DT)),
            key="name",
        ),
        TableSpec(
            "Credentials",
            (("name", _TEXT), ("username", _TEXT), ("password", _TEXT), ("changed_at", _DT)),
            key="name",
        ),
        TableSpec(
            "Triggers",
            (
                ("id", _UUID),
                ("trigger_name", _TEXT),
                ("process_name", _TEXT),
                ("last_run", _DT),
                ("process_path", _TEXT),
                ("process_args", _TEXT),
                ("process_status", _enum(TRIGGER_STATUSES)),
                ("is_git_repo", to_bool_int),
                ("git_branch", _TEXT),
                ("is_blocking", to_bool_int),
                ("scheduler_whitelist", to_whitelist_json),
                ("priority", to_int),
                ("type", _enum(TRIGGER_TYPES)),
            ),
        ),
        TableSpec(
            "Queues",
            (
                ("id", _UUID),
                ("queue_name", _TEXT),
                ("status", _enum(QUEUE_STATUSES)),
                ("data", _TEXT),
                ("reference", _TEXT),
                ("created_date", _DT),
                ("start_date", _DT),
                ("end_date", _DT),
                ("message", _TEXT),
                ("created_by", _TEXT),
            ),
            time_column="created_date",
        ),
        TableSpec(
            "Schedulers",
            (
                ("machine_name", _TEXT),
                ("last_update", _DT),
                ("latest_trigger", _TEXT),
                ("latest_trigger_time", _DT),
            ),
            key="machine_name",
        ),
        TableSpec("Single_Triggers", (("id", _UUID), ("next_run", _DT))),
        TableSpec("Scheduled_Triggers", (("id", _UUID), ("cron_expr", _TEXT), ("next_run", _DT))),
        TableSpec(
            "Queue_Triggers", (("id", _UUID), ("queue_name", _TEXT), ("min_batch_size", to_int))
        ),
    )
}
assert tuple(SPECS) == TABLES  # noqa: S101 - the same insert order as the schema module

TRIGGER_FAMILY = ("Triggers", "Single_Triggers", "Scheduled_Triggers", "Queue_Triggers")


def resolve_tables(requested: Iterable[str] | None) -> tuple[list[str], list[str]]:
    """The tables to copy in insert order, and notes on tables added to keep triggers whole.

    A trigger row without its child row (or the reverse) breaks OpenOrchestrator's trigger list,
    so asking for any table of the trigger family copies the whole family.
    """
    if not requested:
        return list(TABLES), []
    by_lower = {name.lower(): name for name in TABLES}
    chosen: set[str] = set()
    for raw in requested:
        for part in raw.split(","):
            part = part.strip()
            if not part:
                continue
            if part.lower() not in by_lower:
                raise CloneError(
                    f"Unknown table {part!r}. OpenOrchestrator's tables are: {', '.join(TABLES)}."
                )
            chosen.add(by_lower[part.lower()])
    notes = []
    if chosen & set(TRIGGER_FAMILY) and not set(TRIGGER_FAMILY) <= chosen:
        added = [name for name in TRIGGER_FAMILY if name not in chosen]
        chosen |= set(TRIGGER_FAMILY)
        notes.append(f"Also copying {', '.join(added)}: triggers need their child rows.")
    return [name for name in TABLES if name in chosen], notes


# --- The copy --------------------------------------------------------------------------------------


@dataclass
class CloneOptions:
    output: Path
    force: bool = False
    tables: list[str] | None = None
    since_days: int | None = None
    batch_size: int = 5000
    credentials: str = "copy"  # "copy" | "skip" | "blank"
    with_indexes: bool = True


@dataclass
class CloneResult:
    output: Path
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    size_bytes: int = 0
    revision: str = REVISION
    indexes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


Progress = Callable[[str, int, int], None]


_SQLITE_COMPANIONS = ("", "-journal", "-wal", "-shm")


def _same_file(a: Path, b: Path) -> bool:
    """True when two paths are one file: the same inode (symlinks, hard links, another spelling
    or case of the name) when both exist, else the same fully resolved, case-normalised path."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        pass  # one of them does not exist (yet)
    return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


def _sqlite_file(name: str) -> str | None:
    """The file behind a sqlite3 NAME (a path or a `file:` URI); None for an in-memory one."""
    if name.startswith("file:"):
        path, _, query = name[5:].partition("?")
        return None if "mode=memory" in query else unquote(path)
    return None if name in ("", ":memory:") else name


def _live_databases() -> list[tuple[str, Path]]:
    """The SQLite files the console is configured to use: (what it is, path)."""
    found = []
    for alias, database in settings.DATABASES.items():
        if database["ENGINE"].endswith("sqlite3"):
            path = database.get("SQLITE_PATH") or _sqlite_file(str(database["NAME"]))
            if path is None:
                continue
            what = (
                f"the configured OpenOrchestrator database ({settings.ORCHESTRATOR_URL_VARIABLE})"
                if alias == settings.ORCHESTRATOR_DB
                else "the console's own database (CONSOLE_DATABASE_URL)"
            )
            found.append((what, Path(path)))
    return found


def refuse_live_database(output: Path) -> None:
    """CloneError when `output` is, or belongs to, a database the console uses. Replacing it would
    destroy live data, so --force does not change this; neither may the copy replace one of its
    journal files (-journal, -wal, -shm), which SQLite would then replay into it."""
    for what, live in _live_databases():
        for suffix in _SQLITE_COMPANIONS:
            if _same_file(output, Path(f"{live}{suffix}")):
                part = f"the {suffix[1:]} file of " if suffix else ""
                raise CloneError(
                    f"--output {output} is {part}{what}. clonedb never overwrites a live "
                    "database, with or without --force; choose another file."
                )


def check_output(options: CloneOptions) -> Path:
    """The resolved output path, after refusing what would overwrite or cannot be written."""
    refuse_live_database(Path(options.output).expanduser())
    output = Path(options.output).expanduser().resolve()
    if output.is_dir():
        raise CloneError(f"{output} is a directory; give a file name with --output.")
    if output.exists() and not options.force:
        raise CloneError(f"{output} already exists; pass --force to replace it.")
    directory = output.parent
    if not directory.is_dir():
        raise CloneError(f"The directory {directory} does not exist.")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise CloneError(f"The directory {directory} is not writable.")
    return output


def check_source() -> str:
    """The source's alembic revision, or CloneError when it is not usable now, saying why."""
    status = health.schema_status(fresh=True)
    if status.state in (DbState.UNREACHABLE, DbState.BUSY, DbState.NOT_A_DATABASE):
        raise CloneError(f"{dbfaults.describe(status.state)} Nothing was written.")
    if status.problem == health.NO_VERSION_TABLE:
        raise CloneError(
            "The source database has no alembic_version table, so it is not an OpenOrchestrator "
            f"{REVISION} database. Nothing was written."
        )
    if status.revision != REVISION:
        raise CloneError(
            f"The source database is at schema revision {status.revision!r}, not {REVISION!r} "
            "(OpenOrchestrator 3.0). Upgrade it first with "
            'python -m OpenOrchestrator upgrade "<connection string>". Nothing was written.'
        )
    return status.revision


def _cutoff(options: CloneOptions) -> dt.datetime | None:
    if options.since_days is None:
        return None
    return clock.now() - dt.timedelta(days=options.since_days)


def _where(spec: TableSpec, cutoff: dt.datetime | None, vendor: str, quote) -> tuple[str, list]:
    if cutoff is None or spec.time_column is None:
        return "", []
    value: object = cutoff.strftime(OO_DATETIME_FORMAT) if vendor == "sqlite" else cutoff
    return f" WHERE {quote(spec.time_column)} >= %s", [value]


def source_count(alias: str, spec: TableSpec, cutoff: dt.datetime | None) -> int:
    connection = connections[alias]
    quote = connection.ops.quote_name
    where, params = _where(spec, cutoff, connection.vendor, quote)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {quote(spec.name)}{where}", params)  # noqa: S608
        return int(cursor.fetchone()[0])


def _blank_password(value: object) -> str:
    """A token that decrypts to '' with the configured key, so OpenOrchestrator still reads it."""
    from orchestrator_site import crypto

    try:
        return crypto.encrypt("")
    except Exception:  # noqa: BLE001 - no key configured: an empty string is the only safe blank
        return ""


def convert_row(spec: TableSpec, row: tuple, *, blank_password: bool = False) -> tuple:
    """One source row (in `spec.column_names` order) -> the values to insert into the copy."""
    converted = []
    for (name, convert), value in zip(spec.columns, row, strict=True):
        try:
            converted.append(convert(value))
        except (ValueError, TypeError) as exc:
            key = row[spec.column_names.index(spec.key)]
            raise CloneError(
                f"{spec.name} row {key!r}, column {name}: {exc}. Nothing was written."
            ) from None
    if blank_password:
        converted[spec.column_names.index("password")] = _blank_password(None)
    return tuple(converted)


def _stream(alias: str, spec: TableSpec, cutoff: dt.datetime | None, batch_size: int):
    """Yield lists of at most `batch_size` raw rows; memory stays bounded by one batch.

    PostgreSQL gets a server-side (named) cursor; pyodbc and sqlite3 fetch lazily with fetchmany.
    """
    connection = connections[alias]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in spec.column_names)
    where, params = _where(spec, cutoff, connection.vendor, quote)
    sql = f"SELECT {columns} FROM {quote(spec.name)}{where}"  # noqa: S608 - names are constants
    connection.ensure_connection()
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while True:
            rows = cursor.fetchmany(batch_size)
            if not rows:
                return
            yield rows


@contextlib.contextmanager
def _source_snapshot(alias: str):
    """On PostgreSQL, read every table from one consistent snapshot (REPEATABLE READ, read-only),
    so counts and rows agree even while robots keep writing. SQL Server's READ COMMITTED and SQLite
    give no such snapshot without blocking writers; there the count check catches a changing source.
    """
    connection = connections[alias]
    if connection.vendor != "postgresql" or not connection.get_autocommit():
        yield
        return
    with transaction.atomic(using=alias):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _open_target(path: Path) -> sqlite3.Connection:
    target = sqlite3.connect(str(path), isolation_level=None)
    # The file is thrown away on any failure, so it needs no journal while it is being built.
    target.execute("PRAGMA journal_mode = OFF")
    target.execute("PRAGMA synchronous = OFF")
    return target


def _copy_table(
    alias: str,
    target: sqlite3.Connection,
    spec: TableSpec,
    *,
    cutoff: dt.datetime | None,
    options: CloneOptions,
    progress: Progress,
) -> int:
    expected = source_count(alias, spec, cutoff)
    progress(spec.name, 0, expected)
    columns = ", ".join(spec.column_names)
    marks = ", ".join("?" * len(spec.columns))
    insert = f'INSERT INTO "{spec.name}" ({columns}) VALUES ({marks})'  # noqa: S608
    blank = spec.name == "Credentials" and options.credentials == "blank"
    written = 0
    target.execute("BEGIN")
    for rows in _stream(alias, spec, cutoff, options.batch_size):
        target.executemany(insert, [convert_row(spec, row, blank_password=blank) for row in rows])
        written += len(rows)
        progress(spec.name, written, max(expected, written))
    target.execute("COMMIT")
    in_copy = target.execute(f'SELECT COUNT(*) FROM "{spec.name}"').fetchone()[0]  # noqa: S608
    now_in_source = source_count(alias, spec, cutoff)
    if not (in_copy == written == expected == now_in_source):
        raise CloneError(
            f"{spec.name}: the source had {expected:,} rows (now {now_in_source:,}), "
            f"{written:,} were read and the copy holds {in_copy:,}. The source probably changed "
            "during the copy; run it again (--since limits Logs, Queues and Jobs). "
            "Nothing was written."
        )
    return written


def clone(options: CloneOptions, *, progress: Progress | None = None) -> CloneResult:
    """Build the copy; raise CloneError with nothing left behind (also on Ctrl+C).

    Never writes to a live database: `check_output` refuses every configured SQLite file (and its
    journals) whatever --force says, the copy is built in a new hidden file of its own (mkstemp)
    and only that file is renamed over the output.
    """
    alias = settings.ORCHESTRATOR_DB
    progress = progress or (lambda table, done, total: None)
    started = time.monotonic()
    output = check_output(options)
    tables, notes = _planned_tables(options)
    revision = check_source()
    cutoff = _cutoff(options)
    result = CloneResult(output=output, revision=revision, notes=notes)

    temporary = _temporary_file(output)
    target = None
    try:
        create_sqlite_schema(temporary, revision=revision)
        target = _open_target(temporary)
        _fill(target, tables, cutoff=cutoff, options=options, progress=progress, result=result)
        target.execute("PRAGMA journal_mode = DELETE")
        target.close()
        target = None
        with open(temporary, "rb+") as stream:
            os.fsync(stream.fileno())
        refuse_live_database(output)  # again: the copy took a while, the folder may have changed
        os.replace(temporary, output)
    except BaseException as exc:
        _discard(target, temporary)
        error = _failure(exc, output=output, alias=alias)
        if error is None:
            raise
        raise error from None
    result.seconds = time.monotonic() - started
    result.size_bytes = output.stat().st_size
    return result


def _planned_tables(options: CloneOptions) -> tuple[list[str], list[str]]:
    """The tables to copy and notes on what was left out; refuses impossible options."""
    if options.batch_size < 1:
        raise CloneError("--batch-size must be at least 1.")
    if options.since_days is not None and options.since_days < 0:
        raise CloneError("--since must be a number of days, 0 or more.")
    tables, notes = resolve_tables(options.tables)
    if options.credentials == "skip" and "Credentials" in tables:
        tables.remove("Credentials")
        notes.append("Credentials skipped (--exclude-credentials).")
    return tables, notes


def _temporary_file(output: Path) -> Path:
    """A new hidden file beside the output, ours alone, that becomes the output at the end."""
    try:
        handle, name = tempfile.mkstemp(
            prefix=f".{output.name}.", suffix=".clonedb-tmp", dir=output.parent
        )
    except OSError as exc:
        raise CloneError(f"Cannot create a file in {output.parent}: {exc.strerror}.") from None
    os.close(handle)
    return Path(name)


def _fill(
    target: sqlite3.Connection,
    tables: list[str],
    *,
    cutoff: dt.datetime | None,
    options: CloneOptions,
    progress: Progress,
    result: CloneResult,
) -> None:
    """Copy each table from one snapshot of the source, then add the recommended indexes."""
    from orchestrator_site import indexes

    alias = settings.ORCHESTRATOR_DB
    with _source_snapshot(alias):
        for table in tables:
            result.rows[table] = _copy_table(
                alias, target, SPECS[table], cutoff=cutoff, options=options, progress=progress
            )
    if options.with_indexes:
        for spec in indexes.RECOMMENDED:
            target.execute(indexes.create_sql(spec, "sqlite"))
            result.indexes.append(spec.name)
        target.execute("ANALYZE")


def _failure(exc: BaseException, *, output: Path, alias: str) -> CloneError | None:
    """What to tell the person when building the copy failed; None: let the exception through."""
    if isinstance(
        exc, KeyboardInterrupt
    ):  # Ctrl+C, or SIGTERM as the clonedb command turns it into
        return CloneError(
            f"{str(exc) or 'Interrupted'}. Nothing was written; the output was not touched."
        )
    if isinstance(exc, sqlite3.Error):
        if "full" in str(exc).lower():
            return CloneError(
                f"The disk holding {output.parent} is full (SQLite: {exc}). Nothing was written; "
                "free some space or use --since/--tables for a smaller copy."
            )
        return CloneError(f"Writing the copy failed: {exc}. Nothing was written.")
    if isinstance(exc, DatabaseError):
        return CloneError(
            f"Reading the source failed. {dbfaults.explain(exc, alias=alias)} "
            "Nothing was written; the output was not touched."
        )
    if isinstance(exc, OSError):
        return CloneError(f"Writing the copy failed: {exc.strerror or exc}. Nothing was written.")
    return None


def _discard(target: sqlite3.Connection | None, temporary: Path) -> None:
    if target is not None:
        try:
            target.close()
        except sqlite3.Error:
            pass
    temporary.unlink(missing_ok=True)
    Path(f"{temporary}-journal").unlink(missing_ok=True)
