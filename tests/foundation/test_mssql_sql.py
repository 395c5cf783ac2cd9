"""SQL Server cannot run here: these compile the console's queries for the `mssql` backend without a
server and check the SQL and parameters that would be sent (UUIDs dashed for uniqueidentifier, enum
names, OFFSET/FETCH paging, escaped LIKE search)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.contrib.auth.models import User
from django.db.models.sql import UpdateQuery
from django.db.utils import load_backend

from dashboard import panels
from logs.models import Log, LogLevel
from orchestrator_site import compiled as compiled_once
from orchestrator_site import userrow
from queues.models import QueueElement, QueueStatus
from triggers import liveness
from triggers.models import Job, Scheduler, SingleTrigger, Trigger, TriggerStatus

pytestmark = pytest.mark.no_orchestrator_db

ELEMENT_ID = uuid.UUID("72a03dfe-457d-43d7-be9c-9df619e54e62")


@pytest.fixture(scope="module")
def mssql():
    backend = load_backend("mssql")
    connection = backend.DatabaseWrapper(
        {
            "ENGINE": "mssql",
            "NAME": "OpenOrchestrator",
            "HOST": "sql01",
            "PORT": "",
            "USER": "rpa",
            "PASSWORD": "",
            "OPTIONS": {"driver": "ODBC Driver 18 for SQL Server"},
            "TIME_ZONE": None,
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "AUTOCOMMIT": True,
            "ATOMIC_REQUESTS": False,
            "TEST": {},
        },
        alias="mssql-compile",
    )
    connection.__dict__["sql_server_version"] = 2019  # never connect to ask
    return connection


def compiled(queryset, connection):
    return queryset.query.get_compiler(connection=connection).as_sql()


def test_lookup_by_id_sends_the_dashed_form(mssql):
    sql, params = compiled(QueueElement.objects.filter(id=ELEMENT_ID), mssql)
    assert "[Queues].[id] = %s" in sql
    assert params == ("72a03dfe-457d-43d7-be9c-9df619e54e62",)


def test_string_ids_from_urls_are_dashed_too(mssql):
    sql, params = compiled(Log.objects.filter(job_id=ELEMENT_ID.hex), mssql)
    assert params == ("72a03dfe-457d-43d7-be9c-9df619e54e62",)


def test_child_trigger_join_uses_the_shared_id_column(mssql):
    sql, params = compiled(
        SingleTrigger.objects.select_related("trigger").filter(trigger_id=ELEMENT_ID), mssql
    )
    assert "INNER JOIN [Triggers] ON ([Single_Triggers].[id] = [Triggers].[id])" in sql
    assert params == (str(ELEMENT_ID),)


def test_enum_filters_use_openorchestrator_names(mssql):
    sql, params = compiled(
        Trigger.objects.filter(process_status__in=[TriggerStatus.RUNNING, TriggerStatus.PAUSING]),
        mssql,
    )
    assert "[Triggers].[process_status] IN (%s, %s)" in sql
    assert params == ("RUNNING", "PAUSING")


def test_paging_uses_offset_fetch_with_an_order(mssql):
    queryset = Log.objects.filter(process_name="Proc A", log_level=LogLevel.ERROR).order_by(
        "-log_time"
    )[50:101]
    sql, params = compiled(queryset, mssql)
    assert "ORDER BY [Logs].[log_time] DESC" in sql
    assert "OFFSET 50 ROWS FETCH FIRST 51 ROWS ONLY" in sql
    assert sorted(params) == ["ERROR", "Proc A"]


def test_text_search_is_an_escaped_like(mssql):
    sql, params = compiled(QueueElement.objects.filter(data__contains="50%_[x]"), mssql)
    assert "LIKE %s ESCAPE" in sql
    assert params[0].startswith("%") and params[0].endswith("%")
    assert "[%]" in params[0] or "\\%" in params[0]


def test_conditional_update_sends_names_and_null_dates(mssql):
    queryset = QueueElement.objects.filter(id__in=[ELEMENT_ID], status__in=[QueueStatus.FAILED])
    update = queryset.query.chain(klass=UpdateQuery)
    update.add_update_values({"status": QueueStatus.NEW, "start_date": None, "end_date": None})
    sql, params = update.get_compiler(connection=mssql).as_sql()
    assert "UPDATE [Queues] SET [status] = %s, [start_date] = NULL, [end_date] = NULL WHERE" in sql
    assert "NEW" in params and str(ELEMENT_ID) in params and "FAILED" in params


def test_datetimes_are_sent_as_naive_datetimes(mssql):
    moment = dt.datetime(2026, 11, 26, 18, 53, 16, 309659)
    sql, params = compiled(Log.objects.filter(log_time__gte=moment), mssql)
    assert params == (moment,) or params == (str(moment),)


def test_the_jobs_failure_reasons_are_one_standard_statement(mssql):
    from logs.queries import newest_errors_sql

    sql, params = newest_errors_sql(mssql, [ELEMENT_ID, ELEMENT_ID.hex])
    assert sql == (
        "SELECT [id], [job_id], [log_time], [log_message] FROM (SELECT [id], [job_id], [log_time], "
        "[log_message], ROW_NUMBER() OVER (PARTITION BY [job_id] ORDER BY [log_time] DESC) AS "
        "newest FROM [Logs] WHERE [job_id] IN (%s, %s) AND [log_level] = %s) AS ranked "
        "WHERE newest = 1"
    )
    # No ORDER BY in the derived table (SQL Server refuses one without TOP); ids dashed.
    assert params == ["72a03dfe-457d-43d7-be9c-9df619e54e62"] * 2 + ["ERROR"]


def test_statements_compiled_once_are_one_statement_with_their_constants(mssql):
    """orchestrator_site.compiled on SQL Server: each statement keeps its SQL and parameters, the
    row limits are in the SQL, and a text parameter reaches the SQL as given."""
    problems = compiled_once._compile(Trigger, "orchestrator", panels._failed_or_active, 0, mssql)
    assert problems is not None and problems.model is Trigger
    assert "TOP 200" in problems.sql or "FETCH FIRST 200 ROWS ONLY" in problems.sql
    assert "ORDER BY [Triggers].[trigger_name] ASC" in problems.sql
    assert set(problems.params) == {"FAILED", "RUNNING", "PAUSING", "KILLING"}
    for model, build in [
        (Job, panels._running),
        (Job, liveness._running_pairs),
        (Scheduler, liveness._latest_first),
    ]:
        statement = compiled_once._compile(model, "orchestrator", build, 0, mssql)
        assert statement is not None and statement.sql.count("SELECT") == 1, statement
    by_name = compiled_once._compile(User, "default", userrow._by_name, 1, mssql)
    assert by_name is not None and by_name.slots == ((0, 0),)
    assert "WHERE [auth_user].[username] = %s" in by_name.sql
