"""The test factories' institutions owe what a real member that joined at the launch owes, every
time: the outcome of a test about reports, reminders or the digest never depends on a drawn date."""

import datetime

import pytest

from tests.factories import LAUNCH_DAY, InstitutionFactory
from working_groups.progress.models import Commitment, current_fiscal_year
from working_groups.progress.selectors import institutions_expected_to_report

pytestmark = pytest.mark.django_db


def test_factory_institutions_joined_at_the_launch_and_owe_every_report_since():
    institutions = [InstitutionFactory() for _ in range(30)]
    assert {i.joined_on for i in institutions} == {LAUNCH_DAY}
    for institution in institutions:
        Commitment.objects.create(institution=institution, target_year=2050, baseline_year=2013,
                                  baseline_emissions=1000)
    for year in range(2021, current_fiscal_year() + 1):  # FY2021 ends on 31 March 2022, after the launch
        assert institutions_expected_to_report(year).count() == 30, year
    assert institutions_expected_to_report(2020).count() == 0  # FY2020 ended before the launch


def test_a_test_about_joining_says_when():
    late_joiner = InstitutionFactory(joined_on=datetime.date(current_fiscal_year() + 1, 4, 1))
    Commitment.objects.create(institution=late_joiner, target_year=2050, baseline_year=2013, baseline_emissions=1000)
    assert not institutions_expected_to_report(current_fiscal_year()).filter(pk=late_joiner.pk).exists()
