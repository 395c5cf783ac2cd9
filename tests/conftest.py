"""Shared fixtures: the OpenOrchestrator test database (made by OpenOrchestrator's own code) and personas."""

from __future__ import annotations

import sys

import pytest
from django.conf import settings
from django.test import Client

from orchestrator_site.identity import Identity, signed_in_environ
from tests import oo
from tests import settings as test_settings

ALL_DATABASES = ["default", "orchestrator"]

# Personas: what each may do.
PERSONAS = {
    # Reads everything except passwords; changes nothing.
    "viewer": Identity("TEST\\Vera", ("TEST\\rpa-viewers", "TEST\\domain users")),
    # Viewer + retry/delete/acknowledge/create queue elements, pause/resume/run/kill triggers.
    "operator": Identity("TEST\\Otto", ("TEST\\rpa-operators",)),
    # Operator + create/edit/delete triggers, constants, credentials' metadata; delete logs.
    "admin": Identity("TEST\\Ada", ("TEST\\rpa-automation",)),
    # Viewer + may reveal passwords.
    "keeper": Identity("TEST\\Kim", ("TEST\\rpa-viewers", "TEST\\rpa-vault")),
    # Signed in to Windows but in no console group: refused everywhere.
    "outsider": Identity("TEST\\Oscar", ("TEST\\domain users",)),
}


def _prepare_postgres() -> None:
    import psycopg

    database = settings.DATABASES["orchestrator"]["NAME"]
    params = settings.DATABASES["orchestrator"]
    try:
        admin = psycopg.connect(
            host=params["HOST"] or None,
            port=params["PORT"] or None,
            user=params["USER"] or None,
            password=params["PASSWORD"] or None,
            dbname="postgres",
            autocommit=True,
            connect_timeout=5,
        )
    except psycopg.OperationalError as exc:
        pytest.exit(f"PostgreSQL is not reachable for the PostgreSQL run: {exc}", returncode=3)
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{database}"')


def _prepare_orchestrator_db() -> None:
    if test_settings.TEST_BACKEND == "postgresql":
        _prepare_postgres()
    else:
        test_settings.TEST_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
        test_settings.TEST_SQLITE_PATH.unlink(missing_ok=True)
    oo.create_schema(test_settings.TEST_OO_URL)


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker):
    """The console's own database as usual; OpenOrchestrator's schema created by OpenOrchestrator."""
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        _prepare_orchestrator_db()
        old = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    yield
    with django_db_blocker.unblock():
        teardown_databases(old, verbosity=0)
        _drop_orchestrator_db()


def _drop_orchestrator_db() -> None:
    from django.db import connections

    connections["orchestrator"].close()
    if test_settings.TEST_BACKEND == "postgresql":
        import psycopg

        params = settings.DATABASES["orchestrator"]
        with psycopg.connect(
            host=params["HOST"] or None,
            port=params["PORT"] or None,
            user=params["USER"] or None,
            dbname="postgres",
            autocommit=True,
        ) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{params["NAME"]}" WITH (FORCE)')
    else:
        test_settings.TEST_SQLITE_PATH.unlink(missing_ok=True)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: cached overviews and header counts from an earlier
    test's rows would otherwise leak into it (and expire at a random moment inside it)."""
    from django.core.cache import caches

    from orchestrator_site.auth import forget_applied_roles

    for alias in ("default", "shared"):
        caches[alias].clear()
    forget_applied_roles()
    yield
    for alias in ("default", "shared"):
        caches[alias].clear()
    forget_applied_roles()


@pytest.fixture(autouse=True)
def _no_orchestrator_db_means_none(request):
    """A test marked no_orchestrator_db runs in the SQLite run only (tests/run.py): the claim that
    the backend cannot matter to it is checked here, by failing any query it sends that database."""
    if request.node.get_closest_marker("no_orchestrator_db") is None:
        yield
        return
    from django.db import connections

    def refuse(execute, sql, params, many, context):
        raise AssertionError(f"marked no_orchestrator_db, but queried it: {sql[:200]}")

    with connections[settings.ORCHESTRATOR_DB].execute_wrapper(refuse):
        yield


@pytest.fixture
def oo_url() -> str:
    return test_settings.TEST_OO_URL


@pytest.fixture
def db_util(oo_url):
    """OpenOrchestrator's own db_util, connected to the test database; tables emptied afterwards.

    Use it with `@oo_tx` (a transactional test): OpenOrchestrator commits on its own connection, so
    the console's writes must be committed too for either side to see the other's rows.
    """
    from OpenOrchestrator.database import db_util as module

    oo.connect(oo_url)
    yield module
    module.disconnect()
    oo.clear(oo_url)


def persona_client(name: str, **defaults) -> Client:
    return Client(**signed_in_environ(PERSONAS[name]), **defaults)


@pytest.fixture
def as_viewer() -> Client:
    return persona_client("viewer")


@pytest.fixture
def as_operator() -> Client:
    return persona_client("operator")


@pytest.fixture
def as_admin() -> Client:
    return persona_client("admin")


@pytest.fixture
def as_keeper() -> Client:
    return persona_client("keeper")


@pytest.fixture
def as_outsider() -> Client:
    return persona_client("outsider")


def pytest_report_header(config):
    return f"OpenOrchestrator test database: {test_settings.TEST_BACKEND} ({sys.platform})"


def pytest_collection_modifyitems(config, items):
    """`sqlite_only` tests (SQLite query plans, file formats) skip, with the reason, on another backend,
    also when pytest is run by hand with CONSOLE_TEST_DB=postgresql (tests/run.py deselects them)."""
    if test_settings.TEST_BACKEND == "sqlite":
        return
    skip = pytest.mark.skip(
        reason=f"SQLite only; this run's database is {test_settings.TEST_BACKEND}"
    )
    for item in items:
        if "sqlite_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def recommended_indexes():
    """The console's recommended indexes, really created (and dropped again afterwards), for a
    transactional test (@oo_tx: PostgreSQL builds them CONCURRENTLY, outside a transaction)."""
    from logs.models import Log
    from orchestrator_site import indexes
    from queues.models import QueueElement
    from triggers.models import Job, Scheduler

    indexes.apply()
    indexes.forget()
    yield
    indexes.drop()
    indexes.forget()
    # Committed rows of a transactional test: nobody flushes OpenOrchestrator's tables.
    Log.objects.all().delete()
    Job.objects.all().delete()
    Scheduler.objects.all().delete()
    QueueElement.objects.all().delete()
