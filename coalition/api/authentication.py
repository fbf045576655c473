"""``Authorization: Bearer <token>``: a personal access token acts as its person."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from members.services.tokens import token_authenticate

from .throttling import note_failed_token, refuse_if_guessing


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """No header: a visitor. A header with a token that is unknown, revoked or expired (or whose
    person was deactivated): 401, never a silent fall-back to a visitor's view. An address whose
    tokens keep failing gets 429s for the rest of the minute (``API_RATE_FAILED_TOKEN``)."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        refuse_if_guessing(request)
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give the token after “Bearer ” and nothing else."))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from None
        token = token_authenticate(raw)
        if token is None:
            note_failed_token(request)
            raise exceptions.AuthenticationFailed(_("This token is not valid, has expired or was revoked."))
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "coalition.api.authentication.BearerTokenAuthentication"
    name = "personalAccessToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "A personal access token created on /account/ (shown once)."}
