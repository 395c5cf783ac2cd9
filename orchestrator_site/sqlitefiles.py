"""SQLite connections kept across requests, which notice when their file is replaced or removed.

Opening a SQLite connection for each request (two databases, with their PRAGMAs) cost about half
the server CPU of a light page, so SQLite connections live across requests like server connections
do (CONN_MAX_AGE). A connection keeps reading the file it opened even after that file was deleted
or replaced (a restored backup, a new clonedb copy moved into place). So before each request a
connection whose path no longer names the file it opened is closed: the request then opens what is
there now, or reports the database as lost.
"""

from __future__ import annotations

import os

from django.core.signals import request_started
from django.db import connections
from django.db.backends.signals import connection_created


def _identity(path: str) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def remember_file(sender, connection, **kwargs) -> None:
    path = connection.settings_dict.get("SQLITE_PATH")
    if connection.vendor == "sqlite" and path:
        connection.console_file = _identity(path)


def close_if_moved(connection) -> bool:
    """Close a SQLite connection whose file is gone or is another file now; True when closed."""
    path = connection.settings_dict.get("SQLITE_PATH")
    if connection.vendor != "sqlite" or not path or connection.connection is None:
        return False
    if connection.in_atomic_block:
        return False
    opened = getattr(connection, "console_file", None)
    if opened is not None and _identity(path) == opened:
        return False
    connection.close()
    return True


def close_moved_files(**kwargs) -> None:
    """Before a request: this thread's SQLite connections, checked (one stat() each)."""
    for connection in connections.all(initialized_only=True):
        close_if_moved(connection)


def connect() -> None:
    """Remember each SQLite connection's file; check it before every request."""
    connection_created.connect(remember_file, dispatch_uid="console-sqlite-file")
    request_started.connect(close_moved_files, dispatch_uid="console-sqlite-moved")
