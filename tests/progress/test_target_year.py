"""One carbon-neutrality target year per institution: the commitment's is the source of truth, the
institution's (shown on its profile and in the directory's open data) follows it, and a change made
on the profile or by the member import reaches the commitment or is refused with nothing saved."""

import json
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.utils import translation

from members.models import Affiliation, Institution
from members.services.imports import institutions_import
from tests.factories import InstitutionFactory, secretariat_user, staff_of
from working_groups.progress.models import Commitment

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    a = InstitutionFactory(slug="univ-a", name_ja="甲大学", name_en="Alpha University", target_year=2050,
                           website="https://a.example.ac.jp/")
    commitment = Commitment.objects.create(institution=a, target_year=2050, baseline_year=2013,
                                           baseline_emissions=Decimal(5000), interim_year=2030,
                                           interim_reduction=Decimal(46), visibility="public")
    return {"a": a, "commitment": commitment,
            "contact": staff_of(a, role=Affiliation.Role.CONTACT, email="contact@a.example.ac.jp", language="en")}


def years(world):
    return (Institution.objects.get(pk=world["a"].pk).target_year,
            Commitment.objects.get(pk=world["commitment"].pk).target_year)


def commitment_form(**changes):
    return {"target_year": "2045", "baseline_year": "2013", "baseline_emissions": "5000", "interim_year": "2030",
            "interim_reduction": "46", "visibility": "public", **changes}


def profile_form(institution, **changes):
    return {"name_ja": institution.name_ja, "name_en": institution.name_en, "name_kana": institution.name_kana,
            "website": institution.website, "profile_ja": "", "profile_en": "", "email_domains": "",
            **changes}


def test_commitment_form_moves_the_institutions_target_year(client, world):
    client.force_login(world["contact"])
    response = client.post("/en/members/univ-a/progress/commitment/", commitment_form(target_year="2045"))
    assert response.status_code == 302
    assert years(world) == (2045, 2045)
    directory = json.loads(client.get("/en/members/?format=json").content)
    row = next(r for r in directory["results"] if r["slug"] == "univ-a") if isinstance(directory, dict) else \
        next(r for r in directory if r["slug"] == "univ-a")
    assert row["target_year"] == 2045


def test_a_first_commitment_sets_a_missing_institution_target_year(client, world):
    b = InstitutionFactory(slug="univ-b", target_year=None)
    client.force_login(staff_of(b, role=Affiliation.Role.CONTACT))
    client.post("/en/members/univ-b/progress/commitment/", commitment_form(target_year="2040"))
    assert Institution.objects.get(pk=b.pk).target_year == 2040


def test_profile_edit_reaches_the_commitment_and_its_target_path(client, world):
    client.force_login(world["contact"])
    response = client.post("/en/members/univ-a/edit/", profile_form(world["a"], target_year="2040"))
    assert response.status_code == 302
    assert years(world) == (2040, 2040)
    page = client.get("/en/members/univ-a/progress/").content.decode()
    assert "2040" in page


@pytest.mark.parametrize(("value", "message"), [
    ("2013", "Ensure this value is greater than or equal to 2021."),  # the profile's own range
    ("2029", "The target year must come after the commitment&#x27;s baseline year (FY2013) and its interim "
             "target (2030)."),
    ("", "Your institution has a carbon-neutrality commitment: its target year cannot be removed."),
])
def test_profile_target_year_the_commitment_cannot_take_is_refused(client, world, value, message):
    client.force_login(world["contact"])
    before = Institution.objects.get(pk=world["a"].pk).updated_at
    response = client.post("/en/members/univ-a/edit/", profile_form(world["a"], target_year=value, profile_en="new"))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert years(world) == (2050, 2050)
    saved = Institution.objects.get(pk=world["a"].pk)
    assert (saved.profile_en, saved.updated_at) == ("", before)


def test_profile_refusal_is_translated(client, world):
    client.force_login(world["contact"])
    response = client.post("/ja/members/univ-a/edit/", profile_form(world["a"], target_year=""))
    assert "目標年を削除することはできません" in response.content.decode()


def test_institution_without_commitment_edits_its_target_year_freely(client, world):
    b = InstitutionFactory(slug="univ-b", target_year=2050)
    client.force_login(staff_of(b, role=Affiliation.Role.CONTACT))
    assert client.post("/en/members/univ-b/edit/", profile_form(b, target_year="")).status_code == 302
    assert Institution.objects.get(pk=b.pk).target_year is None
    assert not Commitment.objects.filter(institution=b).exists()


def _csv(target_year):
    return ("slug,name_ja,name_en,name_kana,kind,category,prefecture,website,joined_on,target_year,email_domains\n"
            f"univ-a,甲大学,Alpha University,{'こうだいがく'},national,participating,13,"
            f"https://a.example.ac.jp/,2021-07-29,{target_year},\n").encode()


def test_member_import_moves_the_commitment_too_or_refuses_the_file(world):
    Institution.objects.filter(pk=world["a"].pk).update(name_kana="こうだいがく", kind="national",
                                                         category="participating", prefecture="13")
    secretariat = secretariat_user()
    with translation.override("en"):  # the import reports in the language of whoever runs it
        refused = institutions_import(data=_csv("2025"), by=secretariat)
    assert [line for line, _message in refused.errors] == [2]
    assert "baseline year (FY2013)" in refused.errors[0][1]
    assert years(world) == (2050, 2050)

    report = institutions_import(data=_csv("2048"), by=secretariat)
    assert report.errors == []
    assert years(world) == (2048, 2048)
    again = institutions_import(data=_csv("2048"), by=secretariat)
    assert (again.updated, again.unchanged) == (0, 1)


def test_migration_brings_institutions_in_step_with_their_commitments(world):
    b = InstitutionFactory(slug="univ-b", target_year=None)
    Commitment.objects.create(institution=b, target_year=2040, baseline_year=2013, baseline_emissions=1000)
    c = InstitutionFactory(slug="univ-c", target_year=2060)  # no commitment: left alone
    Institution.objects.filter(pk=world["a"].pk).update(target_year=2055)  # out of step, as before the fix

    migration = import_module("working_groups.progress.migrations.0003_institution_target_year_follows_commitment")
    migration.copy_commitment_target_years(django_apps, None)

    assert dict(Institution.objects.filter(pk__in=[world["a"].pk, b.pk, c.pk]).values_list("slug", "target_year")) \
        == {"univ-a": 2050, "univ-b": 2040, "univ-c": 2060}
