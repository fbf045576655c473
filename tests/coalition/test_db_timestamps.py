"""Timestamps read from PostgreSQL by psycopg's compiled loader (coalition/db.py) are the values
Django's own loader gives: the same instants, aware, in UTC."""

import datetime

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader

from coalition.db import _utc_loader
from meetings.models import Meeting
from tests.factories import MeetingFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

INSTANTS = [
    datetime.datetime(2026, 12, 7, 19, 4, 23, 590268, tzinfo=datetime.UTC),
    datetime.datetime(2026, 3, 29, 1, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=9))),  # JST
    datetime.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=datetime.UTC),
    datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=datetime.UTC),
]


def read(cursor):
    cursor.execute("SELECT unnest(%s::timestamptz[])", [INSTANTS])
    return [row[0] for row in cursor.fetchall()]


def test_the_connection_reads_timestamps_with_the_compiled_loader_and_the_same_values():
    with connection.cursor() as cursor:
        oid = cursor.connection.adapters.types["timestamptz"].oid
        assert connection.connection.adapters.get_loader(oid, 0) is _utc_loader()
        ours = read(cursor)
    with connection.cursor() as cursor:
        register_tzloader(datetime.UTC, cursor.cursor)  # Django's own loader, on this cursor only
        django = read(cursor)
    assert ours == django == INSTANTS
    assert all(value.tzinfo is datetime.UTC for value in ours)


def test_models_read_through_the_orm_keep_their_instants():
    starts = datetime.datetime(2027, 1, 15, 1, 0, 0, 123456, tzinfo=datetime.UTC)
    meeting = MeetingFactory(starts_at=starts, ends_at=starts + datetime.timedelta(hours=2))
    stored = Meeting.objects.values_list("starts_at", "ends_at", "updated_at").get(pk=meeting.pk)
    assert stored[:2] == (starts, starts + datetime.timedelta(hours=2))
    assert stored[2] == Meeting.objects.get(pk=meeting.pk).updated_at and stored[2].tzinfo is datetime.UTC
