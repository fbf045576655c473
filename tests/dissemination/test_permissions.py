"""Permission matrix of the dissemination app: every role against writing, editing, publishing
and reading drafts of news and statements (and, with the newsletter, its secretariat pages).

The secretariat writes for the coalition; the coordinators of a group write for their group only
(``coordinator`` coordinates the item's group, ``other_coordinator`` another one). A refused POST
changes nothing (items, audit entries, outbox rows).
"""

import datetime

import pytest
from django.utils import timezone

from meetings.dissemination import services
from meetings.dissemination.models import NewsItem, NewsletterIssue, Subscriber
from meetings.dissemination.tokens import make_confirm_token, make_unsubscribe_token
from members.audit.models import AuditEntry
from members.notifications.models import Notification
from tests.dissemination.conftest import build_world
from tests.permissions import LOGIN, NF, OK, TF, Action, Outcome, cells, check_cell
from tests.url_names import url_names
from working_groups.models import Initiative

pytestmark = pytest.mark.django_db

INVALID_CHOICE = "正しく選択してください。選択したものは候補にありません。"


def _form_refused(response, content, world, user):
    """The form again, the group not among the choices: nothing saved."""
    assert response.status_code == 400
    assert INVALID_CHOICE in response.context["form"].errors["group"]


FORM = "form"
OUTCOMES = {FORM: Outcome(check=_form_refused)}

ROLES = ["visitor", "user", "staff", "coordinator", "other_coordinator", "secretariat", "secretariat_no_2fa"]


@pytest.fixture
def world(module_world):
    return module_world


def make_world(media):
    """Built once for the module (tests/conftest.py, ``_module_world``): each test gets a copy."""
    w = build_world()
    w.issue = services.issue_save(by=None, data={"subject_ja": "行列号", "body_ja": "行列号の本文"})
    Subscriber.objects.create(email="reader@example.net", language="ja", status="confirmed")
    Subscriber.objects.create(email="pending@example.net", language="ja")
    w.initiative = Initiative.objects.create(
        institution=w.a, author=w.users["staff"], slug="matrix-case", title="行列の事例", summary="要約", body="本文",
        prefecture="13", started_on=datetime.date(2024, 1, 1), status="published", published_at=timezone.now())
    return w


def db_state(tmp_path=None) -> dict:
    return {
        "news": sorted(NewsItem.objects.values_list(
            "pk", "kind", "status", "title_ja", "title_en", "body_ja", "body_en", "group_id", "adopted_by_id",
            "published_at", "updated_at")),
        "issues": sorted(NewsletterIssue.objects.values_list("pk", "subject_ja", "status", "recipients")),
        "subscribers": sorted(Subscriber.objects.values_list("email", "status", "language")),
        "audit": AuditEntry.objects.count(),
        "outbox": Notification.objects.count(),
    }


def fresh(item):
    return NewsItem.objects.get(pk=item.pk)


def form(w, u, **change):
    data = {"kind": "news", "language": "ja", "group": w.group.pk, "title_ja": "行列のお知らせ", "summary_ja": "",
            "body_ja": "本文", "title_en": "", "summary_en": "", "body_en": "", "adopted_by": "", "adopted_on": "",
            "meeting": ""}
    data.update(change)
    return data


