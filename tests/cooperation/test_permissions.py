"""Permission matrix of cooperation: every role against every protected action on needs and
expertise. The need's theme group is coordinated by institution C (``coordinator``); A's staff wrote
the expertise. The submitter has no account: they act through the signed link of their e-mail only
(the last test), which is the proof the design asks for."""

import pytest
from django.utils import timezone

from members.notifications.models import Notification
from tests.permissions import LOGIN, NF, OK, TF, Action, cells, check_cell
from tests.url_names import url_names
from working_groups.cooperation.models import Expertise, Interest, Need, Partner
from working_groups.cooperation.tokens import confirm_token
from working_groups.models import Initiative

from . import conftest
from .conftest import ROLES, make_need

# tests/coalition/test_csrf_cases.py builds this module's world for its CSRF checks
make_world = conftest.make_world

pytestmark = pytest.mark.django_db


def _status(attr, status):
    return lambda w, u: Need.objects.get(pk=getattr(w, attr).pk).status == status


def _institution_of(w, u) -> int:
    """The acting person's institution; someone without one claims to act for A."""
    affiliation = u.affiliations.first() if u else None
    return affiliation.institution_id if affiliation else w.a.pk


def _public(path, marker):
    return Action(path=path, marker=marker)


def _matched_with_a(w, u):
    """A was introduced for the published need, which is now matched."""
    Interest.objects.create(need=w.published, institution=w.a, user=w.users["staff_a"], message="協力します",
                            introduced_at=timezone.now())
    Need.objects.filter(pk=w.published.pk).update(status="matched")


NEED_FORM = {"title": "行列から出したニーズ", "description": "説明", "themes": [], "help_kind": "advice",
             "prefecture": "", "period": "", "organisation": "架空町", "organisation_kind": "municipality",
             "contact_name": "町 太郎", "contact_role": "", "contact_email": "matrix@town.example.jp",
             "consent": "on", "website_url": ""}


def _initiative_of_a(w, u):
    """A published initiative of A written by A's staff member (its author), for the partner picker."""
    import datetime  # noqa: PLC0415 -- only this setup needs it

    from working_groups.services import refresh_derived  # noqa: PLC0415 -- only this setup needs it

    initiative = Initiative(institution=w.a, author=w.users["staff_a"], slug="matrix-zeb", title="行列の取組",
                            summary="概要", body="本文", prefecture="20", started_on=datetime.date(2024, 4, 1),
                            status="published", visibility="public", published_at=timezone.now())
    refresh_derived(initiative)
    initiative.save()


def _linked(w, u):
    return w.partner.initiatives.filter(slug="matrix-zeb").exists()


