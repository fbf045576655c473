"""Addresses of single sign-on.

- ``saml_urlpatterns``: allauth's SAML endpoints at ``/accounts/saml/<slug>/{login,acs,metadata,sls}/``,
  mounted by the root URLs outside the language prefix: the identity provider registers the
  assertion consumer and metadata addresses once, and they must not depend on the language a
  person was reading in. The names are allauth's (its code reverses them).
- ``page_urlpatterns`` (namespace ``sso``): "sign in with your university", under the prefix.
- ``urlpatterns`` is empty: allauth includes ``<provider package>.urls`` under /<lang>/accounts/
  for every provider, and ours must not add the SAML endpoints there a second time.
"""

from allauth.socialaccount.providers.saml import views as saml_views
from django.urls import include, path

from .views import UniversitySignInView, host_required, idp_form_action

saml_urlpatterns = [
    path("accounts/saml/<str:organization_slug>/", include([
        # every endpoint that builds python3-saml's request from the Host header refuses a request
        # without one (members.sso.views.host_required)
        path("acs/", host_required(saml_views.acs), name="saml_acs"),
        path("acs/finish/", host_required(saml_views.finish_acs), name="saml_finish_acs"),
        path("sls/", host_required(saml_views.sls), name="saml_sls"),
        path("metadata/", saml_views.metadata, name="saml_metadata"),
        path("login/", host_required(idp_form_action(saml_views.login)), name="saml_login"),
    ])),
]

page_urlpatterns = [
    # the page itself needs no Host; sending the address (POST) makes the SAML request
    path("accounts/university/", host_required(idp_form_action(UniversitySignInView.as_view()), methods=("POST",)),
         name="university"),
]

urlpatterns = []
