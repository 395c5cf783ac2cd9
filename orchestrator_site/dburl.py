"""Translate the SQLAlchemy URL that OpenOrchestrator users already have into a Django database.

OpenOrchestrator reads its connection string from `OpenOrchestratorConnString`; the old console read
`OpenOrchestratorSQL`. Both hold a SQLAlchemy URL, so the console accepts exactly that form and
never asks people to learn a second syntax.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

EXAMPLES = (
    "mssql+pyodbc://user:password@host/database?driver=ODBC+Driver+18+for+SQL+Server, "
    "mssql+pyodbc://@host/database?trusted_connection=yes&driver=ODBC+Driver+18+for+SQL+Server, "
    "sqlite:///relative/path.db, sqlite:////absolute/path.db, "
    "postgresql+psycopg://user:password@host:5432/database"
)

_SQLITE = {"sqlite", "sqlite+pysqlite"}
# A robot (SQLAlchemy's pysqlite) waits 5 s for a lock; the console waits longer, since its own
# writes are short batches and giving up means a person has to click again.
SQLITE_BUSY_TIMEOUT = 20
_POSTGRES = {"postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2"}
_MSSQL = {"mssql", "mssql+pyodbc"}


class ConnectionStringError(ImproperlyConfigured):
    pass


def _fail(variable: str, why: str) -> ConnectionStringError:
    return ConnectionStringError(
        f"{variable} is not a usable connection string: {why}. Examples of valid values: {EXAMPLES}"
    )


def parse_connection_string(
    url: str, *, variable: str, base_dir: Path, must_exist: bool = False
) -> dict:
    """Return a Django DATABASES entry for a SQLAlchemy URL, or raise ConnectionStringError."""
    url = url.strip()
    if "://" not in url:
        raise _fail(
            variable, "it does not start with a scheme such as mssql+pyodbc:// or sqlite:///"
        )
    scheme = url.split("://", 1)[0].lower()
    if scheme in _SQLITE:
        return _sqlite(url, variable=variable, base_dir=base_dir, must_exist=must_exist)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _fail(variable, "the host or port part cannot be read") from None
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    if scheme in _POSTGRES:
        return _postgres(parts, port, query, variable=variable)
    if scheme in _MSSQL:
        return _mssql(parts, port, query, variable=variable)
    raise _fail(variable, f"the database type {scheme!r} is not supported")


def _sqlite(url: str, *, variable: str, base_dir: Path, must_exist: bool) -> dict:
    rest = url.split("://", 1)[1]
    path = rest.split("?", 1)[0]
    if not path.startswith("/") or path in ("/", "") or path == "/:memory:":
        raise _fail(
            variable, "a SQLite URL needs a file path (an in-memory database would be empty)"
        )
    path = unquote(path[1:])  # sqlite:///rel.db -> "rel.db"; sqlite:////abs.db -> "/abs.db"
    file = Path(path)
    if not file.is_absolute():
        file = base_dir / file
    name = str(file)
    if must_exist:
        # Opening a missing SQLite file would silently create an empty database; mode=rw refuses.
        name = f"file:{quote(name)}?mode=rw"
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": name,
        "OPTIONS": {
            # Wait this many seconds for another writer's lock before "database is locked".
            "timeout": SQLITE_BUSY_TIMEOUT,
            # Every transaction.atomic() block starts with BEGIN IMMEDIATE, taking the write lock
            # (or waiting for it) up front. A deferred transaction that reads and then writes
            # deadlocks against a robot or another request doing the same, and SQLite answers
            # that deadlock with an instant "database is locked", ignoring the timeout. The
            # console's atomic blocks all write (the admin's change forms hold one a moment longer
            # while they render), so nothing is locked needlessly.
            "transaction_mode": "IMMEDIATE",
        },
        "SQLITE_PATH": str(file),
    }


def _postgres(parts, port, query: dict, *, variable: str) -> dict:
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise _fail(variable, "the PostgreSQL URL names no database")
    options = {
        key: value for key, value in query.items() if key in {"sslmode", "sslrootcert", "options"}
    }
    options.setdefault("connect_timeout", int(query.get("connect_timeout", 5)))
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(port or ""),
        "OPTIONS": options,
    }


def _odbc_pairs(odbc: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in odbc.split(";"):
        if "=" not in item:
            continue
        key, value = item.split("=", 1)
        value = value.strip()
        if value.startswith("{") and value.endswith("}"):
            value = value[1:-1]
        pairs[key.strip().lower()] = value
    return pairs


def _mssql(parts, port, query: dict, *, variable: str) -> dict:
    lowered = {key.lower(): value for key, value in query.items()}
    if "odbc_connect" in lowered:
        return _mssql_odbc(lowered["odbc_connect"], variable=variable)
    name = unquote(parts.path.lstrip("/"))
    host = unquote(parts.netloc.rsplit("@", 1)[-1]).split(":")[0]  # keeps HOST\INSTANCE
    if not host or not name:
        raise _fail(variable, "the SQL Server URL needs a host and a database name")
    driver = lowered.pop("driver", "ODBC Driver 18 for SQL Server")
    extra = []
    trusted = lowered.pop("trusted_connection", "").lower() in {"yes", "true", "1"}
    if trusted:
        extra.append("Trusted_Connection=yes")
    for key, value in query.items():
        if key.lower() not in {"driver", "trusted_connection"}:
            extra.append(f"{key}={value}")
    return _mssql_entry(
        name=name,
        host=host,
        port=str(port or ""),
        user="" if trusted else unquote(parts.username or ""),
        password="" if trusted else unquote(parts.password or ""),
        driver=driver,
        extra=extra,
    )


def _mssql_odbc(odbc: str, *, variable: str) -> dict:
    pairs = _odbc_pairs(odbc)
    server = pairs.pop("server", "")
    name = pairs.pop("database", "")
    if not server or not name:
        raise _fail(variable, "odbc_connect needs SERVER= and DATABASE=")
    host, _, port = server.removeprefix("tcp:").partition(",")
    driver = pairs.pop("driver", "ODBC Driver 18 for SQL Server")
    user = pairs.pop("uid", "")
    password = pairs.pop("pwd", "")
    extra = [f"{key}={value}" for key, value in pairs.items()]
    return _mssql_entry(
        name=name, host=host, port=port, user=user, password=password, driver=driver, extra=extra
    )


def _mssql_entry(*, name, host, port, user, password, driver, extra) -> dict:
    options: dict = {"driver": driver, "connection_timeout": 10}
    if extra:
        options["extra_params"] = ";".join(extra)
    return {
        "ENGINE": "mssql",
        "NAME": name,
        "HOST": host,
        "PORT": port,
        "USER": user,
        "PASSWORD": password,
        "OPTIONS": options,
    }