ACTIONS = {
    "view_submitted": Action(path=lambda w: f"/ja/needs/{w.submitted.pk}/",
                             marker=lambda w, u: "official@town.example.jp"),
    "view_submitted_other_theme": Action(path=lambda w: f"/ja/needs/{w.other_submitted.pk}/",
                                         marker=lambda w, u: "official@town.example.jp"),
    "review_queue": Action(path=lambda w: "/ja/needs/review/", marker=lambda w, u: "審査待ちの地域課題"),
    "publish": Action(path=lambda w: f"/ja/needs/{w.submitted.pk}/publish/", data=lambda w, u: {},
                      done=_status("submitted", "published"),
                      success_url=lambda w, u: f"/ja/needs/{w.submitted.pk}/"),
    "decline": Action(path=lambda w: f"/ja/needs/{w.submitted.pk}/decline/", data=lambda w, u: {"reason": "対象外"},
                      done=_status("submitted", "declined"),
                      success_url=lambda w, u: f"/ja/needs/{w.submitted.pk}/"),
    "return_need": Action(path=lambda w: f"/ja/needs/{w.submitted.pk}/return/",
                          data=lambda w, u: {"reason": "対象の施設はいくつですか"},
                          done=_status("submitted", "returned"),
                          success_url=lambda w, u: f"/ja/needs/{w.submitted.pk}/"),
    "express_interest": Action(
        path=lambda w: f"/ja/needs/{w.published.pk}/interest/",
        data=lambda w, u: {"institution": _institution_of(w, u), "message": "協力します"},
        done=lambda w, u: Interest.objects.filter(need=w.published, user=u).exists(),
        success_url=lambda w, u: f"/ja/needs/{w.published.pk}/"),
    "introduce": Action(path=lambda w: f"/ja/needs/interests/{w.interest.pk}/introduce/", data=lambda w, u: {},
                        done=lambda w, u: Interest.objects.get(pk=w.interest.pk).introduced_at is not None,
                        success_url=lambda w, u: f"/ja/needs/{w.published.pk}/"),
    "mark_matched": Action(path=lambda w: f"/ja/needs/{w.published.pk}/matched/", data=lambda w, u: {},
                           setup=lambda w, u: Need.objects.filter(pk=w.published.pk).update(status="in-discussion"),
                           done=_status("published", "matched"),
                           success_url=lambda w, u: f"/ja/needs/{w.published.pk}/"),
    "start_initiative": Action(
        path=lambda w: f"/ja/needs/{w.published.pk}/initiative/", data=lambda w, u: {}, setup=_matched_with_a,
        done=lambda w, u: Need.objects.get(pk=w.published.pk).initiative_id is not None,
        success_url=lambda w, u: f"/ja/initiatives/{Need.objects.get(pk=w.published.pk).initiative.slug}/edit/"),
    "close": Action(path=lambda w: f"/ja/needs/{w.published.pk}/close/", data=lambda w, u: {},
                    done=_status("published", "closed"), success_url=lambda w, u: f"/ja/needs/{w.published.pk}/"),
    "create_expertise": Action(
        path=lambda w: "/ja/expertise/new/",
        data=lambda w, u: {"institution": _institution_of(w, u), "title": "新しいシーズ", "description": "説明",
                           "keywords": "", "themes": [w.group.pk], "nationwide": "on", "language_list": ["ja"],
                           "visibility": "public"},
        done=lambda w, u: Expertise.objects.filter(title="新しいシーズ").exists(),
        success_url=lambda w, u: Expertise.objects.get(title="新しいシーズ").get_absolute_url()),
    "expertise_form": Action(path=lambda w: "/ja/expertise/new/", marker=lambda w, u: 'name="title"'),
    "edit_expertise": Action(
        path=lambda w: f"/ja/expertise/{w.expertise.pk}/edit/",
        data=lambda w, u: {"title": "改訂したシーズ", "description": "改訂", "keywords": "", "themes": [w.group.pk],
                           "prefecture_list": ["20"], "language_list": ["ja"], "visibility": "public"},
        done=lambda w, u: Expertise.objects.get(pk=w.expertise.pk).title == "改訂したシーズ",
        success_url=lambda w, u: f"/ja/expertise/{w.expertise.pk}/"),
    "partner_picker": Action(path=lambda w: "/ja/initiatives/matrix-zeb/partners/", setup=_initiative_of_a,
                             marker=lambda w, u: '<label for="id_q">連携先を検索</label>'),
    "link_partner": Action(path=lambda w: "/ja/initiatives/matrix-zeb/partners/", setup=_initiative_of_a,
                           data=lambda w, u: {"action": "link", "partner": w.partner.pk}, done=_linked,
                           success_url=lambda w, u: "/ja/initiatives/matrix-zeb/partners/"),
    "see_members_only_expertise": Action(path=lambda w: f"/ja/expertise/{w.members_only.pk}/",
                                         marker=lambda w, u: "会員限定の研究シーズ"),
    # public pages: everyone, and never the submitter's address
    "partners": _public(lambda w: "/ja/partners/", lambda w, u: "みどり野市"),
    "partner": _public(lambda w: f"/ja/partners/{w.partner.slug}/", lambda w, u: "森林の炭素吸収量の調査"),
    "needs": _public(lambda w: "/ja/needs/", lambda w, u: "森林の炭素吸収量の調査"),
    "need": _public(lambda w: f"/ja/needs/{w.published.pk}/", lambda w, u: "森林の炭素吸収量の調査"),
    "feed": _public(lambda w: "/ja/needs/feed/", lambda w, u: "森林の炭素吸収量の調査"),
    "expertise_list": _public(lambda w: "/ja/expertise/", lambda w, u: "森林の炭素吸収量モニタリング"),
    "expertise": _public(lambda w: f"/ja/expertise/{w.expertise.pk}/", lambda w, u: "森林の炭素吸収量モニタリング"),
    "need_sent": _public(lambda w: "/ja/needs/sent/", lambda w, u: "メールをご確認ください"),
    "submit_need": Action(path=lambda w: "/ja/needs/new/", data=lambda w, u: {**NEED_FORM, "themes": [w.group.pk]},
                          done=lambda w, u: Need.objects.filter(title="行列から出したニーズ").exists(),
                          success_url=lambda w, u: "/ja/needs/sent/"),
    # the submitter's signed link: whoever holds it (the e-mail is the proof), signed in or not
    "answer_question": Action(
        path=lambda w: f"/ja/needs/edit/{w.edit_token}/",
        data=lambda w, u: {**NEED_FORM, "title": "差し戻し中の課題", "description": "施設は12か所です。",
                           "themes": [w.group.pk]},
        done=_status("returned", "submitted"), success_url=lambda w, u: "/ja/needs/"),
    "confirm": Action(path=lambda w: f"/ja/needs/confirm/{w.confirm_token}/", data=lambda w, u: {},
                      marker=lambda w, u: "メールアドレスを確認しました",
                      done=_status("unconfirmed", "submitted")),
}

