"""Bad input in the working-groups app: a clear, translated answer, and nothing saved.

Found by the fuzz test (tests/test_fuzz.py): the reason for removing a member went to the database
as posted (NUL is a server error on PostgreSQL), a ``next`` that is not a path made the redirect
fail, and a 30-digit id among a list of choices (coordinators, themes, partners, an institution's
groups) was a server error on SQLite. Posts run inside ``deliver()``, so an e-mail sent by mistake
would reach ``mail.outbox``.
"""

import html
import re

import pytest
from django.core import mail

from members.audit.models import AuditEntry
from members.notifications.models import Notification
from tests.factories import InstitutionFactory, WorkingGroupFactory, coordinator_of, staff_of
from working_groups.models import Membership, WorkingGroup

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    a = InstitutionFactory(slug="inst-a", name_ja="A大学", name_en="A University")
    c = InstitutionFactory(slug="inst-c", name_ja="C大学", name_en="C University")
    group = WorkingGroupFactory(slug="regional", name_ja="地域ゼロカーボンWG", name_en="Regional Zero Carbon WG",
                                coordinators=[c])
    staff = staff_of(a, email="yamada@a.example")
    membership = Membership.objects.create(group=group, user=staff, institution=a, status=Membership.Status.ACTIVE)
    return {"group": group, "membership": membership,
            "coordinator": coordinator_of(group, c, email="kobayashi@c.example")}


def row_counts() -> dict:
    return {
        "memberships": sorted(Membership.objects.values_list("pk", "status", "reason")),
        "audit": AuditEntry.objects.count(),
        "outbox": Notification.objects.count(),
    }


@pytest.mark.parametrize(("lang", "reason", "message"), [
    ("ja", "理由\x00", "NUL文字（制御文字）は使用できません。"),  # ours: Django's says "type some characters"
    ("en", "reason\x00", "Null characters are not allowed."),
    ("ja", "あ" * 2001, "この値は 2000 文字以下でなければなりません( 2001 文字になっています)。"),
    ("en", "a" * 2001, "Ensure this value has at most 2000 characters (it has 2001)."),
])
def test_member_removal_with_bad_reason_is_refused(client, deliver, world, lang, reason, message):
    client.force_login(world["coordinator"])
    before = row_counts()

    with deliver():
        response = client.post(f"/{lang}/working-groups/memberships/{world['membership'].pk}/end/",
                               {"reason": reason}, follow=True)

    # back to the confirmation page, which asks for the reason again
    pk = world["membership"].pk
    assert response.redirect_chain == [(f"/{lang}/working-groups/memberships/{pk}/end/"
                                        f"?next=%2F{lang}%2Fworking-groups%2Fregional%2Fmanage%2F", 302)]
    assert message in html.unescape(response.content.decode())
    assert row_counts() == before
    assert mail.outbox == []


@pytest.mark.parametrize("target", ["24:00", "a\x00b", "working_groups:group-list"])
def test_member_removal_with_next_that_is_not_a_path_goes_to_the_coordinators_page(client, deliver, world, target):
    """redirect() reads a ``next`` without a slash or a dot as the name of a URL, and failed."""
    client.force_login(world["coordinator"])

    with deliver():
        response = client.post(f"/ja/working-groups/memberships/{world['membership'].pk}/end/",
                               {"reason": "活動終了のため", "next": target})

    assert (response.status_code, response["Location"]) == (302, "/ja/working-groups/regional/manage/")
    assert Membership.objects.get(pk=world["membership"].pk).status == Membership.Status.REMOVED


HUGE_ID = "9" * 30
NOT_A_CHOICE = {"ja": f"正しく選択してください。 {HUGE_ID} は候補にありません。",
                "en": f"Select a valid choice. {HUGE_ID} is not one of the available choices."}


def field_errors(response, name: str) -> list[str]:
    """The messages in the errorlist of the field ``name`` (its own block holds its input)."""
    page = response.content.decode()
    at = page.find(f'<ul class="errorlist" id="id_{name}_error">')
    if at == -1:
        return []
    block = page[at:page.find('<div class="field', at)]
    assert f'name="{name}"' in block, f"{name}: the error is not next to the field"
    return [html.unescape(m) for m in re.findall(r"<li>(.*?)</li>", block[:block.find("</ul>")])]


@pytest.fixture
def choosing(world):
    """The forms with a list of choices from the database, each with someone allowed to post it."""
    from members.models import Affiliation
    from tests.factories import secretariat_user
    from working_groups.models import Initiative

    a = world["membership"].institution
    contact = staff_of(a, role=Affiliation.Role.CONTACT, email="contact@a.example")
    return {
        "group-coordinators": (secretariat_user(), "/working-groups/new/", "coordinators", {
            "slug": "water", "name_ja": "水資源WG", "name_en": "Water WG", "order": "50"}),
        "initiative-themes": (contact, "/initiatives/new/", "themes", {
            "institution": str(a.pk), "language": "ja", "title": "学内ZEB化", "summary": "概要", "body": "本文",
            "started_on": "2022-04-01", "visibility": "public"}),
        "initiative-partners": (contact, "/initiatives/new/", "partner_institutions", {
            "institution": str(a.pk), "language": "ja", "title": "学内ZEB化", "summary": "概要", "body": "本文",
            "themes": [str(world["group"].pk)], "started_on": "2022-04-01", "visibility": "public"}),
        "institution-groups": (contact, f"/members/{a.slug}/groups/", "groups", {}),
        "rows": lambda: (sorted(Initiative.objects.values_list("pk", flat=True)), row_counts(),
                         sorted(WorkingGroup.objects.values_list("slug", flat=True))),
    }


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("form", ["group-coordinators", "initiative-themes", "initiative-partners",
                                  "institution-groups"])
def test_choice_of_an_id_too_large_for_the_database_is_refused(client, deliver, world, choosing, form, lang):
    """Django checks a list of choices with one ``__in`` query, to which SQLite's driver could not pass
    a 30-digit id (OverflowError, a server error). It is a choice that does not exist."""
    who, path, name, data = choosing[form]
    client.force_login(who)
    before = choosing["rows"]()

    with deliver():
        response = client.post(f"/{lang}{path}", {**data, name: [str(world["group"].pk), HUGE_ID]})

    assert response.status_code == 200
    assert field_errors(response, name) == [NOT_A_CHOICE[lang]]
    assert choosing["rows"]() == before
    assert mail.outbox == []
