"""Access plumbing for views of every app: how a refusal looks.

Refusals follow one rule: a visitor is sent to sign in; a signed-in person who may not see an
object gets a 404, not a 403 (so nothing leaks about what exists); a secretariat member without
two-factor sign-in is sent to set it up. The decisions themselves are the predicates in rules.py.
"""

import time

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import redirect, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .rules import has_two_factor, in_secretariat_group, is_secretariat


def secretariat_gate(request):
    """None when the request may act as the secretariat, else the response that refuses it."""
    return None if is_secretariat(request.user) else refuse(request)


def refuse(request):
    """The answer to a request the user may not make: sign in (visitor), set up two-factor
    (secretariat member without it, whose rights wait for it), otherwise 404."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if in_secretariat_group(user) and not has_two_factor(user):
        messages.warning(request, _("The secretariat works with two-factor sign-in. Set it up to continue."))
        return redirect("mfa_activate_totp")
    raise Http404


class SecretariatRequiredMixin:
    """For views only the secretariat may use."""

    def dispatch(self, request, *args, **kwargs):
        refusal = secretariat_gate(request)
        if refusal is not None:
            return refusal
        return super().dispatch(request, *args, **kwargs)


def safe_next(request, default, *args, **kwargs) -> str:
    """The ``next`` the form carried when it is a path of this site ("/..."), else ``default`` (a URL
    name). Only a path: redirect() reads anything else without a slash or a dot ("24:00") as a URL
    name, and fails."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(default, *args, **kwargs)


def rate_limited(request, action: str, *, limit: int, period: int) -> bool:
    """True once this address has done ``action`` more than ``limit`` times in ``period`` seconds
    (a fixed window in the cache; on Redis it holds across processes)."""

    window = int(time.time() // period)
    key = f"ratelimit:{action}:{request.META.get('REMOTE_ADDR', '-')}:{window}"
    cache.add(key, 0, timeout=period)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period)
        count = 1
    return count > limit


def form_errors_to_form(form, exc):
    """Put a service's ValidationError next to the field it names (or on the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
