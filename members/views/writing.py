"""Endpoints behind the writing widgets (members.widgets): the Markdown preview and the pickers.

Both answer signed-in people only (a visitor is sent to sign in, like every other refusal) and
are read-only. The preview is a POST (the text can be long, and it must not land in logs or
caches as a query string) with the CSRF token of the page it is typed in; it renders with
``members.markup.render_markdown``, the very function that renders the saved text, so what the
preview shows is what the page will show. A picker is a GET answering at most ``PICKER_LIMIT``
entries in one query, and only entries the person could pick in the form.
"""

import unicodedata

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Q
from django.http import JsonResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from ..access import rate_limited
from ..fields import row_id
from ..markup import render_markdown
from ..models import Affiliation, Institution, User
from ..regions import PREFECTURES_BY_CODE
from ..rules import current_affiliations, is_secretariat
from ..widgets import PREVIEW_MAX_CHARS

PICKER_LIMIT = 20  # entries per answer: the list under the box, not a directory
PICKER_QUERY_MAX = 100  # characters of the typed text that are searched
PREVIEW_LIMIT, PREVIEW_PERIOD = 120, 60  # previews per person per minute: a click each, never a flood
PEOPLE_LIMIT, PEOPLE_PERIOD = 120, 60  # people searches per person per minute: typing, not harvesting


@method_decorator(never_cache, name="dispatch")
class MarkdownPreviewView(LoginRequiredMixin, View):
    """POST ``text`` → ``{"html": ...}``, the sanitised HTML the page would show."""

    raise_exception = False

    def post(self, request):
        if rate_limited(request, f"markdown-preview:{request.user.pk}", limit=PREVIEW_LIMIT, period=PREVIEW_PERIOD):
            return JsonResponse({"error": _("Too many previews in a short time. Wait a minute and try again.")},
                                status=429)
        text = request.POST.get("text", "")
        if len(text) > PREVIEW_MAX_CHARS:
            return JsonResponse({"error": _("The text is too long to preview (at most %(n)s characters).")
                                 % {"n": f"{PREVIEW_MAX_CHARS:,}"}}, status=413)
        return JsonResponse({"html": str(render_markdown(text))})


def picker_query(request) -> str:
    return (request.GET.get("q") or "").strip()[:PICKER_QUERY_MAX]


def picker_answer(rows) -> JsonResponse:
    """``rows`` (at most PICKER_LIMIT + 1 of them) as ``{"results": [...], "more": bool}``."""
    rows = list(rows)
    return JsonResponse({"results": rows[:PICKER_LIMIT], "more": len(rows) > PICKER_LIMIT})


@method_decorator(never_cache, name="dispatch")
class InstitutionPickerView(LoginRequiredMixin, View):
    """Active member institutions matching ``q`` (names in both languages and the kana reading,
    width- and kana-insensitive), by reading. Exactly the choices of the forms that use it
    (``Institution.objects.active()``): a suspended or withdrawn institution is never offered."""

    def get(self, request):
        rows = (Institution.objects.active().search(picker_query(request)).order_by("name_kana", "pk")
                .values("pk", "name_ja", "name_en", "prefecture")[: PICKER_LIMIT + 1])
        english = request.LANGUAGE_CODE == "en"
        return picker_answer(
            {"id": row["pk"], "label": (row["name_en"] if english and row["name_en"] else row["name_ja"]),
             "hint": str(PREFECTURES_BY_CODE[row["prefecture"]].name)}
            for row in rows)


@method_decorator(never_cache, name="dispatch")
class PeoplePickerView(LoginRequiredMixin, View):
    """Active people matching ``q`` (name or e-mail address, width- and case-insensitive) among those
    the signed-in person may pick: the colleagues (an approved affiliation) at the active member
    institutions they act for; the secretariat: everyone active. ``institution=<pk>`` narrows to one
    institution (the form's own scope, e.g. an expertise entry's colleagues); one the person does
    not act for answers nothing. So an address is only ever shown to someone who already sees it in
    the plain select of the form (the colleagues' list). At most PEOPLE_LIMIT searches a minute each
    (429 after), so the endpoint cannot be used to list a university's staff by brute force."""

    def get(self, request):
        if rate_limited(request, f"pick-people:{request.user.pk}", limit=PEOPLE_LIMIT, period=PEOPLE_PERIOD):
            return JsonResponse({"error": _("Too many searches in a short time. Wait a minute and try again.")},
                                status=429)
        q = picker_query(request)
        people = User.objects.filter(is_active=True)
        wanted = request.GET.get("institution", "")
        if is_secretariat(request.user):
            allowed = None  # everyone
        else:
            allowed = {a.institution_id for a in current_affiliations(request.user)}
        if wanted:
            wanted = row_id(wanted)
            if wanted is None or (allowed is not None and wanted not in allowed):
                return picker_answer([])
            allowed = {wanted}
        if allowed is not None:
            people = people.filter(pk__in=Affiliation.objects.approved().filter(
                institution__in=allowed, institution__status=Institution.Status.ACTIVE).values("user_id"))
        if not q:
            return picker_answer([])
        for word in q.split()[:5]:
            word = unicodedata.normalize("NFKC", word)
            people = people.filter(Q(name__icontains=word) | Q(email__icontains=word))
        rows = people.order_by("name", "email", "pk").values("pk", "name", "email")[: PICKER_LIMIT + 1]
        return picker_answer({"id": row["pk"], "label": row["name"] or row["email"], "hint": row["email"]}
                             for row in rows)
