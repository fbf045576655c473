"""Nothing of the record goes with a deleted row: people are anonymised and institutions withdrawn.

Deleting a user who has initiatives, registrations, affiliations or group memberships, or an
institution that has initiatives, people, groups or an application, is refused by the database
(PROTECT); the admin shows what holds the row. Anonymising removes the person's data and keeps
what they did.
"""

import datetime

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.utils import timezone

from meetings.models import CalendarFeed, MinutesRevision, Registration
from meetings.services import minutes_save
from members.audit.models import AuditEntry
from members.models import Affiliation, Institution, MembershipApplication, User
from members.notifications.models import Notification, NotificationPreference
from members.services.affiliations import affiliation_decide
from members.services.people import user_anonymise
from tests.factories import (
    PASSWORD,
    TOTP_SECRET,
    AffiliationFactory,
    EmailDomainFactory,
    InstitutionFactory,
    MeetingFactory,
    RegistrationFactory,
    UserFactory,
    WorkingGroupFactory,
    member_of,
    secretariat_user,
    staff_of,
)
from working_groups.models import Initiative, Membership, Participation
from working_groups.services import refresh_derived

pytestmark = pytest.mark.django_db


def initiative_of(institution, author=None, title="小水力発電所の建設"):
    initiative = Initiative(institution=institution, author=author, slug=f"i-{Initiative.objects.count() + 1}",
                            title=title, summary="概要", body="本文", prefecture=institution.prefecture,
                            started_on=datetime.date(2023, 5, 1), status="published", published_at=timezone.now())
    refresh_derived(initiative)
    initiative.save()
    return initiative


def past_meeting(group):
    start = timezone.now() - datetime.timedelta(days=30)
    return MeetingFactory(group=group, starts_at=start, ends_at=start + datetime.timedelta(hours=2))


def record_counts():
    models = (User, Affiliation, Membership, Participation, Initiative, Registration, MinutesRevision, AuditEntry,
              Institution, MembershipApplication)
    return {m._meta.label: m.objects.count() for m in models}


@pytest.fixture
def shinshu():
    return InstitutionFactory(slug="shinshu", name_ja="信州大学", name_en="Shinshu University")


@pytest.fixture
def group(shinshu):
    return WorkingGroupFactory(slug="campus", coordinators=[shinshu])


# ---------------------------------------------------------------------------------------------
# Deleting is refused
# ---------------------------------------------------------------------------------------------

USER_HISTORY = {
    "registration": lambda user, inst, group: RegistrationFactory(meeting=past_meeting(group), user=user,
                                                                  attended=True),
    "initiative": lambda user, inst, group: initiative_of(inst, author=user),
    "affiliation": lambda user, inst, group: AffiliationFactory(user=user, institution=inst),
    "group membership": lambda user, inst, group: Membership.objects.create(group=group, user=user, institution=inst),
}


@pytest.mark.parametrize("history", USER_HISTORY)
def test_deleting_a_user_with_history_is_refused_and_deletes_nothing(shinshu, group, history):
    user = UserFactory(email="tanaka@shinshu.example")
    USER_HISTORY[history](user, shinshu, group)
    before = record_counts()
    with pytest.raises(ProtectedError):
        user.delete()
    assert record_counts() == before
    assert User.objects.filter(email="tanaka@shinshu.example").exists()


def test_deleting_a_user_with_registrations_minutes_and_initiatives_deletes_nothing(shinshu, group):
    user = member_of(group, staff_of(shinshu))
    meeting = past_meeting(group)
    RegistrationFactory(meeting=meeting, user=user, attended=True)
    minutes_save(meeting=meeting, by=user, text="議事録", publish=True)
    initiative_of(shinshu, author=user)
    before = record_counts()
    with pytest.raises(ProtectedError):
        user.delete()
    assert record_counts() == before
    assert Registration.objects.get(user=user).attended is True
    assert MinutesRevision.objects.get(meeting=meeting).editor == user


def test_a_sign_up_without_history_can_still_be_deleted():
    user = UserFactory()
    user.delete()
    assert (User.objects.count(), EmailAddress.objects.count()) == (0, 0)


