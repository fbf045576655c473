"""Affiliations: asked by a person, suggested by e-mail domain, decided by the contact."""

import pytest
from django.core import mail

from members.audit.models import AuditEntry
from members.models import Affiliation
from tests.factories import EmailDomainFactory, InstitutionFactory, UserFactory, secretariat_user, staff_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def shinshu():
    inst = InstitutionFactory(slug="shinshu", name_ja="信州大学", name_en="Shinshu University", name_kana="しんしゅう")
    EmailDomainFactory(institution=inst, domain="shinshu-u.ac.jp")
    return inst


def test_institutions_matching_the_email_domain_are_suggested_first(client, shinshu):
    InstitutionFactory(name_ja="愛知大学", name_kana="あいち")
    user = UserFactory(email="taro@lab.shinshu-u.ac.jp")
    client.force_login(user)
    page = client.get("/ja/account/affiliations/new/")
    html = page.content.decode()
    assert "メールアドレスからの候補: <strong>信州大学</strong>" in html
    assert page.context["form"]["institution"].value() == shinshu.pk
    groups = page.context["form"].fields["institution"].choices
    assert groups[1][0] == "メールアドレスから推定した候補"
    assert [label for _, label in groups[1][1]] == ["信州大学"]


def test_request_notifies_contacts_then_contact_approves_with_role(client, deliver, shinshu):
    contact = staff_of(shinshu, role="contact", email="kobayashi@shinshu.example", language="en")
    user = UserFactory(email="taro@shinshu-u.ac.jp", name="山田 太郎", language="ja")
    client.force_login(user)
    with deliver():
        response = client.post("/ja/account/affiliations/new/",
                               {"institution": shinshu.pk, "title": "助教", "message": "環境学部です"})
    assert response["Location"] == "/ja/account/"
    request = Affiliation.objects.get(user=user)
    assert request.status == "pending"
    (notice,) = mail.outbox
    assert notice.to == ["kobayashi@shinshu.example"]
    assert notice.subject == "山田 太郎 asks to join Shinshu University on the portal"
    assert notice.reply_to == ["taro@shinshu-u.ac.jp"]
    mail.outbox.clear()
    client.force_login(contact)
    people = client.get("/ja/members/shinshu/people/").content.decode()
    assert "山田 太郎" in people and "環境学部です" in people
    with deliver():
        client.post(f"/ja/account/affiliations/{request.pk}/decide/", {"decision": "approve", "role": "staff"})
    request.refresh_from_db()
    assert (request.status, request.role, request.decided_by) == ("approved", "staff", contact)
    (decided,) = mail.outbox
    assert decided.to == ["taro@shinshu-u.ac.jp"]
    assert decided.subject == "信州大学への所属が承認されました"
    assert decided.reply_to == ["kobayashi@shinshu.example"]
    assert AuditEntry.objects.filter(action="affiliation.approve", institution_id=shinshu.pk).count() == 1


def test_refusing_needs_a_reason_that_the_person_reads(client, deliver, shinshu):
    contact = staff_of(shinshu, role="contact")
    request = Affiliation.objects.create(user=UserFactory(language="en"), institution=shinshu)
    client.force_login(contact)
    response = client.post(f"/en/account/affiliations/{request.pk}/decide/", {"decision": "refuse", "reason": ""},
                           follow=True)
    assert "Give the reason; the person will read it." in response.content.decode()
    request.refresh_from_db()
    assert request.status == "pending"
    with deliver():
        client.post(f"/en/account/affiliations/{request.pk}/decide/",
                    {"decision": "refuse", "reason": "Not a member of our staff."})
    request.refresh_from_db()
    assert request.status == "refused"
    assert "Not a member of our staff." in mail.outbox[-1].body


def test_request_without_contact_goes_to_the_secretariat(client, deliver, shinshu):
    secretary = secretariat_user(email="sec@coalition.example")
    client.force_login(UserFactory())
    with deliver():
        client.post("/ja/account/affiliations/new/", {"institution": shinshu.pk})
    assert [m.to for m in mail.outbox] == [["sec@coalition.example"]]
    assert secretary.notifications.get().kind == "affiliation_requested"


def test_asking_twice_for_the_same_institution_is_refused(client, shinshu):
    user = UserFactory()
    client.force_login(user)
    client.post("/ja/account/affiliations/new/", {"institution": shinshu.pk})
    again = client.post("/ja/account/affiliations/new/", {"institution": shinshu.pk})
    assert "この機関にはすでに所属しているか、申請中です。" in again.content.decode()
    assert Affiliation.objects.filter(user=user).count() == 1


def test_one_representative_per_institution(client, shinshu):
    contact = staff_of(shinshu, role="representative")
    other = Affiliation.objects.create(user=UserFactory(), institution=shinshu, status="approved", role="staff")
    client.force_login(contact)
    response = client.post(f"/ja/account/affiliations/{other.pk}/role/", {"role": "representative"}, follow=True)
    assert "この機関にはすでに代表者がいます。" in response.content.decode()
    other.refresh_from_db()
    assert other.role == "staff"


def test_person_leaves_and_loses_staff_rights(client, shinshu):
    user = staff_of(shinshu)
    affiliation = user.affiliations.get()
    client.force_login(user)
    response = client.post(f"/ja/account/affiliations/{affiliation.pk}/end/", {"next": "/ja/account/"})
    assert response["Location"] == "/ja/account/"
    affiliation.refresh_from_db()
    assert affiliation.status == "ended"
    other = InstitutionFactory(slug="other")
    staff_of(other, role="contact", email="contact@other.example")
    # no longer staff: contacts of members are hidden again
    assert "contact@other.example" not in client.get("/ja/members/other/").content.decode()


def test_account_page_lists_affiliations_and_saves_name_and_language(client, shinshu):
    user = UserFactory(name="旧姓")
    Affiliation.objects.create(user=user, institution=shinshu, status="refused", reason="在籍確認ができません")
    client.force_login(user)
    html = client.get("/ja/account/").content.decode()
    assert "信州大学" in html and "不承認" in html and "在籍確認ができません" in html
    response = client.post("/ja/account/", {"name": "新姓 花子", "language": "en"})
    assert response["Location"] == "/ja/account/"
    user.refresh_from_db()
    assert (user.name, user.language) == ("新姓 花子", "en")
