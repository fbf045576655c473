"""The directory's open data (?format=csv|json) with an invalid filter: a 400 that names the
filter, as the HTML list reports it, never the whole directory as if unfiltered."""

import json

import pytest

from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


def test_json_export_with_invalid_filter_is_400_naming_the_filter(client):
    InstitutionFactory(slug="univ-a", name_ja="甲大学")

    response = client.get("/ja/members/?format=json&prefecture=99")

    assert response.status_code == 400
    assert list(json.loads(response.content)["errors"]) == ["prefecture"]
    assert "甲大学" not in response.content.decode()


def test_csv_export_with_invalid_filter_is_400_naming_the_filter(client):
    InstitutionFactory(slug="univ-a", name_ja="甲大学")

    response = client.get("/ja/members/?format=csv&prefecture=99")

    assert response.status_code == 400
    assert response.content.decode().startswith("prefecture: ")


def test_json_export_with_valid_filters_still_exports(client):
    InstitutionFactory(slug="univ-a", name_ja="甲大学", prefecture="13")

    response = client.get("/ja/members/?format=json&prefecture=13")

    assert response.status_code == 200
    assert "甲大学" in response.content.decode()
