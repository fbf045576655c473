"""The endpoints behind the writing widgets (members/views/writing.py): the Markdown preview and the
institution and people pickers. Their role table is this module (tests/coalition/test_security.py counts it)."""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from members.models import Institution
from members.views.writing import PICKER_LIMIT
from members.widgets import PREVIEW_MAX_CHARS
from tests.factories import InstitutionFactory, UserFactory, WorkingGroupFactory, secretariat_user, staff_of
from tests.url_names import url_names

pytestmark = pytest.mark.django_db

PREVIEW = "/ja/writing/preview/"
INSTITUTIONS = "/ja/writing/institutions/"


@pytest.fixture
def people():
    shinshu = InstitutionFactory(slug="shinshu", name_ja="信州大学", name_en="Shinshu University",
                                 name_kana="しんしゅうだいがく", prefecture="20")
    InstitutionFactory(slug="shinwa", name_ja="信和大学", name_en="Shinwa University", name_kana="しんわだいがく",
                       status=Institution.Status.SUSPENDED)
    InstitutionFactory(slug="shinko", name_ja="信光大学", name_en="Shinko University", name_kana="しんこうだいがく",
                       status=Institution.Status.WITHDRAWN)
    return {"visitor": None, "user": UserFactory(), "staff": staff_of(shinshu),
            "contact": staff_of(shinshu, role="contact"), "secretariat": secretariat_user()}


def client_for(user, enforce_csrf=False):
    client = Client(enforce_csrf_checks=enforce_csrf)
    if user is not None:
        client.force_login(user)
    return client


# ---------------------------------------------------------------------------------------------
# Preview
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["user", "staff", "contact", "secretariat"])
def test_preview_renders_with_the_pages_sanitiser_for_signed_in_people(people, role):
    response = client_for(people[role]).post(PREVIEW, {"text": "## 見出し\n\n**太字** と [リンク](https://example.org)"})
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    html = response.json()["html"]
    assert "<h2>見出し</h2>" in html
    assert "<strong>太字</strong>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">リンク</a>' in html


def test_preview_strips_script_and_javascript_links(people):
    text = ('<script>alert(1)</script>\n\n[クリック](javascript:alert(2)) <img src="x" onerror="alert(3)">'
            '\n\n<a href="javascript:alert(4)" onclick="alert(5)">a</a>')
    html = client_for(people["staff"]).post(PREVIEW, {"text": text}).json()["html"]
    assert "<script" not in html and "alert(1)" not in html
    assert "javascript:" not in html
    assert "onerror" not in html and "onclick" not in html


def test_preview_of_nothing_is_empty(people):
    assert client_for(people["staff"]).post(PREVIEW, {}).json() == {"html": ""}


def test_visitor_is_sent_to_sign_in_and_gets_no_html(people):
    response = client_for(None).post(PREVIEW, {"text": "**x**"})
    assert response.status_code == 302
    assert response["Location"].startswith("/ja/accounts/login/")


def test_preview_answers_only_a_post(people):
    assert client_for(people["staff"]).get(PREVIEW + "?text=x").status_code == 405


def test_preview_without_csrf_token_is_refused(people):
    client = client_for(people["staff"], enforce_csrf=True)
    refused = client.post(PREVIEW, {"text": "**x**"})
    assert refused.status_code == 403
    client.get("/ja/initiatives/new/")  # a page with a form sets the token cookie
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    accepted = client.post(PREVIEW, {"text": "**x**"}, headers={"X-CSRFToken": token})
    assert accepted.status_code == 200 and accepted.json()["html"] == "<p><strong>x</strong></p>"


def test_preview_refuses_a_text_over_the_limit_with_a_translated_error(people):
    client = client_for(people["staff"])
    assert client.post(PREVIEW, {"text": "あ" * PREVIEW_MAX_CHARS}).status_code == 200
    response = client.post(PREVIEW, {"text": "あ" * (PREVIEW_MAX_CHARS + 1)})
    assert response.status_code == 413
    assert response.json() == {"error": "プレビューするには長すぎます（100,000文字まで）。"}
    english = client.post("/en/writing/preview/", {"text": "a" * (PREVIEW_MAX_CHARS + 1)})
    assert english.json() == {"error": "The text is too long to preview (at most 100,000 characters)."}


def test_preview_is_rate_limited_per_person(people, settings):
    from members.views import writing

    client = client_for(people["staff"])
    other = client_for(people["contact"])
    limit = writing.PREVIEW_LIMIT
    for _ in range(limit):
        assert client.post(PREVIEW, {"text": "x"}).status_code == 200
    refused = client.post(PREVIEW, {"text": "x"})
    assert refused.status_code == 429
    assert "少し待って" in refused.json()["error"]
    assert other.post(PREVIEW, {"text": "x"}).status_code == 200  # another person is not held up


