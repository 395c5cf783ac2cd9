"""clonedb never replaces a live database, tells a busy or broken source apart, and cleans up when
it is stopped by a signal."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import signal
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tests.faults import (
    database_on,
    orchestrator_sqlite,
    sqlite_entry,
    write_locked,
    write_old_logs,
)
from tests.helpers import oo_db, oo_tx

ROOT = Path(__file__).resolve().parents[2]


def run_clone(*args: str) -> str:
    out = StringIO()
    call_command("clonedb", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def live_source(tmp_path, monkeypatch):
    """The configured OpenOrchestrator database is this SQLite file (settings and connection)."""
    folder = tmp_path / "live"
    folder.mkdir()
    path = orchestrator_sqlite(folder)
    with database_on("orchestrator", sqlite_entry(path), monkeypatch=monkeypatch):
        yield path


def same_file_spellings(source: Path, tmp_path: Path) -> dict[str, Path]:
    symlink = tmp_path / "link.sqlite3"
    symlink.symlink_to(source)
    hardlink = tmp_path / "hard.sqlite3"
    os.link(source, hardlink)
    return {
        "the path itself": source,
        "a symlink to it": symlink,
        "a hard link to it": hardlink,
        "a path with ..": source.parent / ".." / source.parent.name / source.name,
        "a relative path": Path(os.path.relpath(source)),
    }


@oo_db
@pytest.mark.parametrize(
    "spelling",
    [
        "the path itself",
        "a symlink to it",
        "a hard link to it",
        "a path with ..",
        "a relative path",
    ],
)
@pytest.mark.parametrize("force", [True, False])
def test_it_never_replaces_the_configured_source(live_source, tmp_path, spelling, force):
    output = same_file_spellings(live_source, tmp_path)[spelling]
    before = digest(live_source)
    with pytest.raises(CommandError, match="is the configured OpenOrchestrator database") as error:
        run_clone("--output", str(output), *(["--force"] if force else []))
    assert "never overwrites a live database, with or without --force" in str(error.value)
    assert digest(live_source) == before
    assert not [name for name in os.listdir(live_source.parent) if "clonedb-tmp" in name]


@oo_db
@pytest.mark.parametrize("suffix", ["-journal", "-wal", "-shm"])
def test_it_never_replaces_a_journal_of_the_source(live_source, suffix):
    journal = Path(f"{live_source}{suffix}")
    journal.write_bytes(b"a journal SQLite would replay")
    with pytest.raises(CommandError, match=f"is the {suffix[1:]} file of the configured"):
        run_clone("--output", str(journal), "--force")
    assert journal.read_bytes() == b"a journal SQLite would replay"


@oo_db
def test_it_never_replaces_the_consoles_own_database(live_source, tmp_path, monkeypatch):
    console = tmp_path / "console.sqlite3"
    console.write_bytes(b"users, sessions and the audit trail")
    monkeypatch.setitem(settings.DATABASES["default"], "SQLITE_PATH", str(console))
    with pytest.raises(CommandError, match="is the console's own database"):
        run_clone("--output", str(console), "--force")
    assert console.read_bytes() == b"users, sessions and the audit trail"


@oo_db
def test_another_file_beside_the_source_is_fine(live_source):
    output = live_source.parent / "copy.sqlite3"
    assert "Copied 0 rows in 10 tables" in run_clone("--output", str(output))
    assert output.exists()


# --- a source that is busy or no database: said so, not "not an OpenOrchestrator database" -------


@oo_db
def test_a_locked_source_is_busy(live_source, tmp_path):
    with write_locked(live_source), pytest.raises(CommandError) as error:
        run_clone("--output", str(tmp_path / "copy.db"))
    assert str(error.value).startswith("The database is busy; try again.")
    assert "alembic_version" not in str(error.value)
    assert not (tmp_path / "copy.db").exists()


@oo_db
def test_a_source_that_is_no_database_is_named_so(tmp_path, monkeypatch):
    path = tmp_path / "orchestrator.sqlite3"
    path.write_bytes(b"not SQLite at all " * 300)
    with database_on("orchestrator", sqlite_entry(path), monkeypatch=monkeypatch):
        with pytest.raises(CommandError, match="is not a database"):
            run_clone("--output", str(tmp_path / "copy.db"))
    assert not (tmp_path / "copy.db").exists()


# --- stopped by SIGTERM: no hidden temporary file, a message, a non-zero exit ---------------------


@oo_tx
def test_sigterm_removes_the_temporary_file(db_util, tmp_path):
    """The signal comes when the command reports the first batch of Logs copied: the copy has
    begun (the hidden file exists) and nine tenths of it, about a second, are still to come."""
    write_old_logs(db_util, 80_000, at=dt.datetime(2026, 1, 1, 12))
    folder = tmp_path / "out"
    folder.mkdir()
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "clonedb",
            "--output",
            str(folder / "copy.db"),
            "--batch-size",
            "250",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    printed = []
    for line in process.stdout:
        printed.append(line)
        if line.startswith("Logs ") and not line.startswith("Logs 0/"):
            break
    else:
        pytest.fail(f"the copy ended before it reached the Logs: {printed} {process.stderr.read()}")
    assert [p.name for p in folder.iterdir() if p.name.endswith(".clonedb-tmp")], printed
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode not in (0, -signal.SIGTERM), stderr
    assert "Stopped by SIGTERM. Nothing was written" in stderr
    assert "Traceback" not in stderr
    assert "Copied" not in stdout
    assert list(folder.iterdir()) == []
