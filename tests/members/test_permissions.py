"""Permission matrix of the members app: every role against every protected action.

Each cell of ``MATRIX`` (action × role → outcome) is one test. Refusals look the same everywhere
(members/access.py): a visitor is sent to sign in, a signed-in person without the right gets a 404
(never a 403, never the content), a secretariat member without two-factor sign-in is sent to set it
up. A refused POST changes nothing in the database; an allowed one makes its change. Institution B
holds real objects of the same kind as A's, so that a right at A that leaks to B shows up here.
"""

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from members.audit.models import AuditEntry
from members.audit.services import audit
from members.models import AccessToken, Affiliation, EmailDomain, Institution, MembershipApplication
from members.notifications.models import Notification
from tests.factories import (
    AffiliationFactory,
    EmailDomainFactory,
    InstitutionFactory,
    UserFactory,
    api_token,
    secretariat_user,
    staff_of,
)
from tests.permissions import LOGIN, NF, OK, TF, TWO_FACTOR_SETUP_URL, Action, Outcome, cells, check_cell
from tests.url_names import url_names

pytestmark = pytest.mark.django_db

ALREADY_TEXT = "この機関にはすでに所属しているか、申請中です。"

# Outcomes
HIDDEN = "hidden"  # the (public) page, without the protected content
ALREADY = "already"  # the form again, saying the person already belongs (nothing saved)

ROLES = ["visitor", "user", "staff_a", "staff_b", "contact_a", "secretariat", "secretariat_no_2fa",
         "staff_suspended"]


# ---------------------------------------------------------------------------------------------
# The world every cell runs in
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def world(module_world):
    return module_world


def make_world(media):
    """Built once for the module (tests/conftest.py, ``_module_world``): each test gets a copy."""
    a = InstitutionFactory(slug="univ-a", name_ja="甲大学", name_en="Alpha University", name_kana="こうだいがく",
                           profile_ja="甲大学の紹介です。", website="https://alpha.example.ac.jp")
    b = InstitutionFactory(slug="univ-b", name_ja="乙大学", name_en="Beta University", name_kana="おつだいがく",
                           profile_ja="乙大学の紹介です。")
    suspended = InstitutionFactory(slug="univ-s", name_ja="丙大学", name_en="Suspended University",
                                   name_kana="へいだいがく", status=Institution.Status.SUSPENDED)
    withdrawn = InstitutionFactory(slug="univ-w", name_ja="丁大学", name_en="Withdrawn University",
                                   name_kana="ていだいがく", status=Institution.Status.WITHDRAWN)
    EmailDomainFactory(institution=a, domain="alpha.example.ac.jp")
    EmailDomainFactory(institution=b, domain="beta.example.ac.jp")

    users = {
        "visitor": None,
        "user": UserFactory(email="someone@example.org"),
        "staff_a": staff_of(a, email="staff@alpha.example.ac.jp"),
        "staff_b": staff_of(b, email="staff@beta.example.ac.jp"),
        "contact_a": staff_of(a, role=Affiliation.Role.CONTACT, email="contact@alpha.example.ac.jp"),
        "secretariat": secretariat_user(email="desk@coalition.example.org"),
        "secretariat_no_2fa": secretariat_user(two_factor=False, email="new-desk@coalition.example.org"),
        "staff_suspended": staff_of(suspended, email="staff@suspended.example.ac.jp"),
    }
    staff_of(b, role=Affiliation.Role.CONTACT, email="contact@beta.example.ac.jp")
    staff_of(suspended, role=Affiliation.Role.CONTACT, email="contact@suspended.example.ac.jp")
    staff_of(withdrawn, role=Affiliation.Role.CONTACT, email="contact@withdrawn.example.ac.jp")

    pending = {
        a: AffiliationFactory(institution=a, status=Affiliation.Status.PENDING,
                              user=UserFactory(email="asks@alpha.example.ac.jp")),
        b: AffiliationFactory(institution=b, status=Affiliation.Status.PENDING,
                              user=UserFactory(email="asks@beta.example.ac.jp")),
    }
    colleague = {
        a: AffiliationFactory(institution=a, role=Affiliation.Role.STAFF,
                              user=UserFactory(email="colleague@alpha.example.ac.jp")),
        b: AffiliationFactory(institution=b, role=Affiliation.Role.STAFF,
                              user=UserFactory(email="colleague@beta.example.ac.jp")),
    }
    for inst, reason in ((a, "甲大学の履歴の記録"), (b, "乙大学の履歴の記録")):
        audit(actor=None, action="institution.update", obj=inst, reason=reason)
    application = MembershipApplication.objects.create(
        name_ja="新規大学", name_en="Newcomer University", name_kana="しんきだいがく",
        kind=Institution.Kind.PRIVATE_UNIVERSITY, category=Institution.Category.PARTICIPATING, prefecture="20",
        website="https://newcomer.example.ac.jp", email_domain="newcomer.example.ac.jp",
        applicant_name="申込 太郎", applicant_title="総務課長", applicant_email="applicant@newcomer.example.ac.jp",
        representative_name="代表 花子", representative_title="学長",
    )
    Notification.objects.create(kind="application_received", email="outbox-marker@example.org",
                                dedup_key="permission-matrix-marker")
    api_token(users["staff_a"], name="staff a's script")
    return World(a=a, b=b, suspended=suspended, withdrawn=withdrawn, users=users, pending=pending,
                 colleague=colleague, application=application,
                 token_a=AccessToken.objects.get(user=users["staff_a"]))