ACTIONS = {
    "create_get": Action(path=lambda w: "/ja/news/new/", marker=lambda w, u: 'name="title_en"'),
    "create_for_group_post": Action(
        path=lambda w: "/ja/news/new/",
        data=form,
        done=lambda w, u: NewsItem.objects.filter(title_ja="行列のお知らせ", group=w.group).exists(),
        success_url=lambda w, u: NewsItem.objects.get(title_ja="行列のお知らせ").get_absolute_url(),
    ),
    "edit_group_item_get": Action(
        path=lambda w: f"/ja/news/{w.draft.slug}/edit/", marker=lambda w, u: "下書きの本文。</textarea>"),
    "edit_group_item_post": Action(
        path=lambda w: f"/ja/news/{w.draft.slug}/edit/",
        data=lambda w, u: form(w, u, kind="announcement", title_ja="編集後の告知"),
        done=lambda w, u: fresh(w.draft).title_ja == "編集後の告知",
        success_url=lambda w, u: w.draft.get_absolute_url(),
    ),
    "edit_coalition_item_get": Action(
        path=lambda w: f"/ja/news/{w.news.slug}/edit/", marker=lambda w, u: "ポータルの**本文**です。</textarea>"),
    "edit_coalition_item_post": Action(
        path=lambda w: f"/ja/news/{w.news.slug}/edit/",
        data=lambda w, u: form(w, u, group="", title_ja="編集後のお知らせ"),
        done=lambda w, u: fresh(w.news).title_ja == "編集後のお知らせ",
        success_url=lambda w, u: w.news.get_absolute_url(),
    ),
    "publish_group_item_post": Action(
        path=lambda w: f"/ja/news/{w.draft.slug}/publish/",
        data=lambda w, u: {},
        done=lambda w, u: fresh(w.draft).status == NewsItem.Status.PUBLISHED,
        success_url=lambda w, u: w.draft.get_absolute_url(),
    ),
    "unpublish_statement_post": Action(
        path=lambda w: f"/ja/news/{w.statement.slug}/unpublish/",
        data=lambda w, u: {},
        done=lambda w, u: fresh(w.statement).status == NewsItem.Status.DRAFT,
        success_url=lambda w, u: w.statement.get_absolute_url(),
    ),
    "view_draft_get": Action(path=lambda w: f"/ja/news/{w.draft.slug}/", marker=lambda w, u: "下書きの本文。"),
    # public pages: everyone, including visitors
    "list_get": Action(path=lambda w: "/ja/news/", marker=lambda w, u: "ポータル公開のお知らせ"),
    "detail_get": Action(path=lambda w: f"/ja/news/{w.statement.slug}/", marker=lambda w, u: "声明の本文。"),
    "feed_get": Action(path=lambda w: "/ja/news/feed/", marker=lambda w, u: "脱炭素に向けた共同声明"),
    "about_get": Action(path=lambda w: "/ja/about/", marker=lambda w, u: "文部科学省"),
    # outside the language prefix: what robots read
    "sitemap_get": Action(path=lambda w: "/sitemap.xml", marker=lambda w, u: "/sitemap-news.xml</loc>"),
    "sitemap_section_get": Action(path=lambda w: "/sitemap-news.xml",
                                  marker=lambda w, u: f"/en/news/{w.statement.slug}/</loc>"),
    "robots_get": Action(path=lambda w: "/robots.txt", marker=lambda w, u: "Sitemap: http://testserver/sitemap.xml"),
    # the newsletter: public pages, signed links
    "newsletter_get": Action(path=lambda w: "/ja/newsletter/", marker=lambda w, u: 'name="email"'),
    "newsletter_post": Action(
        path=lambda w: "/ja/newsletter/", data=lambda w, u: {"email": "new@example.net", "language": "en"},
        done=lambda w, u: Subscriber.objects.filter(email="new@example.net", status="pending").exists(),
        success_url=lambda w, u: "/ja/newsletter/sent/"),
    "newsletter_sent_get": Action(path=lambda w: "/ja/newsletter/sent/", marker=lambda w, u: "メールをご確認ください"),
    "confirm_post": Action(
        path=lambda w: f"/ja/newsletter/confirm/{make_confirm_token(email='pending@example.net', language='en')}/",
        data=lambda w, u: {},
        done=lambda w, u: Subscriber.objects.get(email="pending@example.net").status == "confirmed",
        success_url=lambda w, u: "/ja/newsletter/"),
    "unsubscribe_post": Action(
        path=lambda w: f"/ja/newsletter/unsubscribe/{make_unsubscribe_token(email='reader@example.net')}/",
        data=lambda w, u: {},
        done=lambda w, u: Subscriber.objects.get(email="reader@example.net").status == "unsubscribed",
        success_url=lambda w, u: "/ja/newsletter/"),
    # the secretariat asks an initiative's author for a translation
    "translation_request_post": Action(
        path=lambda w: f"/ja/initiatives/{w.initiative.slug}/translation-request/", data=lambda w, u: {},
        done=lambda w, u: Notification.objects.filter(kind="translation_requested").exists(),
        success_url=lambda w, u: w.initiative.get_absolute_url()),
    # the secretariat's issues
    "issue_list_get": Action(path=lambda w: "/ja/newsletter/issues/", marker=lambda w, u: "行列号"),
    "issue_create_post": Action(
        path=lambda w: "/ja/newsletter/issues/new/",
        data=lambda w, u: {"subject_ja": "新しい号", "body_ja": "本文", "subject_en": "", "body_en": ""},
        done=lambda w, u: NewsletterIssue.objects.filter(subject_ja="新しい号").exists(),
        success_url=lambda w, u: NewsletterIssue.objects.get(subject_ja="新しい号").get_absolute_url()),
    "issue_detail_get": Action(path=lambda w: f"/ja/newsletter/issues/{w.issue.pk}/",
                               marker=lambda w, u: "行列号の本文"),
    "issue_edit_get": Action(path=lambda w: f"/ja/newsletter/issues/{w.issue.pk}/edit/",
                             marker=lambda w, u: "行列号の本文</textarea>"),
    "issue_edit_post": Action(
        path=lambda w: f"/ja/newsletter/issues/{w.issue.pk}/edit/",
        data=lambda w, u: {"subject_ja": "直した号", "body_ja": "本文", "subject_en": "", "body_en": ""},
        done=lambda w, u: NewsletterIssue.objects.get(pk=w.issue.pk).subject_ja == "直した号",
        success_url=lambda w, u: w.issue.get_absolute_url()),
    "issue_send_post": Action(
        path=lambda w: f"/ja/newsletter/issues/{w.issue.pk}/send/", data=lambda w, u: {},
        done=lambda w, u: NewsletterIssue.objects.get(pk=w.issue.pk).status == "sent",
        success_url=lambda w, u: w.issue.get_absolute_url()),
}

