"""The flows of the progress app through their pages: a contact enters, fixes and submits a yearly
report; the secretariat returns and publishes it; staff record adoptions and ask questions that
the authors answer, each notice going through the outbox in the recipient's language."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members.models import Affiliation
from members.notifications.models import Notification
from tests.factories import InstitutionFactory, WorkingGroupFactory, secretariat_user, staff_of
from working_groups.models import Initiative
from working_groups.progress.models import Adoption, Commitment, Question, YearlyReport, current_fiscal_year
from working_groups.services import refresh_derived

pytestmark = pytest.mark.django_db

LAST = current_fiscal_year() - 1


def form(year=None, **overrides):
    data = {"scope1": "1200.5", "scope2": "3400", "scope3": "", "energy_gj": "65000", "renewable_share": "18.5",
            "floor_area": "120000", "headcount": "9000", "narrative_ja": "LED化を進めました。",
            "narrative_en": "LED lighting went on.", "data_notes": "省エネ法定期報告"}
    if year is not None:
        data["fiscal_year"] = str(year)
    return {**data, **overrides}


@pytest.fixture
def people():
    a = InstitutionFactory(slug="univ-a", name_ja="甲大学", name_en="Alpha University")
    Commitment.objects.create(institution=a, target_year=2050, baseline_year=2013, baseline_emissions=5000,
                              visibility=Commitment.Visibility.PUBLIC)
    return {
        "a": a,
        "contact": staff_of(a, role=Affiliation.Role.CONTACT, email="contact@a.example.ac.jp", language="en"),
        "secretariat": secretariat_user(email="desk@coalition.example.org"),
    }


def test_report_is_entered_returned_fixed_and_published(client, people, deliver):
    contact, secretariat = people["contact"], people["secretariat"]
    client.force_login(contact)
    with deliver():
        response = client.post("/en/members/univ-a/progress/reports/new/", {**form(LAST), "submit": "1"})
    assert response.status_code == 302
    report = YearlyReport.objects.get(institution=people["a"], fiscal_year=LAST)
    assert (report.status, report.scope1, report.submitted_by) == ("submitted", Decimal("1200.5"), contact)
    # not public while under review
    client.logout()
    assert "1,200" not in client.get("/en/members/univ-a/progress/").content.decode()

    client.force_login(secretariat)
    mail.outbox.clear()
    with deliver():
        response = client.post(f"/ja/secretariat/progress/{report.pk}/",
                               {"decision": "return", "comment": "Scope 2 looks too low."})
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.review_comment) == ("returned", "Scope 2 looks too low.")
    assert [m.to for m in mail.outbox] == [[contact.email]]
    assert mail.outbox[0].subject.endswith(f"Your yearly report for FY{LAST} was returned for changes")
    assert "Scope 2 looks too low." in mail.outbox[0].body
    assert f"/en/members/univ-a/progress/reports/{LAST}/" in mail.outbox[0].body

    client.force_login(contact)
    page = client.get(f"/en/members/univ-a/progress/reports/{LAST}/").content.decode()
    assert "Scope 2 looks too low." in page
    with deliver():
        client.post(f"/en/members/univ-a/progress/reports/{LAST}/", {**form(scope2="4400"), "submit": "1"})
    report.refresh_from_db()
    assert (report.status, report.scope2) == ("submitted", Decimal("4400"))

    client.force_login(secretariat)
    with deliver():
        client.post(f"/ja/secretariat/progress/{report.pk}/", {"decision": "publish", "comment": ""})
    report.refresh_from_db()
    assert report.status == "published"
    client.logout()
    page = client.get("/en/members/univ-a/progress/").content.decode()
    assert "4,400" in page
    assert '<svg class="chart" id="chart-institution"' in page


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"scope2": "10000001"}, "scope2", "10000000"),
    ({"scope1": "-1"}, "scope1", "0"),
    ({"renewable_share": "100.1"}, "renewable_share", "100"),
    ({"fiscal_year": str(LAST + 1)}, "fiscal_year", f"{LAST + 1}年度はまだ終わっていません"),
    ({"fiscal_year": str(LAST + 5)}, "fiscal_year", f"{LAST + 5}年度はまだ終わっていません"),
    ({"headcount": "0"}, "headcount", "1"),
])
def test_absurd_figures_are_refused_with_a_clear_error_and_nothing_saved(client, people, overrides, field, message):
    client.force_login(people["contact"])
    response = client.post("/ja/members/univ-a/progress/reports/new/", {**form(LAST), **overrides, "submit": "1"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert YearlyReport.objects.count() == 0


def test_a_second_report_for_one_year_is_refused(client, people):
    client.force_login(people["contact"])
    client.post("/ja/members/univ-a/progress/reports/new/", form(LAST))
    response = client.post("/ja/members/univ-a/progress/reports/new/", form(LAST, scope1="1"))
    assert response.status_code == 200
    assert f"{LAST}年度の報告はすでにあります" in response.content.decode()
    assert list(YearlyReport.objects.values_list("scope1", flat=True)) == [Decimal("1200.5")]


def test_returning_without_a_comment_is_refused(client, people):
    report = YearlyReport.objects.create(institution=people["a"], fiscal_year=LAST, status="submitted",
                                         scope1=1, scope2=1, energy_gj=1, renewable_share=1, floor_area=1, headcount=1)
    client.force_login(people["secretariat"])
    response = client.post(f"/ja/secretariat/progress/{report.pk}/", {"decision": "return", "comment": " "})
    assert response.status_code == 200
    report.refresh_from_db()
    assert report.status == "submitted"
    assert Notification.objects.count() == 0


@pytest.fixture
def initiative_world():
    a = InstitutionFactory(slug="univ-a", name_ja="甲大学", name_en="Alpha University")
    b = InstitutionFactory(slug="univ-b", name_ja="乙大学", name_en="Beta University")
    group = WorkingGroupFactory(slug="campus")
    author = staff_of(a, email="author@a.example.ac.jp", language="ja")
    contact = staff_of(a, role=Affiliation.Role.CONTACT, email="contact@a.example.ac.jp", language="en")
    asker = staff_of(b, email="asker@b.example.ac.jp", language="en")
    initiative = Initiative(institution=a, author=author, slug="alpha-zeb", title="図書館のZEB化",
                            title_translated="A zero-energy library", summary="概要", body="本文", prefecture="13",
                            started_on=datetime.date(2023, 4, 1), status="published", published_at=timezone.now())
    refresh_derived(initiative)
    initiative.save()
    initiative.themes.set([group])
    return {"a": a, "b": b, "author": author, "contact": contact, "asker": asker, "initiative": initiative}


def test_adoption_is_recorded_and_shown_on_the_initiative_and_profiles(client, initiative_world):
    w = initiative_world
    client.force_login(w["asker"])
    response = client.post("/ja/initiatives/alpha-zeb/adopt/", {
        "institution": w["b"].pk, "kind": "adapted", "year": "2025", "changes": "講義棟で実施しました。", "result": ""})
    assert response.status_code == 302
    client.logout()
    page = client.get("/en/initiatives/alpha-zeb/").content.decode()
    assert "Adopted by 1 institution" in page
    assert "Beta University" in page
    assert "講義棟で実施しました。" in page
    assert "alpha-zeb" in client.get("/en/members/univ-b/").content.decode()
    assert "Beta University" in client.get("/en/members/univ-a/").content.decode()

    # twice: a clear error, nothing more
    client.force_login(w["asker"])
    response = client.post("/ja/initiatives/alpha-zeb/adopt/", {
        "institution": w["b"].pk, "kind": "adopted", "year": "2025", "changes": "", "result": ""})
    assert response.status_code == 200
    assert "この導入をすでに記録しています" in response.content.decode()
    assert Adoption.objects.count() == 1


def test_question_notifies_the_authors_and_the_answer_the_asker(client, initiative_world, deliver):
    w = initiative_world
    client.force_login(w["asker"])
    mail.outbox.clear()
    with deliver():
        client.post("/en/initiatives/alpha-zeb/questions/", {"body": "Was the library open during the works?"})
    question = Question.objects.get()
    assert question.institution == w["b"]
    assert sorted(m.to[0] for m in mail.outbox) == ["author@a.example.ac.jp", "contact@a.example.ac.jp"]
    by_address = {m.to[0]: m for m in mail.outbox}
    assert by_address["author@a.example.ac.jp"].subject.endswith("「図書館のZEB化」への質問")
    assert by_address["contact@a.example.ac.jp"].subject.endswith("A question on “A zero-energy library”")
    assert f"/initiatives/alpha-zeb/#question-{question.pk}" in by_address["contact@a.example.ac.jp"].body

    # members-only until answered and made public
    client.logout()
    assert "Was the library open" not in client.get("/en/initiatives/alpha-zeb/").content.decode()

    client.force_login(w["author"])
    mail.outbox.clear()
    with deliver():
        client.post(f"/ja/initiatives/alpha-zeb/questions/{question.pk}/answer/",
                    {"answer": "Yes, two thirds of the seats stayed open.", "is_public": "on"})
    assert [m.to for m in mail.outbox] == [["asker@b.example.ac.jp"]]
    assert "Yes, two thirds of the seats stayed open." in mail.outbox[0].body
    client.logout()
    page = client.get("/en/initiatives/alpha-zeb/").content.decode()
    assert "Was the library open during the works?" in page
    assert "Yes, two thirds of the seats stayed open." in page


def test_initiative_page_queries_do_not_grow_with_adoptions_and_questions(client, initiative_world,
                                                                          django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = initiative_world
    client.force_login(w["asker"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/ja/initiatives/alpha-zeb/").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(8):
        inst = InstitutionFactory()
        Adoption.objects.create(initiative=w["initiative"], institution=inst, year=2024)
        Question.objects.create(initiative=w["initiative"], asked_by=w["asker"], institution=inst,
                                body=f"質問{n}", answer="回答", is_public=bool(n % 2))
    assert count() == few


def test_initiative_list_sorted_by_adoptions(client, initiative_world):
    w = initiative_world
    other = Initiative(institution=w["b"], author=w["asker"], slug="beta-solar", title="太陽光発電", summary="概要",
                       body="本文", prefecture="13", started_on=datetime.date(2023, 4, 1), status="published",
                       published_at=timezone.now() + datetime.timedelta(days=1))
    refresh_derived(other)
    other.save()
    other.themes.set(w["initiative"].themes.all())
    Adoption.objects.create(initiative=w["initiative"], institution=w["b"], year=2025)

    newest = client.get("/ja/initiatives/").content.decode()
    adopted = client.get("/ja/initiatives/?sort=adopted&wg=campus").content.decode()

    assert newest.index("/initiatives/beta-solar/") < newest.index("/initiatives/alpha-zeb/")
    assert adopted.index("/initiatives/alpha-zeb/") < adopted.index("/initiatives/beta-solar/")
    assert 'href="?wg=campus">新しい順</a>' in adopted
    assert client.get("/ja/initiatives/?sort=nonsense").status_code == 200


def test_an_initiatives_adoption_count_follows_its_adoptions_and_heals_a_wrong_one(client, initiative_world):
    """Initiative.adoption_count (what ?sort=adopted walks): counted on every adoption saved or
    deleted, through the form as by any other write; a recount, so a wrong count (one the previous
    release left behind) is right again after the next adoption."""
    w = initiative_world
    initiative = w["initiative"]
    client.force_login(w["asker"])
    client.post("/ja/initiatives/alpha-zeb/adopt/", {"institution": w["b"].pk, "kind": "adapted", "year": "2025",
                                                     "changes": "", "result": ""})
    initiative.refresh_from_db()
    assert initiative.adoption_count == 1
    Initiative.objects.filter(pk=initiative.pk).update(adoption_count=99)
    third = Adoption.objects.create(initiative=initiative, institution=InstitutionFactory(), year=2024)
    initiative.refresh_from_db()
    assert initiative.adoption_count == 2
    third.delete()
    initiative.refresh_from_db()
    assert initiative.adoption_count == 1


def test_most_adopted_first_counts_no_adoption_and_the_list_count_joins_nothing(client, initiative_world):
    """The sort reads the kept count (no adoption is counted for the page), and the list's count reads
    the initiatives alone (not through the join of the institutions' names the cards show)."""
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/ja/initiatives/?sort=adopted&_=1").status_code == 200
    sql = [q["sql"] for q in ctx.captured_queries]
    rows = [q for q in sql if '"working_groups_initiative"."adoption_count" DESC' in q]
    assert len(rows) == 1 and "progress_adoption" not in rows[0]
    counts = [q for q in sql if q.startswith("SELECT COUNT(*)") and "working_groups_initiative" in q]
    assert counts and not any("members_institution" in q for q in counts)


def test_home_shows_the_most_adopted_initiatives_of_the_year(client, initiative_world):
    """The section is computed once and cached (coalition.views._everyones_home); a new adoption
    shows on the next view, signed in (no page cache) as signed out."""
    w = initiative_world
    assert "Most adopted this year" not in client.get("/en/").content.decode()
    Adoption.objects.create(initiative=w["initiative"], institution=w["b"], year=timezone.localdate().year)
    content = client.get("/en/").content.decode()
    assert "Most adopted this year" in content
    assert "adopted by 1 institution" in content
    assert "/en/initiatives/alpha-zeb/" in content


HEADER = ("fiscal_year,scope1,scope2,scope3,energy_gj,renewable_share,floor_area,headcount,narrative_ja,"
          "narrative_en,data_notes\n")


def upload(client, text, *, do_import):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"file": SimpleUploadedFile("r.csv", text.encode("utf-8"), "text/csv")}
    data["import" if do_import else "check"] = "1"
    return client.post("/ja/members/univ-a/progress/reports/upload/", data)


