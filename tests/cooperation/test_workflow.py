"""A need's life: the public form, the e-mail confirmation, review, interest, introduction, closing;
with the bad input and the links that must not work."""

import re

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError

from members.audit.models import AuditEntry
from members.notifications.models import Notification
from working_groups.cooperation import services
from working_groups.cooperation.models import Interest, Need, Partner
from working_groups.cooperation.tokens import SALT, confirm_token
from working_groups.models import Initiative

from .conftest import make_need

pytestmark = pytest.mark.django_db


def form_data(world, **overrides):
    data = {
        "title": "公共施設の省エネ診断", "description": "市の公共施設の省エネ診断をお願いしたいです。",
        "themes": [world.group.pk], "help_kind": "advice", "prefecture": "20", "period": "2027年度",
        "organisation": "みどり野市", "organisation_kind": "municipality", "contact_name": "市役所 花子",
        "contact_role": "環境課", "contact_email": "Hanako@Town.example.jp", "consent": "on", "website_url": "",
    }
    data.update(overrides)
    return data


def confirm_link(message) -> str:
    return re.search(r"http://testserver(/\w\w/needs/confirm/[^/\s]+/)", message.body).group(1)


def test_submission_sends_a_confirmation_link_and_reaches_nobody_else(client, world, deliver):
    with deliver():
        response = client.post("/ja/needs/new/", form_data(world))
    assert (response.status_code, response["Location"]) == (302, "/ja/needs/sent/")
    need = Need.objects.get(title="公共施設の省エネ診断")
    assert (need.status, need.contact_email, need.language) == ("unconfirmed", "hanako@town.example.jp", "ja")
    assert [m.to for m in mail.outbox] == [["hanako@town.example.jp"]]
    assert "確認" in mail.outbox[0].subject
    assert client.get("/ja/needs/sent/").content.decode().count("hanako@town.example.jp") == 1
    # not on the board, not in the feed
    assert "公共施設の省エネ診断" not in client.get("/ja/needs/?status=all").content.decode()


def test_confirmation_link_confirms_once_and_tells_the_reviewers(client, world, deliver):
    with deliver():
        client.post("/en/needs/new/", form_data(world))
    link = confirm_link(mail.outbox[0])
    assert link.startswith("/en/")
    mail.outbox.clear()
    page = client.get(link)  # a mail scanner following the link confirms nothing
    assert page.status_code == 200 and "Confirm" in page.content.decode()
    assert Need.objects.get(title="公共施設の省エネ診断").status == "unconfirmed"
    with deliver():
        response = client.post(link)
    need = Need.objects.get(title="公共施設の省エネ診断")
    assert response.status_code == 200 and "your address is confirmed" in response.content.decode()
    assert need.status == "submitted" and need.confirmed_at is not None
    # the secretariat and the group's coordinator hear of it
    assert sorted(m.to[0] for m in mail.outbox) == ["coordinator@gamma.example.ac.jp", "desk@coalition.example.org",
                                                    "new-desk@coalition.example.org"]
    mail.outbox.clear()
    with deliver():
        again = client.post(link)  # reused: says so, changes nothing, sends nothing
    assert again.status_code == 200 and "already confirmed" in again.content.decode()
    assert mail.outbox == []
    assert AuditEntry.objects.filter(action="need.submit").count() == 1


@pytest.mark.parametrize("token", ["garbage", "eyJuIjoxfQ:1abc:xyz", ""])
def test_tampered_confirmation_links_are_refused(client, world, token):
    need = make_need(title="未確認", themes=[world.group], status=Need.Status.UNCONFIRMED)
    if token == "":
        token = confirm_token(need)[:-2] + "xx"
    response = client.post(f"/ja/needs/confirm/{token}/")
    assert response.status_code in (400, 404)
    if response.status_code == 400:
        assert "このリンクは使えません" in response.content.decode()
    need.refresh_from_db()
    assert need.status == "unconfirmed"


def test_expired_confirmation_link_says_so(client, world, settings, monkeypatch):
    need = make_need(title="未確認", themes=[world.group], status=Need.Status.UNCONFIRMED)
    token = confirm_token(need)
    monkeypatch.setattr("working_groups.cooperation.tokens.MAX_AGE", -1)
    response = client.post(f"/ja/needs/confirm/{token}/")
    assert response.status_code == 400
    assert "有効期限" in response.content.decode()
    need.refresh_from_db()
    assert need.status == "unconfirmed"