# ---------------------------------------------------------------------------------------------
# Institution picker
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["user", "staff", "contact", "secretariat"])
def test_picker_offers_only_active_institutions(people, role):
    """Suspended and withdrawn institutions are not choices of any form, so not offered either."""
    response = client_for(people[role]).get(INSTITUTIONS, {"q": "信"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["label"] for r in results] == ["信州大学"]
    assert results[0]["hint"] == "長野県"
    assert response.json()["more"] is False


def test_picker_matches_part_of_a_name_in_any_width_and_script(people):
    client = client_for(people["staff"])
    for q in ("信州", "しんしゅう", "シンシュウ", "shinshu", "ＳＨＩＮＳＨＵ"):
        assert [r["label"] for r in client.get(INSTITUTIONS, {"q": q}).json()["results"]] == ["信州大学"], q
    english = client.get("/en/writing/institutions/", {"q": "信州"}).json()["results"]
    assert english[0]["label"] == "Shinshu University" and english[0]["hint"] == "Nagano"
    assert client.get(INSTITUTIONS, {"q": "存在しない名前"}).json() == {"results": [], "more": False}


def test_visitor_is_sent_to_sign_in_by_the_picker(people):
    response = client_for(None).get(INSTITUTIONS, {"q": "信"})
    assert response.status_code == 302 and response["Location"].startswith("/ja/accounts/login/")


def test_picker_answers_a_bounded_list_in_a_fixed_number_of_queries(people):
    client = client_for(people["staff"])
    client.get(INSTITUTIONS, {"q": "大学"})  # warm-up: the session
    with CaptureQueriesContext(connection) as few:
        client.get(INSTITUTIONS, {"q": "大学"})
    InstitutionFactory.create_batch(PICKER_LIMIT + 5, name_ja="長野大学")
    with CaptureQueriesContext(connection) as many:
        response = client.get(INSTITUTIONS, {"q": "大学"})
    assert len(many) == len(few)
    assert len(response.json()["results"]) == PICKER_LIMIT
    assert response.json()["more"] is True
    # an endless query is cut, not refused
    assert client.get(INSTITUTIONS, {"q": "大学" + "x" * 5000}).status_code == 200


# ---------------------------------------------------------------------------------------------
# People picker
# ---------------------------------------------------------------------------------------------

PEOPLE = "/ja/writing/people/"


@pytest.fixture
def staffs(people):
    """Staff of two active members (A: 信州, B: 北陸) with their names; someone unaffiliated; A's
    pending applicant, A's deactivated account and a suspended member's staff, never offered."""
    a = Institution.objects.get(slug="shinshu")
    b = InstitutionFactory(slug="hokuriku", name_ja="北陸大学")
    suspended = Institution.objects.get(slug="shinwa")
    made = {
        "a1": staff_of(a, name="山田 太郎", email="taro@shinshu.example.ac.jp"),
        "a2": staff_of(a, name="山田 花子", email="hanako@shinshu.example.ac.jp"),
        "b1": staff_of(b, name="山田 次郎", email="jiro@hokuriku.example.ac.jp"),
        "loner": UserFactory(name="山田 一人", email="hitori@example.org"),
        "pending": staff_of(a, name="山田 申請", email="shinsei@shinshu.example.ac.jp"),
        "gone": staff_of(a, name="山田 退職", email="taishoku@shinshu.example.ac.jp"),
        "suspended": staff_of(suspended, name="山田 停止", email="teishi@shinwa.example.ac.jp"),
    }
    made["pending"].affiliations.update(status="pending")
    made["gone"].is_active = False
    made["gone"].save()
    return a, b, made


def picked(client, **params):
    response = client.get(PEOPLE, {"q": "山田", **params})
    assert response.status_code == 200
    return [r["label"] for r in response.json()["results"]], response.content.decode()


@pytest.mark.parametrize(("role", "expected"), [
    ("user", []),  # no institution to act for: nobody
    ("staff", ["山田 太郎", "山田 花子"]),  # staff of A: A's active colleagues
    ("contact", ["山田 太郎", "山田 花子"]),
    ("secretariat", ["山田 一人", "山田 停止", "山田 太郎", "山田 次郎", "山田 申請", "山田 花子"]),  # all active
])
def test_people_picker_offers_whom_the_person_may_pick(people, staffs, role, expected):
    labels, body = picked(client_for(people[role]))
    assert sorted(labels) == sorted(expected)
    if role != "secretariat":  # no address of someone they may not see
        for person in ("b1", "loner", "pending", "gone", "suspended"):
            assert staffs[2][person].email not in body


def test_people_picker_narrowed_to_an_institution_only_the_person_acts_for(people, staffs):
    a, b, made = staffs
    staff_a = client_for(people["staff"])
    assert picked(staff_a, institution=a.pk)[0] == ["山田 太郎", "山田 花子"]
    labels, body = picked(staff_a, institution=b.pk)  # B's people: not for A's staff
    assert labels == [] and made["b1"].email not in body
    assert picked(staff_a, institution="1 OR 1=1")[0] == []
    # not ids: a superscript digit ("²".isdigit() is true, int() refuses it) and one past any bigint
    for junk in ("²", "9" * 30):
        assert picked(staff_a, institution=junk)[0] == []
        assert picked(client_for(people["secretariat"]), institution=junk)[0] == []
    assert picked(client_for(people["secretariat"]), institution=b.pk)[0] == ["山田 次郎"]
    hints = client_for(people["staff"]).get(PEOPLE, {"q": "taro@shinshu"}).json()["results"]
    assert hints == [{"id": made["a1"].pk, "label": "山田 太郎", "hint": "taro@shinshu.example.ac.jp"}]
    assert client_for(people["staff"]).get(PEOPLE, {"q": ""}).json() == {"results": [], "more": False}


def test_visitor_is_sent_to_sign_in_by_the_people_picker(people, staffs):
    response = client_for(None).get(PEOPLE, {"q": "山田"})
    assert response.status_code == 302 and response["Location"].startswith("/ja/accounts/login/")


def test_people_picker_is_rate_limited_per_person(people, staffs):
    from members.views import writing

    client, other = client_for(people["staff"]), client_for(people["contact"])
    for _ in range(writing.PEOPLE_LIMIT):
        assert client.get(PEOPLE, {"q": "山田"}).status_code == 200
    refused = client.get(PEOPLE, {"q": "山田"})
    assert refused.status_code == 429
    assert "少し待って" in refused.json()["error"]
    assert other.get(PEOPLE, {"q": "山田"}).status_code == 200


# The role tables above are these endpoints' permission matrix (tests/coalition/test_security.py).
COVERED_URL_NAMES = url_names([lambda w: PREVIEW, lambda w: INSTITUTIONS, lambda w: PEOPLE])


# ---------------------------------------------------------------------------------------------
# Small defects of the forms around writing
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "label"), [
    ("ja", 'タイトル<span class="required">（必須）</span>'),  # full-width brackets bring their own space
    ("en", 'Title <span class="required">(required)</span>'),
])
def test_required_mark_follows_the_typography_of_the_language(people, language, label):
    page = client_for(people["staff"]).get(f"/{language}/initiatives/new/").content.decode()
    assert label in page


