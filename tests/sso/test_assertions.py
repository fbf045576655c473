"""What the portal refuses from an identity provider: each case is a real signed (or unsigned)
SAML response from the test IdP, checked by python3-saml as in production."""

import datetime

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model

from members.sso.saml import assertion_first_use
from tests.sso.conftest import finish, start
from tests.sso.idp import key_pair

pytestmark = pytest.mark.django_db
User = get_user_model()
WHO = {"eppn": "hanako@u-tokyo.example", "mail": "hanako@u-tokyo.example"}


def refused(client, page):
    assert page.status_code == 401
    assert "University sign-in failed" in page.content.decode()
    assert client.session.get("_auth_user_id") is None
    assert not User.objects.exists()
    assert not SocialAccount.objects.exists()
    return page.content.decode()


def test_signed_assertion_is_accepted(client, provider, idp):
    finish(client, idp.response(start(client), **WHO))
    assert client.session.get("_auth_user_id") is not None


def test_signed_response_around_an_unsigned_assertion_is_refused(client, provider, idp):
    refused(client, finish(client, idp.response(start(client), sign="response", **WHO)))


def test_unsigned_response_is_refused(client, provider, idp):
    refused(client, finish(client, idp.response(start(client), sign="none", **WHO)))


def test_assertion_signed_with_another_key_is_refused(client, provider, idp):
    intruder = key_pair("idp.u-tokyo.example")
    refused(client, finish(client, idp.response(start(client), signing_key=intruder, **WHO)))


def test_assertion_for_another_service_is_refused(client, provider, idp):
    response = idp.response(start(client), audience="https://other-sp.example/shibboleth", **WHO)
    refused(client, finish(client, response))


def test_expired_assertion_is_refused(client, provider, idp):
    # issued 20 minutes ago, valid for 5: well past python3-saml's 5 minutes of allowed clock drift
    issued = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=20)
    refused(client, finish(client, idp.response(start(client), issued=issued, **WHO)))


def test_replayed_assertion_is_refused(client, client_factory, provider, idp):
    response = idp.response(start(client), **WHO)
    finish(client, response)
    assert client.session.get("_auth_user_id") is not None
    # Someone who captured the response posts it again from another browser, in a sign-in of their own.
    other = client_factory()
    start(other)
    page = finish(other, response)
    # 401 is the replay cache's refusal (allauth's own check of the request ID would be a 403)
    assert page.status_code == 401
    assert "University sign-in failed" in page.content.decode()
    assert other.session.get("_auth_user_id") is None
    assert User.objects.count() == 1


def test_unsolicited_assertion_is_refused(client, provider, idp):
    # IdP-initiated sign-in (no request of ours to answer) is refused.
    client.cookies["language"] = "en"
    response = idp.response(None, acs_url="http://portal.example/accounts/saml/utokyo/acs/",
                            audience="http://portal.example/accounts/saml/utokyo/metadata/", **WHO)
    refused(client, finish(client, response))


def test_replay_cache_remembers_an_assertion_until_it_expires():
    # Redis in production and in CI (REDIS_URL): the same ID is refused once it has been seen.
    past = datetime.datetime.now(datetime.UTC).timestamp() - 10
    assert assertion_first_use("_old", past) is True  # stored for a second at least, never forever
    until = datetime.datetime.now(datetime.UTC).timestamp() + 120
    assert assertion_first_use("_abc", until) is True
    assert assertion_first_use("_abc", until) is False
    assert assertion_first_use("_other", until) is True