@dataclass
class World:
    a: Institution
    b: Institution
    suspended: Institution
    withdrawn: Institution
    users: dict
    pending: dict
    colleague: dict
    application: MembershipApplication
    token_a: AccessToken


def db_state() -> dict:
    """Everything a members action could write."""
    return {
        "institutions": sorted(Institution.objects.values_list(
            "pk", "slug", "status", "name_ja", "profile_ja", "updated_at")),
        "domains": sorted(EmailDomain.objects.values_list("domain", "institution_id")),
        "affiliations": sorted(Affiliation.objects.values_list("pk", "user_id", "institution_id", "status", "role")),
        "applications": sorted(MembershipApplication.objects.values_list("pk", "status", "institution_id")),
        "audit": AuditEntry.objects.count(),
        "outbox": Notification.objects.count(),
        "tokens": sorted(AccessToken.objects.values_list("pk", "user_id", "name", "revoked_at")),
    }


# ---------------------------------------------------------------------------------------------
# The actions
# ---------------------------------------------------------------------------------------------


def edit_data(inst):
    return {"name_ja": inst.name_ja, "name_en": inst.name_en, "name_kana": inst.name_kana,
            "website": inst.website, "profile_ja": "書き換えられた紹介文", "profile_en": "",
            "target_year": "", "email_domains": "\n".join(inst.email_domains.values_list("domain", flat=True))}


def affiliation_of(w, inst, kind):
    return Affiliation.objects.get(pk=getattr(w, kind)[inst].pk)


def refreshed(inst):
    return Institution.objects.get(pk=inst.pk)


IMPORT_CSV = (
    "slug,name_ja,name_en,name_kana,kind,category,prefecture,website,joined_on,target_year,email_domains\n"
    "imported-univ,取込大学,Imported University,とりこみだいがく,national,participating,20,"
    "https://imported.example.ac.jp,2024-04-01,2040,imported.example.ac.jp\n"
).encode()


def _object_actions(key: str, attr: str) -> dict:
    """The same actions on institution A and on institution B."""
    return {
        f"edit_{key}_get": Action(
            path=lambda w: f"/ja/members/{getattr(w, attr).slug}/edit/",
            marker=lambda w, u: '<textarea name="email_domains"',
        ),
        f"edit_{key}_post": Action(
            path=lambda w: f"/ja/members/{getattr(w, attr).slug}/edit/",
            data=lambda w, u: edit_data(getattr(w, attr)),
            done=lambda w, u: refreshed(getattr(w, attr)).profile_ja == "書き換えられた紹介文",
            success_url=lambda w, u: f"/ja/members/{getattr(w, attr).slug}/",
        ),
        f"people_{key}_get": Action(
            path=lambda w: f"/ja/members/{getattr(w, attr).slug}/people/",
            marker=lambda w, u: w.pending[getattr(w, attr)].user.email,
        ),
        f"history_{key}_get": Action(
            path=lambda w: f"/ja/members/{getattr(w, attr).slug}/history/",
            marker=lambda w, u: f"{getattr(w, attr).name_ja}の履歴の記録",
        ),
        f"decide_{key}_post": Action(
            path=lambda w: f"/ja/account/affiliations/{w.pending[getattr(w, attr)].pk}/decide/",
            data=lambda w, u: {"decision": "approve", "role": "staff"},
            done=lambda w, u: affiliation_of(w, getattr(w, attr), "pending").status == Affiliation.Status.APPROVED,
            success_url=lambda w, u: f"/ja/members/{getattr(w, attr).slug}/people/",
        ),
        f"role_{key}_post": Action(
            path=lambda w: f"/ja/account/affiliations/{w.colleague[getattr(w, attr)].pk}/role/",
            data=lambda w, u: {"role": "contact"},
            done=lambda w, u: affiliation_of(w, getattr(w, attr), "colleague").role == Affiliation.Role.CONTACT,
            success_url=lambda w, u: f"/ja/members/{getattr(w, attr).slug}/people/",
        ),
        f"end_{key}_post": Action(
            path=lambda w: f"/ja/account/affiliations/{w.colleague[getattr(w, attr)].pk}/end/",
            data=lambda w, u: {"reason": "退職"},
            done=lambda w, u: affiliation_of(w, getattr(w, attr), "colleague").status == Affiliation.Status.ENDED,
            success_url=lambda w, u: f"/ja/members/{getattr(w, attr).slug}/people/",
        ),
    }


