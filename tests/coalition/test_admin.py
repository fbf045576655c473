"""The Django admin: every model is there for the secretariat, with search and filters."""

import pytest
from django.contrib import admin

from tests.factories import InstitutionFactory, secretariat_user

pytestmark = pytest.mark.django_db


MODELS = sorted(admin.site._registry, key=lambda m: m._meta.label)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_admin_changelist_searches_and_filters_for_the_secretariat(client, model):
    InstitutionFactory()
    client.force_login(secretariat_user())
    model_admin = admin.site._registry[model]
    url = f"/en/admin/{model._meta.app_label}/{model._meta.model_name}/"
    page = client.get(url, {"q": "test"} if model_admin.search_fields else {})
    assert page.status_code == 200
    assert page.context["cl"].model is model


def test_every_model_of_our_apps_is_in_the_admin():
    from django.apps import apps

    apps_ = ("members", "notifications", "audit", "working_groups", "cooperation", "progress", "meetings", "governance",
             "dissemination")
    ours = [m for app in apps_ for m in apps.get_app_config(app).get_models()]
    assert [m._meta.label for m in ours if m not in admin.site._registry] == []
    assert all(admin.site._registry[m].search_fields for m in ours)
