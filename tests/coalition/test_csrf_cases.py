"""CSRF on every POST, case by case: each view that takes a POST refuses it without its token and
nothing changes; with the token, the same request (by the same person, the one the permission
matrix allows) does what the matrix says. The cases (one per URL name, tests/coalition/
test_security.py's ``CSRF_CASES``, which also checks every such view has one) are here, apart, for
their worlds: each matrix's world is built once for the run of its cases (``matrix_world``) and
stays until the next matrix's cases start or the module ends, and no other test must run beside
it.
"""

import inspect

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client

from tests.coalition.test_security import CSRF_CASES, CSRF_TEXT, MATRICES, _call, _state, with_token

pytestmark = pytest.mark.django_db


def maker_of(key):
    """A function of the media root making a matrix module's world: its ``make_world(media)``, or its
    ``world`` fixture's function given the fixtures it asks for (``settings``, inside the settings
    override the world is made in, and ``tmp_path``, the media root)."""
    if hasattr(MATRICES[key], "make_world"):
        return MATRICES[key].make_world
    function = MATRICES[key].world.__wrapped__

    def make(media):
        available = {"settings": django_settings, "tmp_path": media}
        return function(**{name: available[name] for name in inspect.signature(function).parameters})

    return make


@pytest.fixture(scope="module")
def matrix_world(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """(key, world, media) of the CSRF case's matrix (``key``, the indirect parameter): built once for
    the cases of that matrix that run one after another (all of them: _csrf_cases lists the cases
    matrix by matrix, and pytest keeps a module-scoped fixture while its parameter stays the same),
    inside a transaction rolled back before the next matrix's world is made (the worlds share slugs:
    one at a time) as _module_world does for a module. Each case runs in a savepoint within it and
    has its own copy (``csrf_world``). Building a world for each of the ~100 cases was two thirds of
    their time."""
    from tests.conftest import rolled_back_world

    key = request.param
    media = tmp_path_factory.mktemp(f"world-{key}")
    with rolled_back_world(django_db_blocker, maker_of(key), media) as world:
        yield key, world, media


@pytest.fixture
def csrf_world(matrix_world, db, settings, tmp_path):
    """The case's own copy of its matrix's world (the objects, the media files in ``tmp_path``)."""
    from tests.conftest import copy_of_world

    key, world, media = matrix_world
    return key, copy_of_world(world, media, settings, tmp_path)


def _csrf_params():
    """CSRF_CASES as (matrix key, (URL name, action, role)). The matrix key is made into its world
    (``matrix_world``, kept while consecutive cases have the same key), which needs the parameters to
    be module-scoped; pytest then reorders the cases to group those sharing a parameter's value,
    grouping by the last parameter first: so the case comes last, as one value unique to each case
    (its URL name in it), and the cases keep their order, matrix by matrix."""
    return [pytest.param(case.values[0], (name, *case.values[1:]), id=case.id) for name, case in CSRF_CASES.items()]


@pytest.mark.parametrize(("matrix_world", "case"), _csrf_params(), indirect=["matrix_world"], scope="module")
def test_post_without_csrf_token_is_refused_and_changes_nothing(csrf_world, case, deliver, tmp_path):
    key, world = csrf_world
    _name, action_name, role = case
    action = MATRICES[key].ACTIONS[action_name]
    user = world.users[role]
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    if getattr(action, "setup", None) is not None:
        action.setup(world, user)
    path = action.path(world)
    before = _state(key, tmp_path)

    with deliver():
        response = client.post(path, _call(action.data, world, user))

    assert response.status_code == 403
    content = response.content.decode()
    assert CSRF_TEXT["ja"] in content
    assert '<html lang="ja">' in content
    assert _call(action.done, world, user) is False
    assert _state(key, tmp_path) == before
    assert mail.outbox == []

    # the control: the same request with the token is the one the matrix allows
    with deliver():
        response = client.post(path, with_token(client, _call(action.data, world, user)))
    assert response.status_code in (200, 302)
    assert _call(action.done, world, user) is True
