"""Model fields that store values in OpenOrchestrator's exact formats on every backend."""

from __future__ import annotations

import datetime
import json
import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

OO_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


class OOUUIDField(models.UUIDField):
    """A UUID primary/foreign key that OpenOrchestrator can look up.

    SQLite: 32 lowercase hex characters (SQLAlchemy's format, Django's default).
    PostgreSQL: native uuid. SQL Server: mssql-django maps UUIDField to char(32) and would send 32-hex
    strings, which SQL Server cannot convert to `uniqueidentifier`; it gets the dashed form instead.
    """

    def get_db_prep_value(self, value, connection, prepared=False):
        if connection.vendor == "microsoft":
            if value is None:
                return None
            if not isinstance(value, uuid.UUID):
                value = self.to_python(value)
            return str(value)
        return super().get_db_prep_value(value, connection, prepared)

    def from_db_value(self, value, expression, connection):
        if value is None or isinstance(value, uuid.UUID):
            return value
        return uuid.UUID(str(value))


class OODateTimeField(models.DateTimeField):
    """A naive datetime written on SQLite as `YYYY-MM-DD HH:MM:SS.ffffff`, like SQLAlchemy does.

    Django's SQLite adapter drops the fraction when it is zero; SQLite compares datetimes as text,
    so OpenOrchestrator's `next_run <= now` polling needs the full format on both sides.
    """

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        if connection.vendor == "sqlite" and isinstance(value, datetime.datetime):
            if value.tzinfo is not None:
                raise ValueError("OpenOrchestrator stores naive local times only.")
            if value.year >= 1000:  # the same text, a third of strftime's CPU
                return value.isoformat(" ", "microseconds")
            return value.strftime(OO_DATETIME_FORMAT)
        return connection.ops.adapt_datetimefield_value(value)


class WhitelistField(models.CharField):
    """`Triggers.scheduler_whitelist`: a JSON array of machine names, as `json.dumps(list)` writes it.

    NULL, `[]` and `null` all mean "any Scheduler" and read back as an empty list.
    """

    description = "JSON list of Scheduler machine names"
    # django-stubs types a field's attribute from these: here the list of machines (a JSON string
    # is accepted too), not CharField's str, which the checker sees as an incompatible override.
    _pyi_private_set_type: list[str] | str | None  # type: ignore[assignment]
    _pyi_private_get_type: list[str]  # type: ignore[assignment]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 250)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value, expression, connection):
        return self.to_python(value)

    def to_python(self, value):
        if value is None or isinstance(value, list):
            return list(value or [])
        try:
            parsed = json.loads(value)
        except (TypeError, ValueError):
            raise ValidationError(_("The stored scheduler whitelist is not a JSON list.")) from None
        if parsed is None:
            return []
        if not isinstance(parsed, list):
            raise ValidationError(_("The scheduler whitelist must be a JSON list."))
        return [str(item) for item in parsed]

    def get_prep_value(self, value):
        if value is None:
            return None
        if isinstance(value, str):
            value = self.to_python(value)
        return json.dumps(list(value))

    def value_to_string(self, obj):
        return self.get_prep_value(self.value_from_object(obj))

    def validate(self, value, model_instance):
        text = self.get_prep_value(value)
        if text is not None and self.max_length is not None and len(text) > self.max_length:
            raise ValidationError(
                _("The whitelist is %(length)d characters as JSON; at most %(max)d fit.")
                % {"length": len(text), "max": self.max_length}
            )

    def run_validators(self, value):
        return None  # length is checked on the JSON text in validate()