#                            visitor user  staff_a staff_b contact_a coordinator secretariat sec_no_2fa
MATRIX = {
    "view_submitted":             [LOGIN, NF, NF, NF, NF, OK, OK, TF],
    "view_submitted_other_theme": [LOGIN, NF, NF, NF, NF, NF, OK, TF],
    "review_queue":               [LOGIN, NF, NF, NF, NF, OK, OK, TF],
    "publish":                    [LOGIN, NF, NF, NF, NF, OK, OK, TF],
    "decline":                    [LOGIN, NF, NF, NF, NF, OK, OK, TF],
    "express_interest":           [LOGIN, NF, OK, OK, OK, OK, NF, TF],
    "introduce":                  [LOGIN, NF, NF, NF, NF, OK, OK, TF],
    "close":                      [LOGIN, NF, NF, NF, NF, OK, OK, TF],
    "create_expertise":           [LOGIN, NF, OK, OK, OK, OK, NF, TF],
    "expertise_form":             [LOGIN, NF, OK, OK, OK, OK, NF, TF],
    "edit_expertise":             [LOGIN, NF, OK, NF, OK, NF, OK, TF],
    "see_members_only_expertise": [LOGIN, NF, OK, OK, OK, OK, OK, TF],
    "partner_picker":             [LOGIN, NF, OK, NF, OK, NF, OK, TF],
    "link_partner":               [LOGIN, NF, OK, NF, OK, NF, OK, TF],
    "mark_matched":               [LOGIN, NF, NF, NF, NF, OK, OK, TF],
    "start_initiative":           [LOGIN, NF, OK, NF, OK, NF, NF, TF],
    "partners":                   [OK] * 8,
    "partner":                    [OK] * 8,
    "needs":                      [OK] * 8,
    "need":                       [OK] * 8,
    "feed":                       [OK] * 8,
    "expertise_list":             [OK] * 8,
    "expertise":                  [OK] * 8,
    "need_sent":                  [OK] * 8,
    "submit_need":                [OK] * 8,
    "confirm":                    [OK] * 8,
    "return_need":                [LOGIN, NF, NF, NF, NF, OK, OK, TF],
    "answer_question":            [OK] * 8,
}

COVERED_URL_NAMES = url_names(action.path for action in ACTIONS.values())


def db_state(media_root=None) -> dict:
    """Everything a cooperation action could write."""
    return {
        "needs": sorted(Need.objects.values_list("pk", "status", "title", "reason", "partner_id", "published_at")),
        "interests": sorted(Interest.objects.values_list("pk", "need_id", "institution_id", "introduced_at")),
        "expertise": sorted(Expertise.objects.values_list("pk", "title", "description", "visibility")),
        "partners": sorted(Partner.objects.values_list("pk", "slug", "name_ja")),
        "partner_links": sorted(Partner.initiatives.through.objects.values_list("partner_id", "initiative_id")),
        "notifications": Notification.objects.count(),
        "initiatives": sorted(Initiative.objects.values_list("pk", "slug")),
    }


@pytest.mark.parametrize("action, role, outcome", cells(ACTIONS, MATRIX, ROLES))
def test_permission_matrix(client, world, deliver, action, role, outcome):
    check_cell(client, world, action=ACTIONS[action], user=world.users[role], outcome=outcome, state=db_state,
               deliver=deliver, never_shown=["official@town.example.jp"])


def test_submitter_acts_only_through_the_signed_link(client, world):
    need = make_need(title="未確認の課題", themes=[world.group], status=Need.Status.UNCONFIRMED)
    # no page shows an unconfirmed need to anyone but reviewers, and the link is the only way to confirm
    assert client.get(f"/ja/needs/{need.pk}/").status_code == 302
    assert client.post(f"/ja/needs/confirm/{confirm_token(need)}x/").status_code == 400
    assert client.post(f"/ja/needs/confirm/{confirm_token(need)}/").status_code == 200
    need.refresh_from_db()
    assert need.status == "submitted"