def test_token_for_another_address_does_not_confirm(client, world):
    need = make_need(title="未確認", themes=[world.group], status=Need.Status.UNCONFIRMED)
    forged = signing.dumps({"n": need.pk, "e": "attacker@example.org"}, salt=SALT)
    assert client.post(f"/ja/needs/confirm/{forged}/").status_code == 400
    need.refresh_from_db()
    assert need.status == "unconfirmed"


def test_honeypot_saves_and_sends_nothing(client, world, deliver):
    with deliver():
        response = client.post("/ja/needs/new/", form_data(world, website_url="http://spam.example"))
    assert response.status_code == 302
    assert Need.objects.filter(title="公共施設の省エネ診断").count() == 0
    assert mail.outbox == []


@pytest.mark.parametrize("overrides, field", [
    ({"title": "  "}, "title"), ({"themes": []}, "themes"), ({"contact_email": "not-an-address"}, "contact_email"),
    ({"help_kind": "bribe"}, "help_kind"), ({"prefecture": "99"}, "prefecture"), ({"consent": ""}, "consent"),
    ({"description": "x" * 9000}, "description"), ({"themes": ["99999999999999999999"]}, "themes"),
    ({"title": "a\x00b"}, "title"),
])
def test_bad_input_explains_and_saves_nothing(client, world, overrides, field):
    response = client.post("/ja/needs/new/", form_data(world, **overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert "修正してください" in response.content.decode()
    assert Need.objects.filter(contact_email="hanako@town.example.jp").count() == 0
    assert mail.outbox == []


def test_rate_limit_per_address(client, world):
    for n in range(3):
        assert client.post("/ja/needs/new/", form_data(world, title=f"課題{n}")).status_code == 302
    response = client.post("/ja/needs/new/", form_data(world, title="課題4"))
    assert response.status_code == 200
    assert "しばらくしてから" in response.content.decode()
    assert Need.objects.filter(title="課題4").count() == 0


def test_publish_links_the_partner_and_tells_the_submitter_and_group_members(client, world, deliver):
    secretariat = world.users["secretariat"]
    client.force_login(secretariat)
    with deliver():
        response = client.post(f"/ja/needs/{world.submitted.pk}/publish/")
    assert response.status_code == 302
    need = Need.objects.get(pk=world.submitted.pk)
    assert need.status == "published" and need.published_at is not None
    assert need.partner == world.partner  # found by name, not duplicated
    assert Partner.objects.count() == 1
    assert [m.to[0] for m in mail.outbox] == ["official@town.example.jp"]
    # the coordinator, a member of the group, chose nothing: new needs reach them in the digest's
    # section, not one by one (as for initiatives)
    assert not Notification.objects.filter(kind="need_published").exists()
    assert "審査待ちの地域課題" in client.get("/ja/needs/").content.decode()


def test_decline_needs_a_reason_which_the_submitter_reads(client, world, deliver):
    client.force_login(world.users["coordinator"])
    with deliver():
        response = client.post(f"/ja/needs/{world.submitted.pk}/decline/", {"reason": ""})
    assert response.status_code == 200
    assert "理由" in response.content.decode()
    assert Need.objects.get(pk=world.submitted.pk).status == "submitted"
    assert mail.outbox == []
    with deliver():
        client.post(f"/ja/needs/{world.submitted.pk}/decline/", {"reason": "研究協力の依頼ではないため"})
    assert Need.objects.get(pk=world.submitted.pk).status == "declined"
    assert "研究協力の依頼ではないため" in mail.outbox[0].body


def test_interest_then_introduction_sends_one_email_to_each_party_once(client, world, deliver):
    need = world.published
    staff = world.users["staff_a"]
    client.force_login(staff)
    with deliver():
        response = client.post(f"/ja/needs/{need.pk}/interest/",
                               {"institution": world.a.pk, "message": "森林計測の経験があります。"})
    assert response.status_code == 302
    interest = Interest.objects.get(institution=world.a)
    assert interest.user == staff
    # the reviewers hear of it
    assert "desk@coalition.example.org" in [m.to[0] for m in mail.outbox]
    mail.outbox.clear()
    # a second offer for the same institution is refused, nothing saved
    again = client.post(f"/ja/needs/{need.pk}/interest/", {"institution": world.a.pk, "message": "再送"})
    assert again.status_code == 200 and Interest.objects.filter(institution=world.a).count() == 1

    client.force_login(world.users["secretariat"])
    with deliver():
        client.post(f"/ja/needs/interests/{interest.pk}/introduce/")
    assert sorted(m.to[0] for m in mail.outbox) == ["official@town.example.jp", "staff@alpha.example.ac.jp"]
    to_submitter = next(m for m in mail.outbox if m.to == ["official@town.example.jp"])
    assert "staff@alpha.example.ac.jp" in to_submitter.body and "森林計測の経験があります。" in to_submitter.body
    to_staff = next(m for m in mail.outbox if m.to == ["staff@alpha.example.ac.jp"])
    assert "official@town.example.jp" in to_staff.body
    need.refresh_from_db()
    assert need.status == "in-discussion"
    mail.outbox.clear()
    with deliver():
        client.post(f"/ja/needs/interests/{interest.pk}/introduce/")  # twice: nothing more
    assert mail.outbox == []
    assert Notification.objects.filter(kind="need_introduction").count() == 2
    assert Interest.objects.get(institution=world.d).introduced_at is None

    with deliver():
        client.post(f"/ja/needs/{need.pk}/matched/")
    need.refresh_from_db()
    assert need.status == "matched"
    history = client.get(f"/ja/needs/{need.pk}/").content.decode()
    for action in ("need.interest", "need.introduce", "need.match"):
        assert action in history


def test_introduction_in_each_recipients_language(world, deliver):
    staff = world.users["staff_b"]
    staff.language = "en"
    staff.save()
    need = make_need(title="Heat pumps for the town hall", themes=[world.group])
    need.language = "ja"
    need.save()
    interest = services.interest_express(need=need, user=staff, institution=world.b, message="We can help.")
    mail.outbox.clear()
    with deliver():
        services.need_introduce(interest=interest, by=world.users["secretariat"])
    by_address = {m.to[0]: m for m in mail.outbox}
    assert by_address["staff@beta.example.ac.jp"].subject.startswith("Introduction")
    assert by_address["official@town.example.jp"].subject.startswith("ご紹介")


def test_submitter_address_never_public(client, world):
    for path in ("/ja/needs/", f"/ja/needs/{world.published.pk}/", "/ja/needs/?format=csv", "/ja/needs/?format=json",
                 "/ja/needs/feed/", f"/ja/partners/{world.partner.slug}/"):
        response = client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert "official@town.example.jp" not in body.decode(), path
        assert "市役所 花子" not in body.decode(), path


def test_closing_needs_a_listed_need(world):
    with pytest.raises(ValidationError):
        services.need_close(need=world.submitted, by=world.users["secretariat"])
    closed = services.need_close(need=world.published, by=world.users["secretariat"], reason="達成")
    assert closed.status == "closed"


def test_weekly_digest_has_the_new_needs_of_my_groups(world):
    import datetime
    from types import SimpleNamespace

    from django.utils import timezone

    from working_groups.cooperation.selectors import needs_for_digest

    coordinator, staff_b = world.users["coordinator"], world.users["staff_b"]
    week = SimpleNamespace(start=timezone.now() - datetime.timedelta(days=7), end=timezone.now())
    section = needs_for_digest([coordinator, staff_b], week)
    assert [item["title"] for item in section[coordinator.pk]] == [world.published.title]
    assert section[coordinator.pk][0]["meta"] == "みどり野市"
    assert staff_b.pk not in section  # not a member of the group


def test_an_initiative_is_created_from_a_matched_need_and_links_back(client, world, deliver):
    need = world.published
    interest = services.interest_express(need=need, user=world.users["staff_a"], institution=world.a,
                                         message="協力します。")
    services.need_introduce(interest=interest, by=world.users["secretariat"])
    services.need_mark_matched(need=need, by=world.users["secretariat"])
    client.force_login(world.users["staff_b"])  # B was not introduced
    assert client.post(f"/ja/needs/{need.pk}/initiative/").status_code == 404
    client.force_login(world.users["staff_a"])
    response = client.post(f"/ja/needs/{need.pk}/initiative/")
    need.refresh_from_db()
    initiative = need.initiative
    assert response["Location"] == f"/ja/initiatives/{initiative.slug}/edit/"
    assert (initiative.institution, initiative.status, initiative.prefecture) == (world.a, "draft", "20")
    assert list(initiative.themes.all()) == [world.group]
    assert initiative.partners == "みどり野市" and world.partner.initiatives.filter(pk=initiative.pk).exists()
    assert client.post(f"/ja/needs/{need.pk}/initiative/").status_code == 404  # once
    # published, it is the outcome on the need's page and on the partner's
    Initiative.objects.filter(pk=initiative.pk).update(status="published", published_at=need.published_at)
    assert initiative.title in client.get(f"/ja/needs/{need.pk}/").content.decode()
    assert initiative.title in client.get("/ja/partners/midorino/").content.decode()


def test_institution_profile_and_home_show_cooperation(client, world):
    services.need_introduce(interest=world.interest, by=world.users["secretariat"])
    profile = client.get("/ja/members/univ-a/").content.decode()
    assert world.expertise.title in profile and world.members_only.title not in profile
    assert world.published.title in client.get("/ja/members/univ-d/").content.decode()
    assert world.published.title in client.get("/ja/").content.decode()


def test_a_new_partner_record_is_linked_to_initiatives_naming_it(world):
    from tests.working_groups.test_permissions import make_initiative

    named = make_initiative(institution=world.a, author=world.users["staff_a"], slug="with-town", title="町と協働",
                            body="本文", themes=[world.group])
    Initiative.objects.filter(pk=named.pk).update(partners="さくら川町\n森林組合")
    other = make_initiative(institution=world.a, author=world.users["staff_a"], slug="other-town", title="別の町",
                            body="本文", themes=[world.group])
    Initiative.objects.filter(pk=other.pk).update(partners="さくら川町商工会")  # not the same name
    partner = services.partner_save(data={"kind": "municipality", "name_ja": "さくら川町", "name_en": "Sakuragawa Town",
                                          "prefecture": "03"})
    assert list(partner.initiatives.all()) == [named]
    with pytest.raises(ValidationError):
        services.partner_save(data={"kind": "municipality", "name_ja": "誤り町", "prefecture": "03",
                                    "municipality_code": "20901"})


def test_returned_need_is_answered_through_its_link_once(client, world, deliver):
    client.force_login(world.users["coordinator"])
    with deliver():
        client.post(f"/ja/needs/{world.submitted.pk}/return/", {"reason": ""})
    assert Need.objects.get(pk=world.submitted.pk).status == "submitted"  # a question is required
    assert mail.outbox == []
    with deliver():
        client.post(f"/ja/needs/{world.submitted.pk}/return/", {"reason": "対象の施設はいくつですか。"})
    need = Need.objects.get(pk=world.submitted.pk)
    assert need.status == "returned"
    [message] = mail.outbox
    assert message.to == ["official@town.example.jp"] and "対象の施設はいくつですか。" in message.body
    link = re.search(r"http://testserver(/ja/needs/edit/[^/\s]+/)", message.body).group(1)
    client.logout()
    page = client.get(link).content.decode()
    assert "対象の施設はいくつですか。" in page
    mail.outbox.clear()
    with deliver():
        response = client.post(link, form_data(world, title="審査待ちの地域課題", description="施設は12か所です。",
                                               contact_email="changed@evil.example"))
    assert response.status_code == 302
    need.refresh_from_db()
    assert (need.status, need.description, need.contact_email) == ("submitted", "施設は12か所です。",
                                                                   "official@town.example.jp")
    assert "desk@coalition.example.org" in [m.to[0] for m in mail.outbox]
    assert client.get(link).status_code == 400  # answered: the link no longer works


def test_edit_link_tampered_or_for_another_need_is_refused(client, world):
    assert client.get(f"/ja/needs/edit/{world.edit_token}x/").status_code == 400
    assert client.get(f"/ja/needs/edit/{world.confirm_token}/").status_code == 400  # another salt
    assert client.get(f"/ja/needs/edit/{world.edit_token}/").status_code == 200


def test_new_need_reaches_staff_of_theme_institutions_in_its_region_who_asked(world, deliver):
    from members.notifications.models import NotificationPreference
    from working_groups.models import Participation

    near = world.a  # Nagano (Chubu), like the need
    far = world.b  # Fukuoka
    for institution in (near, far):
        Participation.objects.create(group=world.group, institution=institution, status="active")
    for user in (world.users["staff_a"], world.users["staff_b"]):
        NotificationPreference.objects.create(user=user, kind="need_published", delivery="immediate")
    with deliver():
        services.need_publish(need=world.submitted, by=world.users["secretariat"])
    rows = Notification.objects.filter(kind="need_published")
    assert sorted(rows.values_list("email", flat=True)) == ["staff@alpha.example.ac.jp"]
