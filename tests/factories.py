"""One factory per model, and a few helpers that build the roles of docs/architecture.md."""

import datetime

import factory
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group

from members.models import Affiliation, EmailDomain, Institution, User
from working_groups.models import Membership, WorkingGroup

PASSWORD = "correct horse battery staple"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Sequence(lambda n: f"利用者 {n}")
    language = "ja"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        obj.save()
        if create and extracted is not False:
            EmailAddress.objects.get_or_create(user=obj, email=obj.email, defaults={"verified": True, "primary": True})


LAUNCH_DAY = datetime.date(2021, 7, 29)


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    name_ja = factory.Sequence(lambda n: f"テスト大学{n}")
    name_en = factory.Sequence(lambda n: f"Test University {n}")
    name_kana = factory.Sequence(lambda n: "てすとだいがく" + "".join("あいうえおかきくけこ"[int(d)] for d in str(n)))
    slug = factory.Sequence(lambda n: f"test-university-{n}")
    kind = Institution.Kind.NATIONAL_UNIVERSITY
    category = Institution.Category.PARTICIPATING
    prefecture = "13"
    status = Institution.Status.ACTIVE
    # One fixed date, the coalition's launch (29 July 2021), not a random one: what an institution owes
    # and what a reader is told depends on it. A random date within four years fell after a fiscal
    # year's end one time in six (such an institution owes no report for that year: nobody late, no
    # reminder) and within the digest's week now and then (a "new member" section from nowhere).
    # A test about joining says when its institution joined.
    joined_on = LAUNCH_DAY


class EmailDomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmailDomain

    institution = factory.SubFactory(InstitutionFactory)
    domain = factory.Sequence(lambda n: f"u{n}.example.ac.jp")


class AffiliationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Affiliation

    user = factory.SubFactory(UserFactory)
    institution = factory.SubFactory(InstitutionFactory)
    role = Affiliation.Role.STAFF
    status = Affiliation.Status.APPROVED


class WorkingGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkingGroup
        skip_postgeneration_save = True

    tier = WorkingGroup.Tier.THEME
    slug = factory.Sequence(lambda n: f"group-{n}")
    name_ja = factory.Sequence(lambda n: f"テーマ{n}WG")
    name_en = factory.Sequence(lambda n: f"Theme {n} WG")
    description_ja = "脱炭素に向けた取組を共有します。"
    description_en = "Shares work toward carbon neutrality."

    @factory.post_generation
    def coordinators(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.coordinators.add(*extracted)


def staff_of(institution, role=Affiliation.Role.STAFF, **user_kwargs) -> User:
    """A verified user with an approved affiliation of ``role`` at ``institution``."""
    user = UserFactory(**user_kwargs)
    AffiliationFactory(user=user, institution=institution, role=role)
    return user


def coordinator_of(group, institution=None, role=Affiliation.Role.STAFF, **user_kwargs) -> User:
    """A named coordinator of ``group``: staff of ``institution`` (default: its first coordinating
    institution) with an active membership of the group flagged coordinator."""
    institution = institution or group.coordinators.order_by("pk").first()
    user = staff_of(institution, role=role, **user_kwargs)
    Membership.objects.create(group=group, user=user, institution=institution, status=Membership.Status.ACTIVE,
                              coordinator=True)
    return user


def secretariat_user(two_factor=True, **user_kwargs) -> User:
    """A member of the secretariat group; with ``two_factor`` a TOTP authenticator is active."""
    from allauth.mfa.totp.internal.auth import TOTP

    user = UserFactory(**user_kwargs)
    user.groups.add(Group.objects.get_or_create(name=settings.SECRETARIAT_GROUP)[0])
    if two_factor:
        TOTP.activate(user, TOTP_SECRET)
    return user


def totp_code(secret: str = TOTP_SECRET, steps: int = 0) -> str:
    """The authenticator app's code now (``steps``: that many 30-second windows later, or earlier)."""
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + steps))


class MeetingFactory(factory.django.DjangoModelFactory):
    """A group meeting a few weeks ahead, online, members only."""

    class Meta:
        model = "meetings.Meeting"

    kind = "group"
    group = factory.SubFactory(WorkingGroupFactory)
    title_ja = factory.Sequence(lambda n: f"第{n}回会合")
    title_en = factory.Sequence(lambda n: f"Meeting {n}")
    starts_at = factory.LazyFunction(lambda: _in_days(21, 14))
    ends_at = factory.LazyAttribute(lambda m: m.starts_at + datetime.timedelta(hours=2))
    format = "online"
    online_url = "https://meet.example.org/room"
    visibility = "members"


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "meetings.Registration"

    meeting = factory.SubFactory(MeetingFactory)
    user = factory.SubFactory(UserFactory)
    mode = "online"
    status = "confirmed"


def _in_days(days, hour):
    """A moment ``days`` from now at ``hour``:00 Japan time."""
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    day = timezone.localdate() + datetime.timedelta(days=days)
    return datetime.datetime(day.year, day.month, day.day, hour, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


def member_of(group, user=None, institution=None):
    """An active member of ``group`` (staff of ``institution``)."""
    from working_groups.models import Membership

    if user is None:
        user = staff_of(institution or InstitutionFactory())
    inst = institution or user.affiliations.first().institution
    Membership.objects.create(group=group, user=user, institution=inst, status="active")
    return user


def api_token(user, *, name="script", days=90, expired=False, revoked=False) -> str:
    """A personal access token of ``user`` (made by the service, as /account/ makes them); returns
    the token itself. ``expired``/``revoked`` age or revoke it after creation."""
    from django.utils import timezone

    from members.models import AccessToken
    from members.services.tokens import token_create, token_revoke

    token, raw = token_create(user=user, name=name, days=days)
    if expired:
        AccessToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    if revoked:
        token_revoke(token=token, by=user)
    return raw
