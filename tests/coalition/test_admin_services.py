"""The admin does not bypass the services: models whose changes have side effects (audit entries,
notices, revisions) are shown only, with the page that changes them; the institution's profile
texts go through the profile's service; nothing others depend on is deleted there."""

import datetime

import pytest
from django.contrib import admin
from django.utils.html import escape

from meetings.models import Meeting
from members.admin_site import ServiceWritesAdmin
from members.audit.models import AuditEntry
from members.models import Affiliation, Institution
from tests.api.world import build_world
from tests.factories import (
    InstitutionFactory,
    MeetingFactory,
    UserFactory,
    WorkingGroupFactory,
    member_of,
    secretariat_user,
    staff_of,
)
from working_groups.cooperation.models import Expertise, Interest, Need, Partner
from working_groups.models import Membership, Participation, WorkingGroup
from working_groups.progress.models import Adoption, Commitment, Question, ReportingYear, YearlyReport

pytestmark = pytest.mark.django_db

SERVICE_MODELS = sorted((m for m, a in admin.site._registry.items() if isinstance(a, ServiceWritesAdmin)),
                        key=lambda m: m._meta.label)


def url(model, *rest):
    return "/".join([f"/en/admin/{model._meta.app_label}/{model._meta.model_name}", *map(str, rest), ""])


def test_the_models_with_services_are_shown_only():
    labels = {m._meta.label for m in SERVICE_MODELS}
    assert {"members.Affiliation", "members.EmailDomain", "working_groups.WorkingGroup",
            "working_groups.Participation", "working_groups.Membership", "working_groups.Initiative",
            "meetings.Meeting", "meetings.Registration", "meetings.AgendaItem", "cooperation.Need",
            "cooperation.Expertise", "cooperation.Interest", "progress.Commitment", "progress.YearlyReport",
            "progress.Adoption", "progress.Question", "progress.ReportingYear"} <= labels


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
    client.force_login(secretariat_user())
    assert_shown_only(client, model, records[model])


@pytest.fixture
def cooperation_and_progress():
    """One row of each cooperation and progress model, as their services leave them."""
    world = build_world()
    staff = world.users["staff_a"]
    interest = Interest.objects.create(need=world.need, institution=world.a, user=staff, message="協力できます。")
    return {
        Need: world.need, Expertise: world.expertise, Interest: interest,
        Commitment: Commitment.objects.get(institution=world.a), YearlyReport: world.report,
        Adoption: Adoption.objects.create(initiative=world.public, institution=world.b, year=2024,
                                          recorded_by=world.users["staff_b"]),
        Question: Question.objects.create(initiative=world.public, asked_by=world.users["staff_b"],
                                          institution=world.b, body="費用はどのくらいですか。"),
        ReportingYear: ReportingYear.objects.create(fiscal_year=2024, due_on=datetime.date(2025, 7, 31),
                                                    set_by=world.users["secretariat"]),
    }


COOPERATION_AND_PROGRESS = [Need, Expertise, Interest, Commitment, YearlyReport, Adoption, Question, ReportingYear]


@pytest.mark.parametrize("model", COOPERATION_AND_PROGRESS, ids=lambda m: m._meta.label)
def test_admin_does_not_change_cooperation_and_progress_records(client, cooperation_and_progress, model):
    """Needs, expertise, offers of help and every progress record are written by services that
    record each step and write the e-mails: the admin shows them only."""
    client.force_login(secretariat_user())
    recorded = AuditEntry.objects.count()
    assert_shown_only(client, model, cooperation_and_progress[model])
    assert AuditEntry.objects.count() == recorded


def assert_shown_only(client, model, obj):
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


def partner_form(partner, **changes):
    return {"kind": partner.kind, "name_ja": partner.name_ja, "name_en": partner.name_en,
            "prefecture": partner.prefecture, "municipality_code": partner.municipality_code,
            "website": partner.website, "profile_ja": partner.profile_ja, "profile_en": partner.profile_en,
            "institution": partner.institution_id or "",
            "initiatives": ",".join(str(pk) for pk in partner.initiatives.values_list("pk", flat=True)), **changes}


def test_admin_change_of_a_partner_goes_through_its_service(client):
    """Partners have no page to edit them: the admin is their editor, and it validates and records."""
    world = build_world()
    partner = world.partner
    secretariat = secretariat_user()
    client.force_login(secretariat)
    response = client.post(url(Partner, partner.pk, "change"), partner_form(
        partner, name_en="Midorino City Office", institution=world.a.pk, initiatives=str(world.public.pk),
        slug="renamed"))
    assert response.status_code == 302
    partner.refresh_from_db()
    assert (partner.name_en, partner.institution, partner.slug) == ("Midorino City Office", world.a, "midorino-city")
    assert list(partner.initiatives.all()) == [world.public]
    assert "office" in partner.search_text  # the derived text followed
    entry = AuditEntry.objects.get(action="partner.update")
    assert (entry.actor, entry.detail, entry.object_id) == (
        secretariat, {"fields": ["institution", "name_en", "initiatives"]}, partner.pk)


def test_admin_partner_with_a_wrong_municipality_code_is_refused_and_unchanged(client):
    world = build_world()
    partner = world.partner
    client.force_login(secretariat_user())
    recorded = AuditEntry.objects.count()
    response = client.post(url(Partner, partner.pk, "change"), partner_form(partner, municipality_code="131016"))
    assert response.status_code == 200
    assert "A municipality code starts with its prefecture&#x27;s code." in response.content.decode()
    partner.refresh_from_db()
    assert partner.municipality_code == ""
    assert AuditEntry.objects.count() == recorded


def test_admin_new_partner_is_recorded(client):
    secretariat = secretariat_user()
    client.force_login(secretariat)
    response = client.post(url(Partner, "add"), {
        "slug": "kita-town", "kind": "municipality", "name_ja": "北町", "name_en": "Kita Town", "prefecture": "20",
        "municipality_code": "20101", "website": "", "profile_ja": "", "profile_en": "", "institution": "",
        "initiatives": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    partner = Partner.objects.get(slug="kita-town")
    entry = AuditEntry.objects.get(action="partner.create")
    assert (entry.actor, entry.object_id) == (secretariat, partner.pk)


@pytest.mark.parametrize("who", ["user", "secretariat without two-factor"])
def test_admin_change_of_a_partner_is_for_the_secretariat_only(client, who):
    world = build_world()
    partner = world.partner
    client.force_login(UserFactory() if who == "user" else secretariat_user(two_factor=False))
    response = client.post(url(Partner, partner.pk, "change"), partner_form(partner, name_en="X"))
    assert response.status_code in (302, 404)
    partner.refresh_from_db()
    assert partner.name_en == "Midorino City"
    assert not AuditEntry.objects.filter(action="partner.update").exists()
