"""The lease that lets one copy of `manage.py alerts` at a time evaluate rules and send notices.

A row (name, holder, expires_at) in the console's database. Taking it is one conditional UPDATE
(`WHERE holder = me OR expires_at < now`), or the INSERT of the row when there is none yet; the
database decides between two copies that try at the same moment (the row lock on PostgreSQL and
SQL Server, the write lock on SQLite; a second INSERT fails on the primary key). The holder renews
it before every send, so a copy that stalls past the expiry stops sending as soon as another has
taken over. A copy that crashes holds it until it expires.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid

from django.db import IntegrityError, transaction
from django.db.models import Q

from alerts.models import Lease
from orchestrator_site import clock

NAME = "alerts"


def new_holder() -> str:
    """A name for this copy, unique across machines and restarts, that says where it runs."""
    return f"{socket.gethostname()[:100]} pid {os.getpid()} {uuid.uuid4().hex[:8]}"


def acquire(holder: str, seconds: int) -> bool:
    """Take or renew the lease for `seconds`; False when another copy holds it."""
    now = clock.now()
    expires = now + dt.timedelta(seconds=seconds)
    taken = (
        Lease.objects.filter(name=NAME)
        .filter(Q(holder=holder) | Q(expires_at__lt=now))
        .update(holder=holder, expires_at=expires, renewed_at=now)
    )
    if taken:
        return True
    try:
        with transaction.atomic():
            Lease.objects.create(name=NAME, holder=holder, expires_at=expires, renewed_at=now)
    except IntegrityError:
        return False  # the row exists: another copy holds it (or just took it)
    return True


def renew(holder: str, seconds: int) -> bool:
    """Extend the lease if this copy still holds it; False when another copy has taken it."""
    now = clock.now()
    return bool(
        Lease.objects.filter(name=NAME, holder=holder).update(
            expires_at=now + dt.timedelta(seconds=seconds), renewed_at=now
        )
    )


def release(holder: str) -> None:
    """Give the lease up (at the end of `--once`, or when the loop stops), if still held."""
    Lease.objects.filter(name=NAME, holder=holder).delete()


def current() -> Lease | None:
    return Lease.objects.filter(name=NAME).first()
