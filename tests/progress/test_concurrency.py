"""Races on PostgreSQL (two threads, two connections): the secretariat's first deadline for a year,
saved twice at the same moment (two tabs, a double click), makes one row and no error."""

import datetime
import threading

import pytest
from django.db import connections

from tests.factories import secretariat_user
from working_groups.progress import services
from working_groups.progress.models import ReportingYear

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _save_at_once(fiscal_year, dates, by) -> list[Exception]:
    barrier, errors = threading.Barrier(len(dates)), []

    def save(due_on):
        try:
            barrier.wait()
            services.reporting_year_set(fiscal_year=fiscal_year, due_on=due_on, by=by)
        except Exception as exc:  # noqa: BLE001 - the race's failure is what the test reports
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(d,)) for d in dates]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return errors


def test_two_first_deadlines_at_once_make_one_row_and_no_error():
    by = secretariat_user()
    for fiscal_year in range(2021, 2031):  # ten rounds: one round may not overlap, ten do
        dates = [datetime.date(fiscal_year + 1, 6, 30), datetime.date(fiscal_year + 1, 7, 31)]
        errors = _save_at_once(fiscal_year, dates, by)
        assert errors == [], (fiscal_year, errors)
        rows = list(ReportingYear.objects.filter(fiscal_year=fiscal_year))
        assert len(rows) == 1 and rows[0].due_on in dates
