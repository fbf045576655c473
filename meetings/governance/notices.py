"""The notification kinds of the general meeting's decisions: voting opened, the receipt of a
vote, the decision. The first two are notices the rules require (not choosable: they cannot be
turned off); the decision may be read in the digest."""

from django.utils.translation import gettext_lazy as _

from members.audit.labels import register as register_labels
from members.i18n import pick
from members.markup import render_markdown
from members.notifications.registry import CONTACT, SECRETARIAT, STAFF, Kind, Obsolete, register, target_of
from members.notifications.rendering import absolute

from .models import Motion, ProposedCoordinator, Vote


def _motion(notification):
    motion = target_of(notification)
    if notification.kind == "motion_voting_opened" and motion.status != Motion.Status.VOTING:
        raise Obsolete("voting is no longer open")
    return {"motion": motion, "session": motion.session, "motion_url": absolute(motion.get_absolute_url())}


def _coordination(notification):
    proposed = target_of(notification)
    motion = proposed.motion
    if notification.kind == "group_coordination_asked" and (
            motion.status != Motion.Status.DRAFT or proposed.status != ProposedCoordinator.Status.PENDING):
        raise Obsolete("the proposal no longer waits for this answer")
    return {"motion": motion, "session": motion.session, "motion_url": absolute(motion.get_absolute_url()),
            "institution": proposed.institution, "proposer": motion.proposer_institution, "proposed": proposed}


def _receipt(notification):
    """The receipt states the choice recorded when it was written (kept in the row's context), and
    its code; the motion page shows the code of the vote as it stands, to compare."""
    vote = target_of(notification)
    motion = vote.motion
    choice = notification.context.get("choice", "")
    return {
        "motion": motion, "session": motion.session, "motion_url": absolute(motion.get_absolute_url()),
        "institution": vote.institution, "choice_label": Vote.Choice(choice).label if choice else "",
        "code": notification.context.get("code", ""), "cast_by": notification.context.get("cast_by", ""),
    }


def _message(notification):
    message = target_of(notification)
    if not message.is_sent:
        raise Obsolete("the message was not sent")
    language = notification.language
    text = pick(message.body_ja, message.body_en, language)
    context = {"message": message, "message_subject": pick(message.subject_ja, message.subject_en, language),
               "message_text": text, "message_html": render_markdown(text)}
    if message.group_id:
        context["group_url"] = absolute(message.group.get_absolute_url())
    return context


FOR_CONTACT = frozenset({CONTACT})
FOR_SECRETARIAT = frozenset({SECRETARIAT})
FOR_STAFF = frozenset({STAFF})


KINDS = [
    Kind(key="secretariat_message", label=_("Messages of the secretariat and of my groups' coordinators"),
         description=_("What the secretariat writes to all members, representatives or contacts, and what "
                       "coordinators write to their group."),
         template="governance/email/secretariat_message", context=_message, digestible=False, order=48,
         audience=FOR_STAFF),
    Kind(key="motion_voting_opened", label=_("Voting opened at the general meeting"),
         description=_("Voting on a motion of the general meeting opened; your institution may vote."),
         template="governance/email/motion_voting_opened", context=_motion, choosable=False, digestible=False,
         order=60),
    Kind(key="vote_receipt", label=_("Receipt of your institution's vote"),
         description=_("The vote you cast for your institution, as recorded."),
         template="governance/email/vote_receipt", context=_receipt, choosable=False, digestible=False, order=61),
    Kind(key="motion_proposed", label=_("Motions proposed by members"),
         description=_("A member institution proposed a motion for the general meeting (for the secretariat)."),
         template="governance/email/motion_proposed", context=_motion, order=63, audience=FOR_SECRETARIAT),
    Kind(key="motion_returned", label=_("Your proposed motion returned"),
         description=_("The secretariat returned a motion your institution proposed, with its reason."),
         template="governance/email/motion_returned", context=_motion, digestible=False, order=64,
         audience=FOR_CONTACT),
    Kind(key="group_coordination_asked", label=_("Asked to coordinate a proposed working group"),
         description=_("A member proposes a working group that your institution would coordinate; confirm or "
                       "decline."),
         template="governance/email/group_coordination_asked", context=_coordination, digestible=False, order=65,
         audience=FOR_CONTACT),
    Kind(key="group_coordination_answered", label=_("Answers of the coordinating institutions you asked"),
         description=_("An institution named to coordinate the working group you proposed confirmed or declined."),
         template="governance/email/group_coordination_answered", context=_coordination, digestible=False,
         order=66, audience=FOR_CONTACT),
    Kind(key="motion_decided", label=_("Decisions of the general meeting"),
         description=_("A motion of the general meeting was adopted or rejected."),
         template="governance/email/motion_decided", context=_motion, order=62, audience=FOR_CONTACT),
]

AUDIT_LABELS = {
    "motion.create": _("drafted a motion"),
    "motion.propose": _("proposed a motion"),
    "motion.return": _("returned a proposed motion"),
    "motion.update": _("edited a motion"),
    "motion.agenda": _("put a motion on the agenda"),
    "motion.open": _("opened voting on a motion"),
    "motion.adopted": _("closed the vote: adopted"),
    "motion.rejected": _("closed the vote: rejected"),
    "motion.withdraw": _("withdrew a motion"),
    "message.send": _("sent a message"),
    "motion.coordination_confirmed": _("confirmed coordinating a proposed working group"),
    "motion.coordination_declined": _("declined coordinating a proposed working group"),
    "motion.statement_drafted": _("drafted the adopted statement as a news item"),
    "vote.cast": _("voted on a motion"),
    "vote.change": _("changed a vote"),
    "proxy.designate": _("designated a proxy"),
    "proxy.revoke": _("revoked a proxy"),
    "group.create_by_resolution": _("created a working group by resolution"),
    "group.close_by_resolution": _("closed a working group by resolution"),
    "group.open_by_resolution": _("opened a working group created by resolution"),
}


def register_all():
    for kind in KINDS:
        register(kind)
    register_labels(AUDIT_LABELS)
