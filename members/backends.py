"""Authentication: allauth's e-mail sign-in, without Django's model permissions.

Permissions in this portal are rules predicates checked on objects (each app's rules.py); Django's
per-model permission tables are not used, so the backend answers "no" without querying them (the
default would spend two queries per request on tables that are always empty here).
"""

from allauth.account.auth_backends import AuthenticationBackend


class EmailBackend(AuthenticationBackend):
    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def get_all_permissions(self, user_obj, obj=None):
        return set()

    def has_perm(self, user_obj, perm, obj=None):
        return False

    def has_module_perms(self, user_obj, app_label):
        return False
