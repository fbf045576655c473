"""seed_demo's progress data: targets and several years of figures for most institutions, some
members-only, some late, one returned; adoptions and answered questions."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count, F

from members.models import Institution
from working_groups.progress.models import Adoption, Commitment, Question, YearlyReport, current_fiscal_year

pytestmark = pytest.mark.django_db


def test_seed_demo_gives_progress_data_for_every_page():
    call_command("seed_demo", stdout=io.StringIO())
    active = Institution.objects.active().count()
    assert Commitment.objects.count() >= active * 0.8
    years = YearlyReport.objects.values("institution").annotate(n=Count("id"))
    assert min(r["n"] for r in years) >= 3
    assert Commitment.objects.filter(visibility="members").count() >= 3
    last = current_fiscal_year() - 1
    assert Commitment.objects.exclude(institution__yearly_reports__fiscal_year=last).count() >= 3  # late
    assert YearlyReport.objects.filter(status="returned").exclude(review_comment="").count() == 1
    assert YearlyReport.objects.filter(status="submitted").count() >= 1
    assert Adoption.objects.count() >= 10
    assert Question.objects.exclude(answer="").filter(is_public=True).count() >= 2
    # one target year per institution: the commitment's
    assert Commitment.objects.exclude(institution__target_year=F("target_year")).count() == 0