def test_csv_upload_checks_first_imports_once_and_changes_nothing_the_second_time(client, people):
    client.force_login(people["contact"])
    good = HEADER + f"{LAST - 1},1000,2000,,30000,10,50000,4000,,,\n{LAST},900,1900,5000,29000,12.5,50000,4000,説明,,\n"

    response = upload(client, good, do_import=False)  # the dry run
    assert response.status_code == 200
    assert "取り込める状態です" in response.content.decode()
    assert YearlyReport.objects.count() == 0

    assert upload(client, good, do_import=True).status_code == 302
    assert sorted(YearlyReport.objects.values_list("fiscal_year", "status", "scope3")) == [
        (LAST - 1, "draft", None), (LAST, "draft", Decimal("5000"))]
    before = list(YearlyReport.objects.values_list("pk", "updated_at"))
    response = upload(client, good, do_import=True)
    assert response.status_code == 302
    assert list(YearlyReport.objects.values_list("pk", "updated_at")) == before


def test_csv_upload_with_bad_rows_changes_nothing_and_says_which(client, people):
    client.force_login(people["contact"])
    YearlyReport.objects.create(institution=people["a"], fiscal_year=LAST - 2, status="submitted", scope1=1,
                                scope2=1, energy_gj=1, renewable_share=1, floor_area=1, headcount=1)
    bad = HEADER + (f"{LAST - 1},1000,2000,,30000,10,50000,4000,,,\n"
                    f"{LAST},900,20000000,,29000,12.5,50000,4000,,,\n"
                    f"{LAST - 2},1,1,,1,1,1,1,,,\n"
                    f"{LAST - 1},1,1,,1,1,1,1,,,\n"
                    f"{LAST + 1},1,1,,1,101,1,1,,,\n")
    response = upload(client, bad, do_import=True)
    content = response.content.decode()
    assert response.status_code == 200
    assert "何も保存していません" in content
    assert "3行目" in content and "10000000" in content  # scope 2 too large
    assert "4行目" in content  # under review
    assert "5行目" in content  # twice in the file
    assert "6行目" in content  # a year not ended, a share above 100 %
    assert YearlyReport.objects.count() == 1


def test_csv_template_downloads(client, people):
    client.force_login(people["contact"])
    response = client.get("/ja/members/univ-a/progress/reports/upload/?template=1")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode("utf-8-sig").splitlines()[0] == HEADER.strip()
