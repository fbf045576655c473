"""The admin does not bypass the services: models whose changes have side effects (audit entries,
notices, revisions) are shown only, with the page that changes them; the institution's profile
texts go through the profile's service; nothing others depend on is deleted there."""

import pytest
from django.contrib import admin
from django.utils.html import escape

from meetings.models import Meeting
from members.admin_site import ServiceWritesAdmin
from members.audit.models import AuditEntry
from members.models import Affiliation, Institution
from tests.factories import (
    InstitutionFactory,
    MeetingFactory,
    UserFactory,
    WorkingGroupFactory,
    member_of,
    secretariat_user,
    staff_of,
)
from working_groups.models import Membership, Participation, WorkingGroup

pytestmark = pytest.mark.django_db

SERVICE_MODELS = sorted((m for m, a in admin.site._registry.items() if isinstance(a, ServiceWritesAdmin)),
                        key=lambda m: m._meta.label)


def url(model, *rest):
    return "/".join([f"/en/admin/{model._meta.app_label}/{model._meta.model_name}", *map(str, rest), ""])


def test_the_models_with_services_are_shown_only():
    labels = {m._meta.label for m in SERVICE_MODELS}
    assert {"members.Affiliation", "members.EmailDomain", "working_groups.WorkingGroup",
            "working_groups.Participation", "working_groups.Membership", "working_groups.Initiative",
            "meetings.Meeting", "meetings.Registration", "meetings.AgendaItem"} <= labels


@pytest.fixture
def records():
    shinshu = InstitutionFactory(slug="shinshu")
    group = WorkingGroupFactory(slug="regional")
    person = member_of(group, user=staff_of(shinshu), institution=shinshu)
    return {
        Affiliation: person.affiliations.get(),
        Membership: Membership.objects.get(user=person),
        Participation: Participation.objects.create(group=group, institution=shinshu, status="active"),
        WorkingGroup: group,
        Meeting: MeetingFactory(group=group),
    }


@pytest.mark.parametrize("model", [Affiliation, Membership, Participation, WorkingGroup, Meeting],
                         ids=lambda m: m._meta.label)
def test_admin_change_add_and_delete_of_a_service_model_are_refused_with_the_page_to_use(client, records, model):
    obj = records[model]
    client.force_login(secretariat_user())
    page = client.get(url(model, obj.pk, "change"))
    assert page.status_code == 200
    assert 'type="submit" value="Save"' not in page.content.decode()  # view only
    assert client.post(url(model, obj.pk, "change"), {"status": "ended"}).status_code == 403
    assert client.get(url(model, "add")).status_code == 403
    refused = client.post(url(model, obj.pk, "delete"), {"post": "yes"}, follow=True)
    assert refused.redirect_chain == [(url(model, obj.pk, "change"), 302)]
    [message] = [str(m) for m in refused.context["messages"]]
    assert message == "This record is not deleted in the admin. " + str(admin.site._registry[model].instead)
    bulk = client.post(url(model), {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"})
    assert bulk.status_code == 200  # no delete action: the list again
    assert model.objects.filter(pk=obj.pk).exists()
    fresh = model.objects.get(pk=obj.pk)
    assert [getattr(fresh, f.attname) for f in model._meta.concrete_fields] == [
        getattr(obj, f.attname) for f in model._meta.concrete_fields]
    changelist = client.get(url(model))
    assert escape(str(admin.site._registry[model].instead)) in changelist.content.decode()


def institution_form(institution, **changes):
    return {"name_ja": institution.name_ja, "name_en": institution.name_en, "name_kana": institution.name_kana,
            "website": institution.website, "profile_ja": "", "profile_en": "",
            "email_domains-TOTAL_FORMS": "0", "email_domains-INITIAL_FORMS": "0", **changes}


def test_admin_change_of_an_institution_goes_through_the_profile_service(client):
    institution = InstitutionFactory(slug="shinshu", name_en="Shinshu University")
    secretariat = secretariat_user()
    client.force_login(secretariat)
    response = client.post(url(Institution, institution.pk, "change"),
                           institution_form(institution, name_en="Shinshu Univ.", status="withdrawn", slug="x"))
    assert response.status_code == 302
    institution.refresh_from_db()
    assert (institution.name_en, institution.status, institution.slug) == ("Shinshu Univ.", "active", "shinshu")
    entry = AuditEntry.objects.get(action="institution.update")
    assert (entry.actor, entry.detail) == (secretariat, {"fields": ["name_en"]})
    assert client.get(url(Institution, "add")).status_code == 403


@pytest.mark.parametrize("who", ["visitor", "user", "contact", "secretariat without two-factor"])
def test_admin_change_of_an_institution_is_for_the_secretariat_only(client, who):
    institution = InstitutionFactory(slug="shinshu", name_en="Shinshu University")
    actor = {"visitor": lambda: None, "user": UserFactory,
             "contact": lambda: staff_of(institution, role=Affiliation.Role.CONTACT),
             "secretariat without two-factor": lambda: secretariat_user(two_factor=False)}[who]()
    if actor is not None:
        client.force_login(actor)
    response = client.post(url(Institution, institution.pk, "change"), institution_form(institution, name_en="X"))
    assert response.status_code in (302, 404)
    assert not response.get("Location", "").startswith("/en/admin/members/")
    institution.refresh_from_db()
    assert institution.name_en == "Shinshu University"
    assert not AuditEntry.objects.filter(action="institution.update").exists()
