"""Membership applications end to end: the public form, the secretariat's decisions, the invitation."""

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone

from members.audit.models import AuditEntry
from members.models import Affiliation, Institution, MembershipApplication
from tests.factories import PASSWORD, InstitutionFactory, UserFactory, WorkingGroupFactory, secretariat_user
from working_groups.models import Participation

pytestmark = pytest.mark.django_db

FORM = {
    "name_ja": "静岡県立大学", "name_en": "University of Shizuoka", "name_kana": "しずおかけんりつだいがく",
    "kind": "public", "category": "participating", "prefecture": "22", "website": "https://www.u-shizuoka-ken.ac.jp/",
    "email_domain": "u-shizuoka-ken.ac.jp", "target_year": "2050", "applicant_name": "望月 理恵",
    "applicant_title": "総務課", "applicant_email": "mochizuki@u-shizuoka.example", "representative_name": "鈴木 学",
    "representative_title": "学長", "message": "よろしくお願いします。", "consent": "on",
}


@pytest.fixture
def sec():
    return secretariat_user(email="sec@coalition.example", language="en")


def apply(client, deliver, lang="ja", **overrides):
    with deliver():
        return client.post(f"/{lang}/members/apply/", {**FORM, **overrides})


def test_application_form_saves_confirms_and_mails_applicant_and_secretariat(client, deliver, sec):
    WorkingGroupFactory(slug="campus", name_ja="ゼロカーボン・キャンパスWG")
    response = apply(client, deliver, intended_groups=["campus"])
    assert response["Location"] == "/ja/members/apply/sent/"
    application = MembershipApplication.objects.get()
    assert (application.status, application.intended_groups, application.language) == ("submitted", ["campus"], "ja")
    done = client.get("/ja/members/apply/sent/").content.decode()
    assert application.reference in done
    assert "mochizuki@u-shizuoka.example" in done
    receipt, notice = sorted(mail.outbox, key=lambda m: m.to[0] != FORM["applicant_email"])
    assert receipt.to == [FORM["applicant_email"]]
    assert receipt.subject == "静岡県立大学の入会申込を受け付けました"
    assert application.reference in receipt.body
    assert notice.to == ["sec@coalition.example"]
    assert notice.subject == "New membership application: University of Shizuoka"  # the secretary reads English
    assert notice.reply_to == [FORM["applicant_email"]]
    assert f"/en/secretariat/applications/{application.pk}/" in notice.body


def test_application_honeypot_pretends_success_and_saves_nothing(client, deliver):
    response = apply(client, deliver, website_url="http://spam.example/")
    assert response["Location"] == "/ja/members/apply/sent/"
    assert MembershipApplication.objects.count() == 0
    assert mail.outbox == []


def test_application_form_is_rate_limited_per_address(client, deliver):
    for n in range(5):
        apply(client, deliver, name_ja=f"テスト大学{n}", name_en=f"Test {n}", email_domain="")
    response = apply(client, deliver, name_ja="六番目大学", name_en="Sixth", email_domain="")
    assert response.status_code == 200
    assert "この1時間にお使いのネットワークから多数の申込がありました。" in response.content.decode()
    assert MembershipApplication.objects.count() == 5


def test_approve_creates_member_makes_verified_applicant_contact_and_requests_groups(client, deliver, sec):
    applicant = UserFactory(email=FORM["applicant_email"], language="ja")
    campus = WorkingGroupFactory(slug="campus")
    WorkingGroupFactory(slug="open", is_open=True)
    apply(client, deliver, intended_groups=["campus", "open"])
    application = MembershipApplication.objects.get()
    mail.outbox.clear()
    client.force_login(sec)
    with deliver():
        response = client.post(f"/en/secretariat/applications/{application.pk}/", {"decision": "approve"})
    assert response["Location"] == "/en/secretariat/"
    inst = Institution.objects.get(name_ja="静岡県立大学")
    assert (inst.status, inst.joined_on, inst.slug) == ("active", timezone.localdate(), "university-of-shizuoka")
    assert list(inst.email_domains.values_list("domain", flat=True)) == ["u-shizuoka-ken.ac.jp"]
    contact = Affiliation.objects.get(institution=inst)
    assert (contact.user, contact.role, contact.status) == (applicant, "contact", "approved")
    statuses = dict(Participation.objects.filter(institution=inst).values_list("group__slug", "status"))
    assert statuses == {"campus": "pending", "open": "active"}
    assert campus.participations.get().message == f"Named in the membership application {application.reference}."
    (decision,) = [m for m in mail.outbox if m.to == [FORM["applicant_email"]]]
    assert decision.subject == "コアリションへようこそ: 静岡県立大学の入会が承認されました"
    # the group without coordinators: the secretariat hears of the institution's request
    (request,) = [m for m in mail.outbox if m.to == ["sec@coalition.example"]]
    assert request.subject == "University of Shizuoka asks to take part in " + campus.name_en
    assert "/ja/accounts/login/" in decision.body  # has an account: sign in
    actions = set(AuditEntry.objects.filter(institution_id=inst.pk).values_list("action", flat=True))
    assert actions == {"application.approve", "institution.join", "affiliation.approve", "participation.approve"}
    # the public sees the new member
    assert "静岡県立大学" in client.get("/ja/members/").content.decode()


def test_approving_twice_is_refused_and_creates_one_member(client, deliver, sec):
    apply(client, deliver)
    application = MembershipApplication.objects.get()
    client.force_login(sec)
    client.post(f"/ja/secretariat/applications/{application.pk}/", {"decision": "approve"})
    again = client.post(f"/ja/secretariat/applications/{application.pk}/", {"decision": "approve"})
    assert again.status_code == 200
    assert "この申込はすでに判断済みです（承認済み）。" in again.content.decode()
    assert Institution.objects.filter(name_ja="静岡県立大学").count() == 1


