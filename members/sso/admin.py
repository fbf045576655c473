from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..admin import open_to_secretariat
from ..admin_site import SecretariatAdmin
from .models import IdentityProvider, IdentityProviderDomain


class DomainInline(admin.TabularInline):
    model = IdentityProviderDomain
    extra = 1

    def _allowed(self, request, obj=None):
        return SecretariatAdmin._allowed(self, request, obj)

    has_view_permission = has_add_permission = has_change_permission = has_delete_permission = _allowed


@admin.register(IdentityProvider)
class IdentityProviderAdmin(SecretariatAdmin):
    list_display = ["slug", "institution", "entity_id", "enabled", "trust_mfa"]
    list_filter = ["enabled"]
    search_fields = ["slug", "entity_id", "institution__name_ja", "institution__name_en", "domains__domain"]
    inlines = [DomainInline]
    fieldsets = [
        (None, {"fields": ["institution", "slug", "enabled", "trust_mfa"]}),
        ("SAML", {"fields": ["entity_id", "metadata_url", "metadata_xml"]}),
        (_("Attribute mapping"), {"fields": ["attr_uid", "attr_mail", "attr_display_name", "attr_ja_display_name",
                           "attr_organization"]}),
    ]


# allauth's social-account admins: a person's SSO links are the secretariat's to read (and to remove,
# which unlinks that sign-in); identity providers are configured above, not as allauth SocialApp rows
# (the adapter makes those from IdentityProvider), and no provider token is stored
# (SOCIALACCOUNT_STORE_TOKENS = False), so those two admins would only mislead.
open_to_secretariat(SocialAccount)
for _model in (SocialApp, SocialToken):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