ACTIONS: dict[str, Action] = {
    **_object_actions("a", "a"),
    **_object_actions("b", "b"),
    "affiliation_request_get": Action(
        path=lambda w: "/ja/account/affiliations/new/",
        marker=lambda w, u: '<select name="institution"',
    ),
    "affiliation_request_post": Action(
        path=lambda w: "/ja/account/affiliations/new/",
        data=lambda w, u: {"institution": w.a.pk, "title": "研究員", "message": "よろしくお願いします。"},
        done=lambda w, u: Affiliation.objects.filter(user=u, institution=w.a,
                                                     status=Affiliation.Status.PENDING).exists(),
        success_url=lambda w, u: "/ja/account/",
    ),
    # API tokens: anyone signed in makes their own (shown once, on the answer); only their own revoked
    "token_create_post": Action(
        path=lambda w: "/ja/account/tokens/",
        data=lambda w, u: {"token-name": "matrix script", "token-days": "30"},
        marker=lambda w, u: 'value="cnp_',
        done=lambda w, u: AccessToken.objects.filter(user=u, name="matrix script").exists(),
    ),
    "token_revoke_a_post": Action(
        path=lambda w: f"/ja/account/tokens/{w.token_a.pk}/revoke/",
        data=lambda w, u: {},
        done=lambda w, u: AccessToken.objects.filter(pk=w.token_a.pk, revoked_at__isnull=False).exists(),
        success_url=lambda w, u: "/ja/account/#tokens",
    ),
    "secretariat_get": Action(
        path=lambda w: "/ja/secretariat/",
        marker=lambda w, u: w.application.applicant_email,
    ),
    "application_review_get": Action(
        path=lambda w: f"/ja/secretariat/applications/{w.application.pk}/",
        marker=lambda w, u: w.application.applicant_email,
    ),
    "application_review_post": Action(
        path=lambda w: f"/ja/secretariat/applications/{w.application.pk}/",
        data=lambda w, u: {"decision": "approve", "reason": ""},
        done=lambda w, u: (
            MembershipApplication.objects.get(pk=w.application.pk).status == MembershipApplication.Status.APPROVED
            and Institution.objects.filter(name_ja="新規大学", status=Institution.Status.ACTIVE).count() == 1
        ),
        success_url=lambda w, u: "/ja/secretariat/",
    ),
    "status_get": Action(
        path=lambda w: f"/ja/secretariat/members/{w.a.slug}/status/",
        marker=lambda w, u: '<textarea name="reason"',
    ),
    "status_post": Action(
        path=lambda w: f"/ja/secretariat/members/{w.a.slug}/status/",
        data=lambda w, u: {"status": "suspended", "reason": "総会の決議による"},
        done=lambda w, u: refreshed(w.a).status == Institution.Status.SUSPENDED,
        success_url=lambda w, u: "/ja/secretariat/members/?status=suspended",
    ),
    "import_get": Action(
        path=lambda w: "/ja/secretariat/members/import/",
        marker=lambda w, u: 'type="file" name="file"',
    ),
    "import_post": Action(
        path=lambda w: "/ja/secretariat/members/import/",
        data=lambda w, u: {"file": SimpleUploadedFile("members.csv", IMPORT_CSV, content_type="text/csv")},
        done=lambda w, u: Institution.objects.filter(slug="imported-univ", name_ja="取込大学").count() == 1,
        success_url=lambda w, u: "/ja/secretariat/members/",
    ),
    "outbox_get": Action(
        path=lambda w: "/ja/secretariat/outbox/",
        marker=lambda w, u: "outbox-marker@example.org",
    ),
    # a public profile: the contacts' addresses are for staff of members and the secretariat
    "profile_contacts_a": Action(
        path=lambda w: f"/ja/members/{w.a.slug}/",
        marker=lambda w, u: "mailto:contact@alpha.example.ac.jp",
    ),
    # not an active member: hidden from the public
    "profile_suspended": Action(
        path=lambda w: f"/ja/members/{w.suspended.slug}/",
        marker=lambda w, u: "Suspended University",
    ),
    "profile_withdrawn": Action(
        path=lambda w: f"/ja/members/{w.withdrawn.slug}/",
        marker=lambda w, u: "Withdrawn University",
    ),
}