INSTITUTION_HISTORY = {
    "initiative": lambda inst, group: initiative_of(inst),
    "affiliation": lambda inst, group: AffiliationFactory(institution=inst),
    "group participation": lambda inst, group: Participation.objects.create(group=group, institution=inst),
    "group membership": lambda inst, group: Membership.objects.create(group=group, user=UserFactory(),
                                                                      institution=inst),
    "application": lambda inst, group: MembershipApplication.objects.create(
        name_ja=inst.name_ja, name_en=inst.name_en, name_kana=inst.name_kana, kind=inst.kind,
        category=inst.category, prefecture=inst.prefecture, website="https://example.ac.jp",
        applicant_name="申請 者", applicant_title="課長", applicant_email="a@example.ac.jp",
        representative_name="学長", representative_title="学長", status="approved", institution=inst),
}


@pytest.mark.parametrize("history", INSTITUTION_HISTORY)
def test_deleting_an_institution_with_history_is_refused_and_deletes_nothing(group, history):
    institution = InstitutionFactory(name_ja="撤回予定大学")
    INSTITUTION_HISTORY[history](institution, group)
    before = record_counts()
    with pytest.raises(ProtectedError):
        institution.delete()
    assert record_counts() == before


def test_deleting_an_institution_with_initiatives_keeps_them(shinshu):
    initiative = initiative_of(shinshu, title="太陽光発電の導入")
    with pytest.raises(ProtectedError):
        shinshu.delete()
    assert Initiative.objects.get(pk=initiative.pk).institution == shinshu


def test_an_institution_entered_by_mistake_can_still_be_deleted():
    institution = InstitutionFactory()
    EmailDomainFactory(institution=institution)
    institution.delete()
    assert Institution.objects.count() == 0


# ---------------------------------------------------------------------------------------------
# Anonymising
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def person(shinshu, group):
    """Staff of Shinshu in the campus group with two-factor sign-in, a past meeting attended, a place at
    a meeting to come (someone waiting behind), minutes, an initiative and mail still in the outbox."""
    contact = staff_of(shinshu, role=Affiliation.Role.CONTACT, email="kobayashi@shinshu.example")
    user = UserFactory(email="tanaka@shinshu.example", name="田中 花子")
    affiliation = AffiliationFactory(user=user, institution=shinshu, status="pending", title="准教授",
                                     message="環境部会の担当です")
    affiliation_decide(affiliation=affiliation, by=contact, approve=True)
    Membership.objects.create(group=group, user=user, institution=shinshu, status="active", message="参加希望")
    TOTP.activate(user, TOTP_SECRET)
    past = past_meeting(group)
    RegistrationFactory(meeting=past, user=user, attended=True)
    minutes_save(meeting=past, by=user, text="第1回の議事録", publish=True)
    coming = MeetingFactory(group=group, capacity=1)
    RegistrationFactory(meeting=coming, user=user, status="confirmed")
    RegistrationFactory(meeting=coming, user=member_of(group, staff_of(shinshu, email="sato@shinshu.example")),
                        status="waiting")
    CalendarFeed.objects.create(user=user)
    NotificationPreference.objects.create(user=user, kind="weekly_digest", delivery="never")
    Notification.objects.create(kind="affiliation_decided", recipient=user, email=user.email, dedup_key="waiting")
    initiative_of(shinshu, author=user, title="小水力発電所の建設")
    return user


