"""SQLite connections live across requests, yet a replaced or removed file is noticed."""

from __future__ import annotations

import copy
import sqlite3

import pytest
from django.db import OperationalError, connections
from django.db.backends.sqlite3.base import DatabaseWrapper

from orchestrator_site.dburl import parse_connection_string
from orchestrator_site.sqlitefiles import close_if_moved

pytestmark = pytest.mark.no_orchestrator_db


@pytest.fixture(autouse=True)
def _own_files(django_db_blocker):
    """These connections open files of their own, not the test databases."""
    with django_db_blocker.unblock():
        yield


def make_file(path, word: str) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (word TEXT)")
        db.execute("INSERT INTO t VALUES (?)", (word,))
    db.close()


def wrapper_for(path) -> DatabaseWrapper:
    settings_dict = copy.deepcopy(connections.settings["default"])
    settings_dict.update(
        parse_connection_string(
            f"sqlite:///{path}", variable="TEST", base_dir=path.parent, must_exist=True
        )
    )
    return DatabaseWrapper(settings_dict, alias="sqlite-files-test")


def word(connection) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT word FROM t")
        return cursor.fetchone()[0]


def test_a_replaced_file_is_read_after_the_check(tmp_path):
    live, new = tmp_path / "oo.sqlite3", tmp_path / "restored.sqlite3"
    make_file(live, "before")
    connection = wrapper_for(live)
    try:
        assert word(connection) == "before"
        assert not close_if_moved(connection)  # same file: the connection stays open
        make_file(new, "after")
        new.replace(live)
        assert word(connection) == "before"  # what a connection kept open would go on showing
        assert close_if_moved(connection)
        assert word(connection) == "after"
    finally:
        connection.close()


def test_a_removed_file_is_a_lost_database_after_the_check(tmp_path):
    live = tmp_path / "oo.sqlite3"
    make_file(live, "before")
    connection = wrapper_for(live)
    try:
        assert word(connection) == "before"
        live.unlink()
        assert close_if_moved(connection)
        with pytest.raises(OperationalError):
            word(connection)
        assert not live.exists()  # mode=rw: never an empty new database in its place
    finally:
        connection.close()