# ---------------------------------------------------------------------------------------------
# The matrix
# ---------------------------------------------------------------------------------------------

MATRIX = {
    # action                    visitor user staff_a staff_b contact_a secretariat sec_no_2fa staff_suspended
    "edit_a_get":               (LOGIN, NF, NF, NF, OK, OK, TF, NF),
    "edit_a_post":              (LOGIN, NF, NF, NF, OK, OK, TF, NF),
    "people_a_get":             (LOGIN, NF, NF, NF, OK, OK, TF, NF),
    "history_a_get":            (LOGIN, NF, NF, NF, OK, OK, TF, NF),
    "decide_a_post":            (LOGIN, NF, NF, NF, OK, OK, TF, NF),
    "role_a_post":              (LOGIN, NF, NF, NF, OK, OK, TF, NF),
    "end_a_post":               (LOGIN, NF, NF, NF, OK, OK, TF, NF),
    # B's objects: the contact of A has no right there
    "edit_b_get":               (LOGIN, NF, NF, NF, NF, OK, TF, NF),
    "edit_b_post":              (LOGIN, NF, NF, NF, NF, OK, TF, NF),
    "people_b_get":             (LOGIN, NF, NF, NF, NF, OK, TF, NF),
    "history_b_get":            (LOGIN, NF, NF, NF, NF, OK, TF, NF),
    "decide_b_post":            (LOGIN, NF, NF, NF, NF, OK, TF, NF),
    "role_b_post":              (LOGIN, NF, NF, NF, NF, OK, TF, NF),
    "end_b_post":               (LOGIN, NF, NF, NF, NF, OK, TF, NF),
    # any verified person may ask; those who already belong are told so
    "affiliation_request_get":  (LOGIN, OK, OK, OK, OK, OK, OK, OK),
    "affiliation_request_post": (LOGIN, OK, ALREADY, OK, ALREADY, OK, OK, OK),
    "token_create_post":        (LOGIN, OK, OK, OK, OK, OK, OK, OK),
    "token_revoke_a_post":      (LOGIN, NF, OK, NF, NF, NF, NF, NF),
    # the secretariat's pages
    "secretariat_get":          (LOGIN, NF, NF, NF, NF, OK, TF, NF),
    "application_review_get":   (LOGIN, NF, NF, NF, NF, OK, TF, NF),
    "application_review_post":  (LOGIN, NF, NF, NF, NF, OK, TF, NF),
    "status_get":               (LOGIN, NF, NF, NF, NF, OK, TF, NF),
    "status_post":              (LOGIN, NF, NF, NF, NF, OK, TF, NF),
    "import_get":               (LOGIN, NF, NF, NF, NF, OK, TF, NF),
    "import_post":              (LOGIN, NF, NF, NF, NF, OK, TF, NF),
    "outbox_get":               (LOGIN, NF, NF, NF, NF, OK, TF, NF),
    # public pages: the visitor is not sent to sign in
    "profile_contacts_a":       (HIDDEN, HIDDEN, OK, OK, OK, OK, HIDDEN, HIDDEN),
    "profile_suspended":        (NF, NF, NF, NF, NF, OK, NF, OK),
    "profile_withdrawn":        (NF, NF, NF, NF, NF, OK, NF, NF),
}

# The URL names this matrix requests (tests/coalition/test_security.py checks every pattern is in one).
COVERED_URL_NAMES = url_names(action.path for action in ACTIONS.values())


def _hidden(response, content, world, user):
    assert response.status_code == 200
    assert "連絡先は、ログインした会員機関の教職員に表示されます。" in content


def _already(response, content, world, user):
    assert response.status_code == 200
    assert response.context["form"].errors == {"institution": [ALREADY_TEXT]}
    assert ALREADY_TEXT in content


