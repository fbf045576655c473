"""The contact person of an expertise entry is picked among the colleagues of its institution on the
edit form (a plain select: works without JavaScript); anyone else is refused, nothing saved."""

import pytest

from working_groups.cooperation.models import Expertise

pytestmark = pytest.mark.django_db


def form(world, **changes):
    return {"title": world.expertise.title, "description": "改訂", "keywords": "", "themes": [world.group.pk],
            "prefecture_list": ["20"], "language_list": ["ja"], "visibility": "public", **changes}


def test_author_names_a_colleague_as_the_contact_person(client, world):
    colleague = world.users["contact_a"]
    client.force_login(world.users["staff_a"])
    page = client.get(f"/en/expertise/{world.expertise.pk}/edit/").content.decode()
    assert '<label for="id_contact">Contact person</label>' in page
    # the contact select alone: other selects' values (prefecture codes 01-47) are numbers too
    select = page[page.index('name="contact"'):]
    select = select[:select.index("</select>")]
    assert f'<option value="{colleague.pk}">' in select
    assert f'<option value="{world.users["staff_a"].pk}" selected>' in select  # the author, until changed
    assert f'value="{world.users["staff_b"].pk}"' not in select  # B's staff are not offered
    # the searchable picker over it (writing.js) asks the people endpoint for this institution's staff
    picker = page[page.rindex("<div", 0, page.index('name="contact"')):page.index('name="contact"')]
    assert f'data-source="/en/writing/people/?institution={world.expertise.institution_id}"' in picker

    response = client.post(f"/en/expertise/{world.expertise.pk}/edit/", form(world, contact=colleague.pk))
    assert response.status_code == 302
    assert Expertise.objects.get(pk=world.expertise.pk).contact == colleague
    # a post without the field (an older form) keeps the contact person
    client.post(f"/en/expertise/{world.expertise.pk}/edit/", {**form(world), "description": "また改訂"})
    assert Expertise.objects.get(pk=world.expertise.pk).contact == colleague
    client.force_login(world.users["staff_b"])  # a member sees who to ask
    assert colleague.email in client.get(f"/en/expertise/{world.expertise.pk}/").content.decode()


def test_a_contact_outside_the_institution_is_refused(client, world):
    client.force_login(world.users["contact_a"])
    for outsider in (world.users["staff_b"].pk, world.users["user"].pk, 999999):
        response = client.post(f"/ja/expertise/{world.expertise.pk}/edit/",
                               form(world, contact=outsider, description="書き換え"))
        assert response.status_code == 200
        assert "正しく選択してください。選択したものは候補にありません。" in response.content.decode()
    entry = Expertise.objects.get(pk=world.expertise.pk)
    assert (entry.contact, entry.description) == (world.users["staff_a"], world.expertise.description)