MATRIX = {
    # action                     visitor user staff coord other_coord sec sec_no_2fa
    "create_get":               (LOGIN, NF,  NF,   OK,   OK,         OK,  TF),
    # another group's coordinator may write, but not for this group: the choice is not offered
    "create_for_group_post":    (LOGIN, NF,  NF,   OK,   FORM,       OK,  TF),
    "edit_group_item_get":      (LOGIN, NF,  NF,   OK,   NF,         OK,  TF),
    "edit_group_item_post":     (LOGIN, NF,  NF,   OK,   NF,         OK,  TF),
    "edit_coalition_item_get":  (LOGIN, NF,  NF,   NF,   NF,         OK,  TF),
    "edit_coalition_item_post": (LOGIN, NF,  NF,   NF,   NF,         OK,  TF),
    "publish_group_item_post":  (LOGIN, NF,  NF,   OK,   NF,         OK,  TF),
    "unpublish_statement_post": (LOGIN, NF,  NF,   NF,   NF,         OK,  TF),
    "view_draft_get":           (LOGIN, NF,  NF,   OK,   NF,         OK,  TF),
    "list_get":                 (OK,    OK,  OK,   OK,   OK,         OK,  OK),
    "detail_get":               (OK,    OK,  OK,   OK,   OK,         OK,  OK),
    "feed_get":                 (OK,    OK,  OK,   OK,   OK,         OK,  OK),
    "about_get":                (OK,    OK,  OK,   OK,   OK,         OK,  OK),
    "sitemap_get":              (OK,    OK,  OK,   OK,   OK,         OK,  OK),
    "sitemap_section_get":      (OK,    OK,  OK,   OK,   OK,         OK,  OK),
    "robots_get":               (OK,    OK,  OK,   OK,   OK,         OK,  OK),
    "newsletter_get":           (OK,    OK,  OK,   OK,   OK,         OK,  OK),
    "newsletter_post":          (OK,    OK,  OK,   OK,   OK,         OK,  OK),
    "newsletter_sent_get":      (OK,    OK,  OK,   OK,   OK,         OK,  OK),
    # the signed link is the authority, whoever opens it
    "confirm_post":             (OK,    OK,  OK,   OK,   OK,         OK,  OK),
    "unsubscribe_post":         (OK,    OK,  OK,   OK,   OK,         OK,  OK),
    "translation_request_post": (LOGIN, NF,  NF,   NF,   NF,         OK,  TF),
    "issue_list_get":           (LOGIN, NF,  NF,   NF,   NF,         OK,  TF),
    "issue_create_post":        (LOGIN, NF,  NF,   NF,   NF,         OK,  TF),
    "issue_detail_get":         (LOGIN, NF,  NF,   NF,   NF,         OK,  TF),
    "issue_edit_get":           (LOGIN, NF,  NF,   NF,   NF,         OK,  TF),
    "issue_edit_post":          (LOGIN, NF,  NF,   NF,   NF,         OK,  TF),
    "issue_send_post":          (LOGIN, NF,  NF,   NF,   NF,         OK,  TF),
}

COVERED_URL_NAMES = url_names(action.path for action in ACTIONS.values())


@pytest.mark.parametrize(("action_name", "role", "outcome"), cells(ACTIONS, MATRIX, ROLES))
def test_dissemination_action_as_role_has_expected_outcome(client, world, deliver, action_name, role, outcome):
    check_cell(client, world, action=ACTIONS[action_name], user=world.users[role], outcome=outcome,
               state=db_state, deliver=deliver, outcomes=OUTCOMES)
