"""The secretariat keeps two-factor sign-in through single sign-on: the portal asks for its TOTP
code unless the university asserts the REFEDS MFA context (https://refeds.org/profile/mfa) and the
secretariat marked that provider to be trusted for it."""

import pytest

from members.sso.saml import AUTHN_CONTEXT_KEY
from tests.factories import secretariat_user, totp_code
from tests.sso.conftest import finish, start
from tests.sso.idp import MFA_CONTEXT, PASSWORD_CONTEXT

pytestmark = pytest.mark.django_db
WHO = {"eppn": "sato@u-tokyo.example", "mail": "sato@u-tokyo.example"}


def test_secretariat_signing_in_with_a_password_at_the_university_is_asked_for_the_code(client, provider, idp):
    person = secretariat_user(email="sato@u-tokyo.example")
    page = finish(client, idp.response(start(client), authn_context=PASSWORD_CONTEXT, **WHO))
    assert page.redirect_chain[-1][0] == "/en/accounts/2fa/authenticate/"
    assert client.session.get("_auth_user_id") is None
    done = client.post("/en/accounts/2fa/authenticate/", {"code": totp_code()}, follow=True)
    assert int(client.session["_auth_user_id"]) == person.pk
    assert done.redirect_chain[-1][0] == "/en/secretariat/"


def test_secretariat_with_mfa_asserted_by_a_trusted_university_is_signed_in(client, provider, idp):
    provider.trust_mfa = True
    provider.save()
    person = secretariat_user(email="sato@u-tokyo.example")
    page = finish(client, idp.response(start(client), authn_context=MFA_CONTEXT, **WHO))
    assert int(client.session["_auth_user_id"]) == person.pk
    assert page.redirect_chain[-1][0] == "/en/secretariat/"


def test_mfa_asserted_as_an_attribute_does_not_count(client, provider, idp):
    # Only the authentication context is read: an attribute named like the portal's marker is overwritten.
    secretariat_user(email="sato@u-tokyo.example")
    page = finish(client, idp.response(start(client), authn_context=PASSWORD_CONTEXT,
                                       extra_attributes={AUTHN_CONTEXT_KEY: MFA_CONTEXT}, **WHO))
    assert page.redirect_chain[-1][0] == "/en/accounts/2fa/authenticate/"
    assert client.session.get("_auth_user_id") is None


def test_mfa_asserted_by_a_provider_not_trusted_for_it_does_not_count(client, provider, idp):
    # The default: a university's administrators vouch for the first factor, not for the portal's second.
    assert provider.trust_mfa is False
    secretariat_user(email="sato@u-tokyo.example")
    page = finish(client, idp.response(start(client), authn_context=MFA_CONTEXT, **WHO))
    assert page.redirect_chain[-1][0] == "/en/accounts/2fa/authenticate/"
    assert client.session.get("_auth_user_id") is None
