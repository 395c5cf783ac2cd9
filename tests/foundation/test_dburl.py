"""OpenOrchestratorSQL accepts the SQLAlchemy URLs users already have, and rejects others clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator_site.dburl import ConnectionStringError, parse_connection_string

pytestmark = pytest.mark.no_orchestrator_db

BASE = Path("/srv/console")


def parse(url: str, **kwargs) -> dict:
    return parse_connection_string(url, variable="OpenOrchestratorSQL", base_dir=BASE, **kwargs)


def test_mssql_with_user_and_driver():
    db = parse(
        "mssql+pyodbc://rpa:s%40cret@sql01:1433/OpenOrchestrator?driver=ODBC+Driver+18+for+SQL+Server&TrustServerCertificate=yes"
    )
    assert db["ENGINE"] == "mssql"
    assert (db["HOST"], db["PORT"], db["NAME"]) == ("sql01", "1433", "OpenOrchestrator")
    assert (db["USER"], db["PASSWORD"]) == ("rpa", "s@cret")
    assert db["OPTIONS"]["driver"] == "ODBC Driver 18 for SQL Server"
    assert db["OPTIONS"]["extra_params"] == "TrustServerCertificate=yes"


def test_mssql_trusted_connection_with_named_instance():
    db = parse(
        "mssql+pyodbc://@sql01%5CRPA/OO?trusted_connection=yes&driver=ODBC+Driver+17+for+SQL+Server"
    )
    assert db["HOST"] == "sql01\\RPA" and db["USER"] == "" and db["PASSWORD"] == ""
    assert "Trusted_Connection=yes" in db["OPTIONS"]["extra_params"]
    assert db["OPTIONS"]["driver"] == "ODBC Driver 17 for SQL Server"


def test_mssql_odbc_connect():
    odbc = "DRIVER%3D%7BODBC+Driver+18+for+SQL+Server%7D%3BSERVER%3Dtcp%3Asql01%2C1433%3BDATABASE%3DOO%3BUID%3Drpa%3BPWD%3Dpw%3BEncrypt%3Dyes"
    db = parse(f"mssql+pyodbc:///?odbc_connect={odbc}")
    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"], db["PASSWORD"]) == (
        "sql01",
        "1433",
        "OO",
        "rpa",
        "pw",
    )
    assert db["OPTIONS"]["driver"] == "ODBC Driver 18 for SQL Server"
    assert db["OPTIONS"]["extra_params"] == "encrypt=yes"


def test_sqlite_relative_and_absolute():
    assert (
        parse("sqlite:///pyorchestrator_test.db")["SQLITE_PATH"]
        == "/srv/console/pyorchestrator_test.db"
    )
    assert parse("sqlite:////data/oo.db")["SQLITE_PATH"] == "/data/oo.db"
    # The OpenOrchestrator database must exist: opening it never creates an empty file.
    assert parse("sqlite:////data/oo.db", must_exist=True)["NAME"] == "file:/data/oo.db?mode=rw"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u:p@db:5433/oo",
        "postgresql+psycopg://u:p@db:5433/oo",
        "postgres://u:p@db:5433/oo",
    ],
)
def test_postgresql(url):
    db = parse(url)
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"], db["PASSWORD"]) == (
        "db",
        "5433",
        "oo",
        "u",
        "p",
    )


@pytest.mark.parametrize(
    "url",
    [
        "mysql://u:topsecret@h/db",
        "not a url",
        "sqlite://",
        "sqlite:///:memory:",
        "mssql+pyodbc://u:topsecret@/",
        "postgresql://u:topsecret@h:notaport/db",
        "mssql+pymssql://u:topsecret@h/db",
    ],
)
def test_unusable_urls_are_refused_without_echoing_the_password(url):
    with pytest.raises(ConnectionStringError) as raised:
        parse(url)
    message = str(raised.value)
    assert "OpenOrchestratorSQL" in message and "Examples of valid values" in message
    assert "topsecret" not in message
