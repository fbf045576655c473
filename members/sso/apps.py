from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SSOConfig(AppConfig):
    """Identity providers per institution, fed to allauth's SAML provider (members/sso/adapter.py)."""

    default = True
    name = "members.sso"
    label = "sso"
    verbose_name = _("Single sign-on")