def test_applicant_without_account_becomes_contact_once_the_address_is_verified(client, deliver, sec):
    apply(client, deliver)
    application = MembershipApplication.objects.get()
    client.force_login(sec)
    with deliver():
        client.post(f"/ja/secretariat/applications/{application.pk}/", {"decision": "approve"})
    assert "/ja/accounts/signup/" in mail.outbox[-1].body  # no account yet: invited to sign up
    client.logout()
    with deliver():
        client.post("/ja/accounts/signup/", {"email": FORM["applicant_email"], "password1": PASSWORD,
                                             "password2": PASSWORD, "name": "望月 理恵", "language": "ja"})
    inst = Institution.objects.get(name_ja="静岡県立大学")
    assert not Affiliation.objects.filter(institution=inst).exists()  # not before the address is proven
    link = re.search(r"http://testserver(/ja/accounts/confirm-email/\S+/)", mail.outbox[-1].body).group(1)
    client.post(link)
    contact = Affiliation.objects.get(institution=inst)
    assert (contact.user.email, contact.role, contact.status) == (FORM["applicant_email"], "contact", "approved")
    application.refresh_from_db()
    assert application.contact_granted is True


def test_return_for_changes_then_resubmit_through_the_signed_link(client, deliver, sec):
    apply(client, deliver, lang="en")
    application = MembershipApplication.objects.get()
    client.force_login(sec)
    with deliver():
        client.post(f"/en/secretariat/applications/{application.pk}/",
                    {"decision": "return", "reason": "Add the representative's position."})
    client.logout()
    returned = mail.outbox[-1]
    assert returned.subject == "Your membership application for University of Shizuoka needs changes"
    assert "Add the representative's position." in returned.body
    link = re.search(r"http://testserver(/en/members/apply/edit/\S+/)", returned.body).group(1)
    page = client.get(link)
    assert page.status_code == 200
    assert "Add the representative&#x27;s position." in page.content.decode()
    assert page.context["form"]["name_ja"].value() == "静岡県立大学"
    with deliver():
        response = client.post(link, {**FORM, "representative_title": "President"})
    assert response["Location"] == "/en/members/apply/sent/"
    application.refresh_from_db()
    assert (application.status, application.representative_title) == ("submitted", "President")
    assert MembershipApplication.objects.count() == 1
    # the link worked once: it is now refused and changes nothing
    stale = client.post(link, {**FORM, "representative_title": "Someone else"})
    assert stale.status_code == 400
    application.refresh_from_db()
    assert application.representative_title == "President"


def test_reject_needs_a_reason_and_tells_the_applicant(client, deliver, sec):
    apply(client, deliver)
    application = MembershipApplication.objects.get()
    client.force_login(sec)
    no_reason = client.post(f"/ja/secretariat/applications/{application.pk}/", {"decision": "reject", "reason": " "})
    assert "理由を入力してください。申込者に送られます。" in no_reason.content.decode()
    application.refresh_from_db()
    assert application.status == "submitted"
    with deliver():
        client.post(f"/ja/secretariat/applications/{application.pk}/",
                    {"decision": "reject", "reason": "対象外の機関です。"})
    application.refresh_from_db()
    assert (application.status, application.reason) == ("rejected", "対象外の機関です。")
    assert "対象外の機関です。" in mail.outbox[-1].body
    assert not Institution.objects.filter(name_ja="静岡県立大学").exists()


def test_secretariat_queue_lists_waiting_applications_and_stale_affiliations(client, deliver, sec):
    apply(client, deliver)
    inst = InstitutionFactory(name_ja="東北大学")
    old = Affiliation.objects.create(user=UserFactory(name="佐藤 健太"), institution=inst,
                                     created_at=timezone.now() - datetime.timedelta(days=9))
    Affiliation.objects.create(user=UserFactory(name="新人 一郎"), institution=inst)
    client.force_login(sec)
    html = client.get("/ja/secretariat/").content.decode()
    assert "判断待ちの入会申込 1件" in html
    assert "静岡県立大学" in html
    assert old.user.name in html
    assert "新人 一郎" not in html  # asked today: the contact still has time


def test_status_change_hides_member_and_records_history(client, sec):
    inst = InstitutionFactory(slug="gone", name_ja="停止予定大学")
    staff = UserFactory()
    Affiliation.objects.create(user=staff, institution=inst, status="approved", role="contact")
    client.force_login(sec)
    response = client.post("/ja/secretariat/members/gone/status/",
                           {"status": "suspended", "reason": "会費未納のため（総会決議）"})
    assert response["Location"] == "/ja/secretariat/members/?status=suspended"
    client.logout()
    assert client.get("/ja/members/gone/").status_code == 404
    assert "停止予定大学" not in client.get("/ja/members/").content.decode()
    client.force_login(staff)  # its contact no longer acts for it
    assert client.get("/ja/members/gone/edit/").status_code == 404
    client.force_login(sec)
    history = client.get("/ja/members/gone/history/").content.decode()
    assert "会員資格を停止" in history and "会費未納のため（総会決議）" in history
    assert "sec@coalition.example" in history


def test_verified_email_needed_to_ask_for_an_affiliation(client):
    user = UserFactory(verified=False)
    EmailAddress.objects.filter(user=user).delete()
    client.force_login(user)
    response = client.get("/ja/account/affiliations/new/")
    assert response["Location"] == "/ja/accounts/email/"
