"""The notification kinds of the cooperation app (registered in its AppConfig.ready)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from members.notifications.registry import COORDINATOR, STAFF, Kind, Obsolete, register, target_of
from members.notifications.rendering import absolute

from .tokens import confirm_url, edit_url


def _need(notification):
    need = target_of(notification)
    if notification.kind == "need_published" and not need.is_open:
        raise Obsolete("no longer open")
    if notification.kind == "need_confirm" and need.status != need.Status.UNCONFIRMED:
        raise Obsolete("already confirmed")
    context = {"need": need, "need_url": absolute(need.get_absolute_url()),
               "themes": list(need.themes.all())}
    if notification.kind == "need_confirm":
        context["confirm_url"] = confirm_url(need)
    if notification.kind == "need_returned":
        if need.status != need.Status.RETURNED:
            raise Obsolete("answered already")
        context["edit_url"] = edit_url(need)
    return context


def _interest(notification):
    interest = target_of(notification)
    need = interest.need
    return {
        "interest": interest, "need": need, "need_url": absolute(need.get_absolute_url()),
        "institution": interest.institution, "staff": interest.user,
        # the same kind goes to both parties: each reads about the other
        "to_submitter": notification.email == need.contact_email,
        "review_url": absolute(reverse("cooperation:need-detail", kwargs={"pk": need.pk})),
    }


FOR_COORDINATOR = frozenset({COORDINATOR})
FOR_STAFF = frozenset({STAFF})


KINDS = [
    Kind(key="need_confirm", label=_("Confirm a need you submitted"),
         description=_("The link that confirms your e-mail address after you submit a need."),
         template="cooperation/email/need_confirm", context=_need, choosable=False, digestible=False, order=50),
    Kind(key="need_submitted", label=_("Needs waiting for review"),
         description=_("A local government or company submitted a need in a theme you review."),
         template="cooperation/email/need_submitted", context=_need, order=51, audience=FOR_COORDINATOR),
    Kind(key="need_decided", label=_("Your need reviewed"),
         description=_("The need you submitted was published or declined."),
         template="cooperation/email/need_decided", context=_need, choosable=False, digestible=False, order=52),
    Kind(key="need_returned", label=_("A question about your need"),
         description=_("The secretariat asks a question about the need you submitted."),
         template="cooperation/email/need_returned", context=_need, choosable=False, digestible=False, order=52),
    Kind(key="need_published", label=_("New needs in my working groups"),
         description=_("A local government or company asks for help in a theme of your groups."),
         template="cooperation/email/need_published", context=_need, default="never", order=53, audience=FOR_STAFF),
    Kind(key="need_interest", label=_("Offers of help with a need"),
         description=_("A member institution offers help with a need you review."),
         template="cooperation/email/need_interest", context=_interest, order=54, audience=FOR_COORDINATOR),
    Kind(key="need_introduction", label=_("Introductions"),
         description=_("The secretariat puts you in touch with the other party of a need."),
         template="cooperation/email/need_introduction", context=_interest, choosable=False, digestible=False,
         order=55),
]


def register_all():
    for kind in KINDS:
        register(kind)