def test_anonymise_keeps_the_records_and_removes_the_personal_data(deliver, person, shinshu, group):
    secretariat = secretariat_user(email="secretariat@coalition.example")
    earlier_audit = list(AuditEntry.objects.values_list("pk", "actor_label", "action", "detail"))
    with deliver():
        user_anonymise(user=person, by=secretariat)

    person = User.objects.get(pk=person.pk)
    placeholder = f"anonymised-{person.pk}@anonymised.invalid"
    assert (person.email, person.name, person.is_active, person.has_usable_password()) == (placeholder, "", False,
                                                                                          False)
    assert list(person.groups.all()) == []
    assert EmailAddress.objects.filter(user=person).count() == 0
    assert Authenticator.objects.filter(user=person).count() == 0
    assert CalendarFeed.objects.filter(user=person).count() == 0
    assert NotificationPreference.objects.filter(user=person).count() == 0
    # the records stay, with the person's row
    assert Initiative.objects.get(title="小水力発電所の建設").author == person
    attended = Registration.objects.get(user=person, meeting__starts_at__lt=timezone.now())
    assert (attended.status, attended.attended) == ("confirmed", True)
    revision = MinutesRevision.objects.get(editor=person)
    assert (revision.text, revision.editor_label) == ("第1回の議事録", placeholder)
    affiliation = Affiliation.objects.get(user=person)
    assert (affiliation.status, affiliation.title, affiliation.message) == ("ended", "", "")
    membership = Membership.objects.get(user=person)
    assert (membership.status, membership.message) == ("removed", "")
    # the place at the meeting to come goes to the person waiting, who is told; nothing to the old address
    coming = Registration.objects.filter(meeting__starts_at__gt=timezone.now()).order_by("pk")
    assert [(r.user.email, r.status) for r in coming] == [(placeholder, "cancelled"),
                                                          ("sato@shinshu.example", "confirmed")]
    assert [m.to for m in mail.outbox] == [["sato@shinshu.example"]]
    waiting = Notification.objects.get(dedup_key="waiting")
    assert (waiting.status, waiting.email) == ("skipped", placeholder)
    # the audit log keeps what it had, and records the anonymisation
    assert list(AuditEntry.objects.filter(pk__in=[e[0] for e in earlier_audit])
                .values_list("pk", "actor_label", "action", "detail")) == earlier_audit
    new = AuditEntry.objects.exclude(pk__in=[e[0] for e in earlier_audit]).order_by("pk")
    assert [(e.actor, e.action, e.object_label) for e in new] == [
        (secretariat, "affiliation.end", f"{placeholder} @ 信州大学 (教職員)"),
        (secretariat, "membership.remove", f"{placeholder} in {group.name}"),
        (secretariat, "user.anonymise", placeholder),
    ]
    assert not any("tanaka" in str(e.detail) or "田中" in e.object_label for e in new)


def test_anonymised_person_is_signed_out_and_can_no_longer_sign_in(client, person):
    client.force_login(person)
    assert client.get("/ja/account/").status_code == 200
    user_anonymise(user=person, by=secretariat_user())
    assert [s for s in Session.objects.all() if s.get_decoded().get(SESSION_KEY) == str(person.pk)] == []
    response = client.get("/ja/account/")
    assert response["Location"] == "/ja/accounts/login/?next=/ja/account/"
    for login in ("tanaka@shinshu.example", f"anonymised-{person.pk}@anonymised.invalid"):
        client.post("/ja/accounts/login/", {"login": login, "password": PASSWORD})
        assert SESSION_KEY not in client.session
    assert client.get("/ja/account/").status_code == 302


