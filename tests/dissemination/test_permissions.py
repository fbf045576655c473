"""Permission matrix of the dissemination app: every role against writing, editing, publishing
and reading drafts of news and statements (and, with the newsletter, its secretariat pages).

The secretariat writes for the coalition; the coordinators of a group write for their group only
(``coordinator`` coordinates the item's group, ``other_coordinator`` another one). A refused POST
changes nothing (items, audit entries, outbox rows).
"""

import pytest

from meetings.dissemination.models import NewsItem
from members.audit.models import AuditEntry
from members.notifications.models import Notification
from tests.dissemination.conftest import build_world
from tests.permissions import LOGIN, NF, OK, TF, Action, Outcome, cells, check_cell
from tests.url_names import url_names

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
def world(settings, tmp_path):
    return build_world()


def db_state(tmp_path=None) -> dict:
    return {
        "news": sorted(NewsItem.objects.values_list(
            "pk", "kind", "status", "title_ja", "title_en", "body_ja", "body_en", "group_id", "adopted_by_id",
            "published_at", "updated_at")),
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
}

COVERED_URL_NAMES = url_names(action.path for action in ACTIONS.values())


@pytest.mark.parametrize(("action_name", "role", "outcome"), cells(ACTIONS, MATRIX, ROLES))
def test_dissemination_action_as_role_has_expected_outcome(client, world, deliver, action_name, role, outcome):
    check_cell(client, world, action=ACTIONS[action_name], user=world.users[role], outcome=outcome,
               state=db_state, deliver=deliver, outcomes=OUTCOMES)
