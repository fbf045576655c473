"""The e-mail settings page: one table of kind × immediately / digest / never, listing only the
kinds that can reach the person in their roles (members/notifications/registry.py ``kinds_for``)."""

import re

import pytest

from members.models import Affiliation
from members.notifications import registry
from members.notifications.models import NotificationPreference
from tests.factories import (
    InstitutionFactory,
    UserFactory,
    WorkingGroupFactory,
    coordinator_of,
    secretariat_user,
    staff_of,
)

pytestmark = pytest.mark.django_db

URL = "/ja/account/notifications/"


def rows(client, user, url=URL) -> dict[str, list[str]]:
    """{kind key: the deliveries offered} as the page's table shows them."""
    client.force_login(user)
    html = client.get(url).content.decode()
    found: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="radio" name="([a-z_]+)" value="([a-z]+)"', html):
        found.setdefault(name, []).append(value)
    return found


def keys(audience) -> set[str]:
    return {k.key for k in registry.choosable_kinds() if audience in k.audience}


@pytest.fixture
def people():
    coordinating = InstitutionFactory()
    group = WorkingGroupFactory(coordinators=[coordinating])
    return {
        "user": UserFactory(),
        "staff": staff_of(InstitutionFactory()),
        "contact": staff_of(InstitutionFactory(), role=Affiliation.Role.CONTACT),
        "coordinator": coordinator_of(group, coordinating),
        "secretariat": secretariat_user(),
    }


def test_settings_list_only_the_kinds_of_each_role(client, people):
    everyone = keys(registry.EVERYONE)
    staff, contact, coordinator, secretariat = (keys(a) for a in (
        registry.STAFF, registry.CONTACT, registry.COORDINATOR, registry.SECRETARIAT))
    assert {"application_submitted", "motion_proposed"} <= secretariat
    assert set(rows(client, people["user"])) == everyone
    assert set(rows(client, people["staff"])) == everyone | staff
    assert set(rows(client, people["contact"])) == everyone | staff | contact
    assert set(rows(client, people["coordinator"])) == everyone | staff | coordinator
    # the secretariat hears of every request nobody else decides: every kind
    assert set(rows(client, people["secretariat"])) == {k.key for k in registry.choosable_kinds()}
    assert "application_submitted" not in rows(client, people["contact"])
    assert "group_join_requested" not in rows(client, people["contact"])
    assert "affiliation_requested" not in rows(client, people["coordinator"])


def test_settings_table_is_accessible_and_offers_the_digest_only_where_it_can_go(client, people):
    client.force_login(people["staff"])
    html = client.get("/en/account/notifications/").content.decode()
    assert '<th scope="col">Kind of e-mail</th>' in html
    assert '<th scope="col" class="settings-choice">Weekly digest</th>' in html
    assert '<th scope="row" id="kind-meeting_announced">New meetings of my groups' in html
    # each radio button has its own label naming the kind and the choice
    assert re.search(r'<input type="radio" name="meeting_announced" value="digest" id="id_meeting_announced_1"[^>]*>'
                     r'<label for="id_meeting_announced_1" class="visually-hidden">New meetings of my groups: '
                     r'In the weekly digest</label>', html)
    # a kind that cannot go to the digest says so in that cell
    offered = rows(client, people["staff"], "/en/account/notifications/")
    assert offered["meeting_changed"] == ["immediate", "never"]
    assert offered["meeting_announced"] == ["immediate", "digest", "never"]
    assert "Not sent in the digest" in html


def test_settings_save_keeps_the_existing_behaviour(client, people):
    user = people["staff"]
    client.force_login(user)
    data = {k.key: k.default for k in registry.kinds_for(user)}
    data["meeting_announced"] = "digest"
    response = client.post(URL, data)
    assert response["Location"] == URL
    assert dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery")) == {
        "meeting_announced": "digest"}
    page = client.get(URL).content.decode()
    assert 'name="meeting_announced" value="digest" id="id_meeting_announced_1" checked' in page


def test_settings_bad_value_is_a_translated_error_and_changes_nothing(client, people):
    user = people["staff"]
    client.force_login(user)
    data = {k.key: k.default for k in registry.kinds_for(user)}
    data.update({"meeting_announced": "digest", "meeting_changed": "digest"})  # no digest for changes
    response = client.post(URL, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="error-summary"' in html
    assert "「会議の変更」の受け取り方を選んでください（すぐに受け取る / 受け取らない）。" in html
    assert NotificationPreference.objects.count() == 0


def test_settings_a_kind_not_offered_to_the_person_is_not_saved(client, people):
    user = people["staff"]
    client.force_login(user)
    data = {k.key: k.default for k in registry.kinds_for(user)}
    data["application_submitted"] = "never"  # the secretariat's kind, posted by hand
    assert client.post(URL, data)["Location"] == URL
    assert NotificationPreference.objects.filter(user=user).count() == 0