def test_anonymised_persons_api_tokens_are_revoked_and_answer_401(client, person):
    from members.services.tokens import token_create

    token, raw = token_create(user=person, name="研究室のスクリプト", days=30)
    assert client.get("/api/v1/initiatives/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    user_anonymise(user=person, by=secretariat_user())
    token.refresh_from_db()
    assert token.revoked_at is not None  # listed as revoked, not as a live token that fails
    assert client.get("/api/v1/initiatives/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert AuditEntry.objects.get(action="user.anonymise").detail["tokens_revoked"] == 1


def test_anonymise_refuses_twice_and_oneself(person):
    secretariat = secretariat_user()
    with pytest.raises(ValidationError, match="自分のアカウントは匿名化できません"):
        user_anonymise(user=secretariat, by=secretariat)
    user_anonymise(user=person, by=secretariat)
    with pytest.raises(ValidationError, match="すでに匿名化されています"):
        user_anonymise(user=person, by=secretariat)
    assert AuditEntry.objects.filter(action="user.anonymise").count() == 1


# ---------------------------------------------------------------------------------------------
# The admin
# ---------------------------------------------------------------------------------------------

CHANGELIST = "/ja/admin/members/user/"


def test_admin_anonymise_action_asks_first_then_anonymises(client, person):
    secretariat = secretariat_user(email="secretariat@coalition.example")
    client.force_login(secretariat)
    asked = client.post(CHANGELIST, {"action": "anonymise", "_selected_action": [person.pk]})
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "tanaka@shinshu.example (田中 花子)" in page
    assert "元に戻せません" in page
    assert User.objects.get(pk=person.pk).email == "tanaka@shinshu.example"  # nothing yet

    done = client.post(CHANGELIST, {"action": "anonymise", "_selected_action": [person.pk], "confirmed": "yes"},
                       follow=True)
    assert done.redirect_chain == [(CHANGELIST, 302)]
    assert [str(m) for m in done.context["messages"]] == ["1人を匿名化しました。"]
    assert User.objects.get(pk=person.pk).email == f"anonymised-{person.pk}@anonymised.invalid"
    assert AuditEntry.objects.get(action="user.anonymise").actor == secretariat


def test_admin_anonymise_action_reports_whom_it_could_not_anonymise(client, person):
    secretariat = secretariat_user(email="secretariat@coalition.example")
    client.force_login(secretariat)
    done = client.post(CHANGELIST, {"action": "anonymise", "_selected_action": [person.pk, secretariat.pk],
                                    "confirmed": "yes"}, follow=True)
    assert sorted(str(m) for m in done.context["messages"]) == [
        "1人を匿名化しました。",
        "secretariat@coalition.example は匿名化されませんでした: 自分のアカウントは匿名化できません。",
    ]
    assert User.objects.get(pk=secretariat.pk).is_active


@pytest.mark.parametrize("who", ["visitor", "user", "staff", "secretariat without two-factor"])
def test_admin_anonymise_action_is_for_the_secretariat_only(client, person, shinshu, who):
    actor = {
        "visitor": lambda: None,
        "user": UserFactory,
        "staff": lambda: staff_of(shinshu, role=Affiliation.Role.CONTACT),
        "secretariat without two-factor": lambda: secretariat_user(two_factor=False),
    }[who]()
    if actor is not None:
        client.force_login(actor)
    response = client.post(CHANGELIST, {"action": "anonymise", "_selected_action": [person.pk], "confirmed": "yes"})
    assert response.status_code in (302, 404)
    assert not response.get("Location", "").startswith(CHANGELIST)
    assert User.objects.get(pk=person.pk).email == "tanaka@shinshu.example"
    assert not AuditEntry.objects.filter(action="user.anonymise").exists()


def test_admin_delete_of_a_person_with_history_shows_what_protects_them(client, person):
    client.force_login(secretariat_user())
    page = client.get(f"/en/admin/members/user/{person.pk}/delete/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Cannot delete user" in text
    assert "小水力発電所の建設" in text  # the initiative is listed among the protected objects
    client.post(f"/en/admin/members/user/{person.pk}/delete/", {"post": "yes"})
    assert User.objects.filter(pk=person.pk).exists()
    bulk = client.post("/en/admin/members/user/", {"action": "delete_selected", "_selected_action": [person.pk],
                                                    "post": "yes"})
    assert "would require deleting the following protected related objects" in bulk.content.decode()
    assert User.objects.filter(pk=person.pk).exists()


def test_admin_delete_of_an_institution_with_initiatives_shows_them_and_deletes_nothing(client, shinshu):
    initiative_of(shinshu, title="太陽光発電の導入")
    client.force_login(secretariat_user())
    page = client.get(f"/en/admin/members/institution/{shinshu.pk}/delete/")
    text = page.content.decode()
    assert "Cannot delete institution" in text
    assert "太陽光発電の導入" in text
    client.post(f"/en/admin/members/institution/{shinshu.pk}/delete/", {"post": "yes"})
    assert Institution.objects.filter(pk=shinshu.pk).exists()
    assert Initiative.objects.filter(institution=shinshu).count() == 1
