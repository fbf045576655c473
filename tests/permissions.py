"""The permission matrix every app's tests share: each role against each protected action.

An app's test module describes its world (the people of every role and the objects they act on),
its actions (``Action``: the address, the POST data, what only the allowed see or what an allowed
POST changes) and its matrix (one expected outcome per role). ``cells`` turns the matrix into
test parameters and ``check_cell`` makes the request as the role and asserts the outcome: for an
allowed action the page or the change; for a refused one the refusal, none of the protected
content, nothing changed in the database and no e-mail sent.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from django.core import mail

LOGIN_URL = "/ja/accounts/login/"
TWO_FACTOR_SETUP_URL = "/ja/accounts/2fa/totp/activate/"
NOT_FOUND_TEXT = "お探しのページは存在しないか、閲覧する権限がありません。"

OK = "ok"  # GET: the page with its content; POST: the change is made, then a redirect
LOGIN = "login"  # redirected to sign in, with ?next= the page asked for
NOT_FOUND = NF = "404"  # 404, and none of the content
TWO_FACTOR = TF = "2fa"  # redirected to the two-factor setup page


@dataclass(frozen=True)
class Action:
    """One protected action. Every callable takes (world, acting user)."""

    path: Callable[[Any], str]  # (world) -> the address
    data: Callable[[Any, Any], dict] | None = None  # POST data; None for a GET
    marker: Callable[[Any, Any], str] | None = None  # what only those with the right receive
    done: Callable[[Any, Any], bool] | None = None  # POST: the change is made
    success_url: Callable[[Any, Any], str] | None = None  # POST: the redirect; None: a page with the marker
    setup: Callable[[Any, Any], None] | None = None  # before the request

    @property
    def is_post(self) -> bool:
        return self.data is not None


@dataclass(frozen=True)
class Outcome:
    """An outcome of an app's own: ``check(response, content, world, user)`` asserts it; a refusal
    is then also checked for leaks and for changes, an allowed outcome is not."""

    check: Callable[..., None]
    refused: bool = True


def cells(actions: dict, matrix: dict, roles: list[str]) -> list:
    """pytest parameters (action name, role, outcome), one per cell of the matrix."""
    assert set(matrix) == set(actions)
    params = []
    for action, outcomes in matrix.items():
        assert len(outcomes) == len(roles), action
        for role, outcome in zip(roles, outcomes, strict=True):
            params.append(pytest.param(action, role, outcome, id=f"{action}-{role}-{outcome}"))
    return params


def check_cell(client, world, *, action: Action, user, outcome: str, state: Callable[[], Any], deliver,
               outcomes: dict[str, Outcome] | None = None, shown: Callable = None, never_shown=()):
    """Request ``action`` as ``user`` (None: a visitor) and assert ``outcome``.

    ``state()`` snapshots what any action could write (compared before and after a refused POST);
    ``outcomes`` adds the app's own outcomes; ``shown(response)`` is what the person receives, as
    text (default: the body decoded); ``never_shown`` are texts no refused page may contain.
    """
    outcomes = outcomes or {}
    shown = shown or (lambda response: response.content.decode())
    if user is not None:
        client.force_login(user)
    if action.setup is not None:
        action.setup(world, user)
    path = action.path(world)
    before = state()
    mail.outbox.clear()

    if action.is_post:
        with deliver():
            response = client.post(path, action.data(world, user))
    else:
        response = client.get(path)
    content = shown(response)

    if outcome == OK:
        if action.is_post and action.success_url is not None:
            assert (response.status_code, response["Location"]) == (302, action.success_url(world, user))
        else:
            assert response.status_code == 200
            if action.marker is not None:
                assert action.marker(world, user) in content
        if action.is_post:
            assert action.done(world, user) is True
        return
    if outcome in outcomes and not outcomes[outcome].refused:
        outcomes[outcome].check(response, content, world, user)
        return

    if outcome == LOGIN:
        assert (response.status_code, response["Location"]) == (302, f"{LOGIN_URL}?next={quote(path, safe='/')}")
    elif outcome == TWO_FACTOR:
        assert (response.status_code, response["Location"]) == (302, TWO_FACTOR_SETUP_URL)
    elif outcome == NOT_FOUND:
        assert response.status_code == 404
        assert NOT_FOUND_TEXT in content
    elif outcome in outcomes:
        outcomes[outcome].check(response, content, world, user)
    else:  # pragma: no cover - a typo in the matrix
        pytest.fail(f"unknown outcome {outcome}")

    for text in never_shown:
        assert text not in content
    if action.marker is not None:
        assert action.marker(world, user) not in content
    if action.is_post:
        assert action.done(world, user) is False
        assert state() == before
        assert mail.outbox == []
