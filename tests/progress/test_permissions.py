"""Permission matrix of the progress app: every role against every protected action on yearly
reports, commitments, the secretariat's review, adoptions and questions.

Institution A keeps its figures to members (members-only commitment) and holds the initiative;
staff_a wrote it. B and C (coordinating a group) are other members. A refused action changes
nothing and sends nothing (tests/permissions.py).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from members.audit.models import AuditEntry
from members.models import Affiliation, Institution
from tests.factories import InstitutionFactory, UserFactory, WorkingGroupFactory, secretariat_user, staff_of
from tests.permissions import LOGIN, NF, OK, TF, Action, Outcome, cells, check_cell
from tests.url_names import url_names
from working_groups.models import Initiative
from working_groups.progress.models import (
    Adoption,
    Commitment,
    Question,
    ReportingYear,
    YearlyReport,
    current_fiscal_year,
)
from working_groups.services import refresh_derived

pytestmark = pytest.mark.django_db

UPLOAD_CSV = (f"fiscal_year,scope1,scope2,scope3,energy_gj,renewable_share,floor_area,headcount\n"
              f"{current_fiscal_year() - 7},100,200,,3000,10,5000,300\n").encode()
ROLES = ["visitor", "user", "staff_a", "staff_b", "contact_a", "coordinator", "secretariat", "secretariat_no_2fa"]
LAST = current_fiscal_year() - 1  # the last fiscal year that has ended


def figures(**overrides) -> dict:
    data = {"scope1": Decimal("12345.6"), "scope2": Decimal("23456.7"), "scope3": None,
            "energy_gj": Decimal("500000"), "renewable_share": Decimal("12.5"), "floor_area": 300000,
            "headcount": 20000, "narrative_ja": "", "narrative_en": "", "data_notes": ""}
    return {**data, **overrides}


def report(institution, year, status, **overrides) -> YearlyReport:
    return YearlyReport.objects.create(institution=institution, fiscal_year=year, status=status,
                                       **figures(**overrides))


def form_data(year=None, **overrides) -> dict:
    data = {k: ("" if v is None else str(v)) for k, v in figures(**overrides).items()}
    if year is not None:
        data["fiscal_year"] = str(year)
    return data


@dataclass
class World:
    a: Institution
    b: Institution
    c: Institution
    users: dict
    initiative: Initiative
    published: YearlyReport
    submitted: YearlyReport
    draft: YearlyReport
    question: Question


@pytest.fixture
def world(module_world):
    return module_world


def make_world(media):
    """Built once for the module (tests/conftest.py, ``_module_world``): each test gets a copy."""
    a = InstitutionFactory(slug="univ-a", name_ja="甲大学", name_en="Alpha University", name_kana="こうだいがく")
    b = InstitutionFactory(slug="univ-b", name_ja="乙大学", name_en="Beta University", name_kana="おつだいがく")
    c = InstitutionFactory(slug="univ-c", name_ja="丙大学", name_en="Gamma University", name_kana="へいだいがく")
    group = WorkingGroupFactory(slug="campus", coordinators=[c])
    users = {
        "visitor": None,
        "user": UserFactory(email="someone@example.org"),
        "staff_a": staff_of(a, email="staff@alpha.example.ac.jp"),
        "staff_b": staff_of(b, email="staff@beta.example.ac.jp"),
        "contact_a": staff_of(a, role=Affiliation.Role.CONTACT, email="contact@alpha.example.ac.jp"),
        "coordinator": staff_of(c, email="coordinator@gamma.example.ac.jp"),
        "secretariat": secretariat_user(email="desk@coalition.example.org"),
        "secretariat_no_2fa": secretariat_user(two_factor=False, email="new-desk@coalition.example.org"),
    }
    Commitment.objects.create(institution=a, target_year=2050, baseline_year=2013,
                              baseline_emissions=Decimal("50000"), interim_year=2030,
                              interim_reduction=Decimal("51"), visibility=Commitment.Visibility.MEMBERS)
    initiative = Initiative(institution=a, author=users["staff_a"], slug="alpha-zeb", title="図書館のZEB化",
                            summary="図書館をZEBにしました。", body="本文", prefecture="13",
                            started_on=datetime.date(2023, 4, 1), status=Initiative.Status.PUBLISHED,
                            published_at=timezone.now())
    refresh_derived(initiative)
    initiative.save()
    initiative.themes.set([group])
    question = Question.objects.create(initiative=initiative, asked_by=users["staff_b"], institution=b,
                                       body="改修中も開館していましたか？")
    return World(a=a, b=b, c=c, users=users, initiative=initiative,
                 published=report(a, LAST - 3, YearlyReport.Status.PUBLISHED),
                 submitted=report(a, LAST - 2, YearlyReport.Status.SUBMITTED),
                 draft=report(a, LAST - 1, YearlyReport.Status.DRAFT),
                 question=question)


def db_state() -> dict:
    """Everything a progress action could write."""
    return {
        "reports": sorted(YearlyReport.objects.values_list("pk", "fiscal_year", "status", "scope1",
                                                           "review_comment", "updated_at")),
        "commitments": sorted(Commitment.objects.values_list("pk", "target_year", "visibility", "updated_at")),
        "adoptions": sorted(Adoption.objects.values_list("pk", "initiative_id", "institution_id")),
        "questions": sorted(Question.objects.values_list("pk", "body", "answer", "is_public")),
        "audit": AuditEntry.objects.count(),
        "deadlines": sorted(ReportingYear.objects.values_list("fiscal_year", "due_on")),
    }


def _own_institution(world, user):
    for inst in (world.b, world.c, world.a):
        if user is not None and user.affiliations.filter(institution=inst).exists():
            return inst
    return world.b


def _hidden(response, content, world, user):
    """The page answers, without the members-only figures (the marker is checked absent after)."""
    assert response.status_code == 200


OUTCOMES = {"hidden": Outcome(check=_hidden)}
HIDDEN = "hidden"
PROGRESS_A = "/ja/members/univ-a/progress/"

ACTIONS = {
    "progress_page": Action(path=lambda w: "/ja/progress/", marker=lambda w, u: "t-CO₂e"),
    "figures_page": Action(path=lambda w: PROGRESS_A, marker=lambda w, u: "12,346"),
    "figures_json": Action(path=lambda w: PROGRESS_A + "?format=json", marker=lambda w, u: "12345.6"),
    "report_create_get": Action(path=lambda w: PROGRESS_A + "reports/new/", marker=lambda w, u: 'name="scope1"'),
    "report_create_post": Action(
        path=lambda w: PROGRESS_A + "reports/new/", data=lambda w, u: form_data(LAST - 5),
        done=lambda w, u: YearlyReport.objects.filter(institution=w.a, fiscal_year=LAST - 5).exists(),
        success_url=lambda w, u: PROGRESS_A),
    "report_edit_post": Action(
        path=lambda w: PROGRESS_A + f"reports/{LAST - 1}/",
        data=lambda w, u: {**form_data(scope1="999.9"), "submit": "1"},
        done=lambda w, u: YearlyReport.objects.filter(pk=w.draft.pk, status="submitted", scope1=Decimal("999.9"))
        .exists(),
        success_url=lambda w, u: PROGRESS_A),
    "upload_get": Action(path=lambda w: PROGRESS_A + "reports/upload/", marker=lambda w, u: 'name="file"'),
    "upload_post": Action(
        path=lambda w: PROGRESS_A + "reports/upload/",
        data=lambda w, u: {"import": "1", "file": SimpleUploadedFile("reports.csv", UPLOAD_CSV, "text/csv")},
        done=lambda w, u: YearlyReport.objects.filter(institution=w.a, fiscal_year=LAST - 6).exists(),
        success_url=lambda w, u: PROGRESS_A),
    "commitment_get": Action(path=lambda w: PROGRESS_A + "commitment/", marker=lambda w, u: 'name="target_year"'),
    "commitment_post": Action(
        path=lambda w: PROGRESS_A + "commitment/",
        data=lambda w, u: {"target_year": "2045", "baseline_year": "2013", "baseline_emissions": "50000",
                           "interim_year": "2030", "interim_reduction": "51", "visibility": "public"},
        done=lambda w, u: Commitment.objects.filter(institution=w.a, target_year=2045, visibility="public").exists(),
        success_url=lambda w, u: PROGRESS_A),
    "review_list": Action(path=lambda w: "/ja/secretariat/progress/",
                          marker=lambda w, u: f"/ja/secretariat/progress/{w.submitted.pk}/"),
    "deadline_post": Action(
        path=lambda w: "/ja/secretariat/progress/",
        data=lambda w, u: {"fiscal_year": str(current_fiscal_year() - 1),
                           "due_on": f"{current_fiscal_year()}-07-15"},
        done=lambda w, u: ReportingYear.objects.filter(fiscal_year=current_fiscal_year() - 1).exists(),
        success_url=lambda w, u: "/ja/secretariat/progress/"),
    "review_get": Action(path=lambda w: f"/ja/secretariat/progress/{w.submitted.pk}/",
                         marker=lambda w, u: 'name="decision"'),
    "review_post": Action(
        path=lambda w: f"/ja/secretariat/progress/{w.submitted.pk}/",
        data=lambda w, u: {"decision": "return", "comment": "排出係数を確認してください。"},
        done=lambda w, u: YearlyReport.objects.filter(pk=w.submitted.pk, status="returned").exists(),
        success_url=lambda w, u: "/ja/secretariat/progress/"),
    "adoption_get": Action(path=lambda w: "/ja/initiatives/alpha-zeb/adopt/", marker=lambda w, u: 'name="changes"'),
    "adoption_post": Action(
        path=lambda w: "/ja/initiatives/alpha-zeb/adopt/",
        data=lambda w, u: {"institution": str(_own_institution(w, u).pk), "kind": "adapted", "year": "2025",
                           "changes": "講義棟で実施", "result": ""},
        done=lambda w, u: Adoption.objects.filter(initiative=w.initiative).exists(),
        success_url=lambda w, u: "/ja/initiatives/alpha-zeb/#adoptions"),
    "question_get": Action(path=lambda w: "/ja/initiatives/alpha-zeb/questions/", marker=lambda w, u: 'name="body"'),
    "question_post": Action(
        path=lambda w: "/ja/initiatives/alpha-zeb/questions/", data=lambda w, u: {"body": "費用はいくらでしたか？"},
        done=lambda w, u: Question.objects.filter(body="費用はいくらでしたか？").exists(),
        success_url=lambda w, u: "/ja/initiatives/alpha-zeb/#question-"
        + str(Question.objects.latest("pk").pk)),
    "answer_get": Action(path=lambda w: f"/ja/initiatives/alpha-zeb/questions/{w.question.pk}/answer/",
                         marker=lambda w, u: 'name="answer"'),
    "answer_post": Action(
        path=lambda w: f"/ja/initiatives/alpha-zeb/questions/{w.question.pk}/answer/",
        data=lambda w, u: {"answer": "はい、開館していました。", "is_public": "on"},
        done=lambda w, u: Question.objects.filter(pk=w.question.pk, answer="はい、開館していました。",
                                                  is_public=True).exists(),
        success_url=lambda w, u: f"/ja/initiatives/alpha-zeb/#question-{w.question.pk}"),
}

H = HIDDEN
MATRIX = {
    #                       visitor user  staff_a staff_b contact_a coord secr no2fa
    "progress_page":        (OK,    OK,   OK,     OK,     OK,       OK,   OK,  OK),
    "figures_page":         (H,     H,    OK,     OK,     OK,       OK,   OK,  H),
    "figures_json":         (H,     H,    OK,     OK,     OK,       OK,   OK,  H),
    "report_create_get":    (LOGIN, NF,   NF,     NF,     OK,       NF,   OK,  TF),
    "report_create_post":   (LOGIN, NF,   NF,     NF,     OK,       NF,   OK,  TF),
    "report_edit_post":     (LOGIN, NF,   NF,     NF,     OK,       NF,   OK,  TF),
    "upload_get":           (LOGIN, NF,   NF,     NF,     OK,       NF,   OK,  TF),
    "upload_post":          (LOGIN, NF,   NF,     NF,     OK,       NF,   OK,  TF),
    "commitment_get":       (LOGIN, NF,   NF,     NF,     OK,       NF,   OK,  TF),
    "commitment_post":      (LOGIN, NF,   NF,     NF,     OK,       NF,   OK,  TF),
    "review_list":          (LOGIN, NF,   NF,     NF,     NF,       NF,   OK,  TF),
    "deadline_post":        (LOGIN, NF,   NF,     NF,     NF,       NF,   OK,  TF),
    "review_get":           (LOGIN, NF,   NF,     NF,     NF,       NF,   OK,  TF),
    "review_post":          (LOGIN, NF,   NF,     NF,     NF,       NF,   OK,  TF),
    "adoption_get":         (LOGIN, NF,   NF,     OK,     NF,       OK,   NF,  TF),
    "adoption_post":        (LOGIN, NF,   NF,     OK,     NF,       OK,   NF,  TF),
    "question_get":         (LOGIN, NF,   OK,     OK,     OK,       OK,   NF,  TF),
    "question_post":        (LOGIN, NF,   OK,     OK,     OK,       OK,   NF,  TF),
    "answer_get":           (LOGIN, NF,   OK,     NF,     OK,       NF,   OK,  TF),
    "answer_post":          (LOGIN, NF,   OK,     NF,     OK,       NF,   OK,  TF),
}

COVERED_URL_NAMES = url_names(action.path for action in ACTIONS.values())


@pytest.mark.parametrize(("action_name", "role", "outcome"), cells(ACTIONS, MATRIX, ROLES))
def test_progress_action_as_role_has_expected_outcome(client, world, deliver, action_name, role, outcome):
    check_cell(client, world, action=ACTIONS[action_name], user=world.users[role], outcome=outcome,
               state=db_state, deliver=deliver, outcomes=OUTCOMES)


def test_published_report_cannot_be_edited_even_by_its_contact(client, world, deliver):
    client.force_login(world.users["contact_a"])
    before = db_state()
    with deliver():
        response = client.post(PROGRESS_A + f"reports/{LAST - 3}/", {**form_data(scope1="1"), "submit": "1"})
    assert response.status_code == 302
    assert db_state() == before


def test_contact_of_b_cannot_reach_a_s_reports(client, world):
    contact_b = staff_of(world.b, role=Affiliation.Role.CONTACT, email="contact@beta.example.ac.jp")
    client.force_login(contact_b)
    assert client.get(PROGRESS_A + f"reports/{LAST - 1}/").status_code == 404
    assert client.get(PROGRESS_A + "reports/new/").status_code == 404
