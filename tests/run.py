"""Run the whole suite: on PostgreSQL when a server answers, then on SQLite (with the browser tests).

`make test` calls this. A PostgreSQL run that cannot happen says why; it is never silently skipped.
The PostgreSQL run leaves out the browser tests (their server has its own SQLite database),
`sqlite_only` and `no_orchestrator_db` tests (pure code, servers on their own SQLite files, start-up
checks): the backend cannot change what they see, and tests/conftest.py fails any of them that
queries the OpenOrchestrator database.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def postgres_reason() -> str | None:
    """None when PostgreSQL answers, else why the PostgreSQL run is skipped."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    url = os.environ.get("CONSOLE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    conninfo = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    try:
        psycopg.connect(conninfo, connect_timeout=3).close()
    except Exception as exc:  # noqa: BLE001
        return f"PostgreSQL at {conninfo} did not answer ({type(exc).__name__}: {exc})".strip()
    return None


def main() -> int:
    extra = sys.argv[1:]
    pytest = [sys.executable, "-m", "pytest"]
    results = []
    reason = postgres_reason()
    if reason and os.environ.get("CI"):
        print(f"PostgreSQL is required in CI: {reason}")
        return 1
    if reason:
        print(f"\n*** SKIPPED the PostgreSQL run: {reason}\n")
    else:
        print("\n=== PostgreSQL run (OpenOrchestrator database on PostgreSQL) ===", flush=True)
        env = dict(os.environ, CONSOLE_TEST_DB="postgresql")
        results.append(
            subprocess.call(
                [
                    *pytest,
                    "-m",
                    "not browser and not sqlite_only and not no_orchestrator_db",
                    *extra,
                ],
                cwd=ROOT,
                env=env,
            )
        )
    print(
        "\n=== SQLite run (OpenOrchestrator database on SQLite, browser tests included) ===",
        flush=True,
    )
    env = dict(os.environ, CONSOLE_TEST_DB="sqlite")
    results.append(subprocess.call([*pytest, *extra], cwd=ROOT, env=env))
    return next((code for code in results if code != 0), 0)


if __name__ == "__main__":
    sys.exit(main())
