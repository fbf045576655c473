"""/about/: the member figures, kept between views until a member changes."""

import pytest

from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


def figures(client, bust) -> tuple[str, str, str]:
    html = client.get(f"/ja/about/?_={bust}").content.decode()  # a new address: the page cache stays out
    return tuple(html.split(f"<dt>{label}</dt><dd>", 1)[1].split("</dd>", 1)[0]
                 for label in ("会員機関", "参加機関", "協力機関"))


def test_about_counts_members_by_category_and_follows_a_new_and_a_withdrawn_member(client):
    InstitutionFactory.create_batch(2, category="participating")
    InstitutionFactory(category="cooperating")
    InstitutionFactory(category="cooperating", status="suspended")
    assert figures(client, 1) == ("3", "2", "1")
    assert figures(client, 2) == ("3", "2", "1")  # kept
    newcomer = InstitutionFactory(category="cooperating")
    assert figures(client, 3) == ("4", "2", "2")
    newcomer.status = "withdrawn"
    newcomer.save()
    assert figures(client, 4) == ("3", "2", "1")