@pytest.mark.parametrize(("action_name", "role", "outcome"), cells(ACTIONS, MATRIX, ROLES))
def test_members_action_as_role_has_expected_outcome(client, world, deliver, action_name, role, outcome):
    check_cell(client, world, action=ACTIONS[action_name], user=world.users[role], outcome=outcome, state=db_state,
               deliver=deliver, outcomes={HIDDEN: Outcome(_hidden), ALREADY: Outcome(_already)})


# ---------------------------------------------------------------------------------------------
# Around the matrix
# ---------------------------------------------------------------------------------------------


def test_contact_of_suspended_institution_cannot_edit_or_decide_for_it(client, world):
    """A contact's rights lapse with the membership: the profile and the requests wait for the secretariat."""
    contact = world.suspended.affiliations.get(role=Affiliation.Role.CONTACT).user
    asks = AffiliationFactory(institution=world.suspended, status=Affiliation.Status.PENDING)
    client.force_login(contact)
    before = db_state()

    edit = client.post(f"/ja/members/{world.suspended.slug}/edit/", edit_data(world.suspended))
    decide = client.post(f"/ja/account/affiliations/{asks.pk}/decide/", {"decision": "approve"})

    assert (edit.status_code, decide.status_code) == (404, 404)
    assert Affiliation.objects.get(pk=asks.pk).status == Affiliation.Status.PENDING
    assert db_state() == before


def test_affiliation_request_by_unverified_user_sends_to_verification(client, world):
    user = UserFactory(email="unverified@example.org", verified=False)
    client.force_login(user)
    before = db_state()

    page = client.get("/ja/account/affiliations/new/")
    post = client.post("/ja/account/affiliations/new/", {"institution": world.a.pk})

    assert (page.status_code, page["Location"]) == (302, "/ja/accounts/email/")
    assert (post.status_code, post["Location"]) == (302, "/ja/accounts/email/")
    assert db_state() == before


def test_secretariat_without_two_factor_is_told_why(client, world):
    client.force_login(world.users["secretariat_no_2fa"])
    response = client.get("/ja/secretariat/", follow=True)
    # the setup page itself first asks for the password again (allauth), which is where the message shows
    assert response.redirect_chain[0] == (TWO_FACTOR_SETUP_URL, 302)
    assert "事務局の操作には二要素認証が必要です。設定してから続けてください。" in response.content.decode()


def test_affiliation_action_on_missing_affiliation_is_404_for_contact(client, world):
    client.force_login(world.users["contact_a"])
    response = client.post("/ja/account/affiliations/999999/decide/", {"decision": "approve"})
    assert response.status_code == 404


def test_staff_may_end_own_affiliation(client, world):
    """The one object action a plain staff member has: leaving."""
    user = world.users["staff_a"]
    own = Affiliation.objects.get(user=user, institution=world.a)
    client.force_login(user)

    response = client.post(f"/ja/account/affiliations/{own.pk}/end/", {"reason": "異動"})

    assert (response.status_code, response["Location"]) == (302, "/ja/account/")
    assert Affiliation.objects.get(pk=own.pk).status == Affiliation.Status.ENDED


def test_affiliation_action_next_pointing_off_site_is_ignored(client, world):
    client.force_login(world.users["contact_a"])
    response = client.post(f"/ja/account/affiliations/{world.pending[world.a].pk}/decide/",
                           {"decision": "approve", "next": "https://evil.example.com/"})
    assert response["Location"] == "/ja/members/univ-a/people/"


def test_refused_people_page_shows_nothing_of_b_to_contact_of_a(client, world):
    """The 404 of B's people page names none of B's people."""
    client.force_login(world.users["contact_a"])
    content = client.get(f"/ja/members/{world.b.slug}/people/").content.decode()
    for email in ("asks@beta.example.ac.jp", "colleague@beta.example.ac.jp", "contact@beta.example.ac.jp"):
        assert email not in content


def test_logo_upload_by_refused_role_stores_nothing(client, world, settings, tmp_path):
    """A refused edit with a file attached leaves no file behind."""
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.users["staff_a"])
    png = _png_bytes()
    response = client.post(f"/ja/members/{world.a.slug}/edit/",
                           {**edit_data(world.a), "logo": SimpleUploadedFile("logo.png", png, "image/png")})
    assert response.status_code == 404
    assert list(tmp_path.rglob("*.*")) == []
    assert refreshed(world.a).logo.name == ""


def _png_bytes() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(out, "PNG")
    return out.getvalue()
