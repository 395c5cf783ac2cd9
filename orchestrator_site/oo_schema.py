"""OpenOrchestrator 3.0's schema, as its own code creates it on SQLite.

The console never runs migrations against OpenOrchestrator's database. It only creates a schema for
SQLite files it owns (the demo database and `clonedb` copies), and for those it uses exactly the DDL
that OpenOrchestrator 3.0.0's `Base.metadata.create_all()` emits on SQLite (a test compares the two),
plus the `alembic_version` table that alembic itself creates.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

REVISION = "1c87ed320c78"
UPGRADE_COMMAND = 'python -m OpenOrchestrator upgrade "<connection string>"'

# Every OpenOrchestrator table, parents before children (insert order; delete in reverse).
TABLES = (
    "Logs",
    "Jobs",
    "Constants",
    "Credentials",
    "Triggers",
    "Queues",
    "Schedulers",
    "Single_Triggers",
    "Scheduled_Triggers",
    "Queue_Triggers",
)

SQLITE_DDL = (
    """CREATE TABLE "Logs" (
	id CHAR(32) NOT NULL, 
	log_time DATETIME NOT NULL, 
	log_level VARCHAR(5) NOT NULL, 
	process_name VARCHAR(100) NOT NULL, 
	job_id CHAR(32), 
	log_message VARCHAR(8000) NOT NULL, 
	PRIMARY KEY (id)
)""",
    """CREATE TABLE "Jobs" (
	id CHAR(32) NOT NULL, 
	process_name VARCHAR(100) NOT NULL, 
	scheduler_name VARCHAR(100) NOT NULL, 
	status VARCHAR(7) NOT NULL, 
	start_time DATETIME NOT NULL, 
	end_time DATETIME, 
	PRIMARY KEY (id)
)""",
    """CREATE TABLE "Constants" (
	name VARCHAR(100) NOT NULL, 
	value VARCHAR(1000) NOT NULL, 
	changed_at DATETIME NOT NULL, 
	PRIMARY KEY (name)
)""",
    """CREATE TABLE "Credentials" (
	name VARCHAR(100) NOT NULL, 
	username VARCHAR(250) NOT NULL, 
	password VARCHAR(1000) NOT NULL, 
	changed_at DATETIME NOT NULL, 
	PRIMARY KEY (name)
)""",
    """CREATE TABLE "Triggers" (
	id CHAR(32) NOT NULL, 
	trigger_name VARCHAR(100) NOT NULL, 
	process_name VARCHAR(100) NOT NULL, 
	last_run DATETIME, 
	process_path VARCHAR(250) NOT NULL, 
	process_args VARCHAR(1000), 
	process_status VARCHAR(7) NOT NULL, 
	is_git_repo BOOLEAN NOT NULL, 
	git_branch VARCHAR(100), 
	is_blocking BOOLEAN NOT NULL, 
	scheduler_whitelist VARCHAR(250), 
	priority INTEGER NOT NULL, 
	type VARCHAR(9) NOT NULL, 
	PRIMARY KEY (id)
)""",
    """CREATE TABLE "Queues" (
	id CHAR(32) NOT NULL, 
	queue_name VARCHAR(100) NOT NULL, 
	status VARCHAR(11) NOT NULL, 
	data VARCHAR(2000), 
	reference VARCHAR(100), 
	created_date DATETIME NOT NULL, 
	start_date DATETIME, 
	end_date DATETIME, 
	message VARCHAR(1000), 
	created_by VARCHAR(100), 
	PRIMARY KEY (id)
)""",
    """CREATE INDEX "ix_Queues_queue_name" ON "Queues" (queue_name)""",
    """CREATE INDEX "ix_Queues_created_date" ON "Queues" (created_date)""",
    """CREATE TABLE "Schedulers" (
	machine_name VARCHAR(100) NOT NULL, 
	last_update DATETIME NOT NULL, 
	latest_trigger VARCHAR(100), 
	latest_trigger_time DATETIME, 
	PRIMARY KEY (machine_name)
)""",
    """CREATE TABLE "Single_Triggers" (
	id CHAR(32) NOT NULL, 
	next_run DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(id) REFERENCES "Triggers" (id)
)""",
    """CREATE TABLE "Scheduled_Triggers" (
	id CHAR(32) NOT NULL, 
	cron_expr VARCHAR(200) NOT NULL, 
	next_run DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(id) REFERENCES "Triggers" (id)
)""",
    """CREATE TABLE "Queue_Triggers" (
	id CHAR(32) NOT NULL, 
	queue_name VARCHAR(200) NOT NULL, 
	min_batch_size INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(id) REFERENCES "Triggers" (id)
)""",
    """CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
)""",
)


def create_sqlite_schema(path: Path | str, *, revision: str = REVISION) -> None:
    """Create OpenOrchestrator 3.0's tables in a new SQLite file and stamp the revision."""
    connection = sqlite3.connect(str(path))
    try:
        with connection:
            for statement in SQLITE_DDL:
                connection.execute(statement)
            connection.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (revision,))
    finally:
        connection.close()


def create_with_openorchestrator(url: str, *, revision: str | None = REVISION) -> None:
    """Create the schema with OpenOrchestrator 3.0.0's own SQLAlchemy metadata and stamp `revision`.

    For the tests and the benchmark generator, on any backend; OpenOrchestrator is their dependency
    (requirements-test.txt), not the console's, so it is imported here only.
    """
    from OpenOrchestrator.database import base, db_util  # noqa: F401 - registers every ORM table
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        base.Base.metadata.create_all(engine)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL, "
                    "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
                )
            )
            connection.execute(text("DELETE FROM alembic_version"))
            if revision:
                connection.execute(
                    text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": revision}
                )
    finally:
        engine.dispose()