def test_two_factor_page_cancel_is_secondary_and_the_prompt_reads_well(client):
    from tests.factories import PASSWORD

    user = secretariat_user(email="jimukyoku@example.org")
    response = client.post("/ja/accounts/login/", {"login": user.email, "password": PASSWORD}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == "/ja/accounts/2fa/authenticate/"
    assert '<button form="logout-from-stage" type="submit" class="button-secondary">キャンセル</button>' in page
    assert "認証アプリに表示される6桁のコード、またはリカバリーコードの一つを入力してください。" in page
    assert "ください:" not in page


# ---------------------------------------------------------------------------------------------
# A picker over a long list (the large scale's 15,000 institutions)
# ---------------------------------------------------------------------------------------------


def _partner_options(html: str) -> list[str]:
    select = re.search(r'<select name="partner_institutions".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="(\d+)"( selected)?>', select)


def test_a_short_institution_list_is_all_in_the_page_to_choose_without_javascript(people):
    InstitutionFactory.create_batch(3)
    html = client_for(people["staff"]).get("/ja/initiatives/new/").content.decode()
    assert len(_partner_options(html)) == Institution.objects.active().count()
    assert "needs JavaScript" not in html and "JavaScript が必要" not in html


def test_a_long_institution_list_shows_only_the_chosen_and_the_search_finds_the_rest(people, monkeypatch):
    """Past INLINE_CHOICES the page lists only what is chosen (a select of 15,000 took a second to
    render); an institution the search found is accepted as before, and shown chosen on the edit."""
    from members import widgets
    from tests.working_groups.test_initiatives import form
    from working_groups.models import Initiative
    shinshu = Institution.objects.get(slug="shinshu")
    monkeypatch.setattr(widgets, "INLINE_CHOICES", 3)
    others = InstitutionFactory.create_batch(5)
    client = client_for(people["staff"])
    html = client.get("/en/initiatives/new/").content.decode()
    assert _partner_options(html) == []
    assert "needs JavaScript, which searches it as you type" in html
    # what the picker's search answers is accepted, though the page did not list it
    found = client.get(INSTITUTIONS, {"q": others[-1].name_ja}).json()["results"]
    assert [r["id"] for r in found] == [others[-1].pk]
    campus = WorkingGroupFactory(slug="campus")
    response = client.post("/en/initiatives/new/", form(campus, title="長い一覧", institution=shinshu.pk,
                                                           partner_institutions=[others[-1].pk]))
    assert response.status_code == 302, response.content.decode()[:2000]
    initiative = Initiative.objects.get(title="長い一覧")
    assert list(initiative.partner_institutions.all()) == [others[-1]]
    html = client.get(f"/en/initiatives/{initiative.slug}/edit/").content.decode()
    assert _partner_options(html) == [(str(others[-1].pk), " selected")]
    # a posted value that is no key changes nothing and is refused with the field's error
    response = client.post(f"/en/initiatives/{initiative.slug}/edit/",
                           form(campus, title="長い一覧", institution=shinshu.pk,
                                partner_institutions=[others[0].pk, "x"]))
    assert response.status_code == 200
    # the form comes back with the valid choice still chosen beside the field's error
    assert _partner_options(response.content.decode()) == [(str(others[0].pk), " selected")]
    assert list(initiative.partner_institutions.all()) == [others[-1]]
