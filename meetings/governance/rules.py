"""Who may see and do what with the general meeting's motions, votes and proxies (checked on the
object by every view).

- A motion is seen by whoever sees its session, drafts by the secretariat only.
- The secretariat drafts, edits, puts on the agenda, opens and closes voting, withdraws.
- An institution votes through its representative, or the proxy the representative named for the
  session; only voting institutions (active participating members) vote.
- A motion's documents: the secretariat attaches them, uploads new versions (the earlier ones stay
  listed) and removes them (confirmed, with a reason in the audit log), as it edits the motion; a
  proposing institution sends its corrections to the secretariat. Once the motion is decided
  (adopted or rejected) its papers are the record of what was voted on: new versions and removals
  stop (attaching a further paper, e.g. the signed resolution, stays possible).
- The tally is public with the motion; how each institution voted is for members (staff of an
  active member) and the secretariat.
"""

import rules

from meetings.rules import can_see_meeting
from members.rules import contact_institution_ids, is_secretariat, is_staff_member
from working_groups.rules import coordinated_group_ids

from . import selectors
from .models import Message, Motion


@rules.predicate
def can_see_motion(user, motion) -> bool:
    if motion is None:
        return False
    if motion.status in Motion.UNPUBLISHED:
        # a draft: the secretariat's, and the proposing institution's contacts see their proposal,
        # as do those of the institutions it names to coordinate a new group (they must answer)
        if is_secretariat(user):
            return True
        mine = contact_institution_ids(user)
        return bool(mine) and (motion.proposer_institution_id in mine or any(
            p.institution_id in mine for p in motion.proposed_coordinators.all()))
    return can_see_meeting(user, motion.session)


@rules.predicate
def papers_open(user, motion) -> bool:
    """The motion is not decided: its documents may still change (see the module's docstring)."""
    return motion is not None and not motion.is_decided


@rules.predicate
def votes_on(user, motion) -> bool:
    """Someone who may vote for an institution on this motion (its voting being open or not)."""
    return motion is not None and bool(selectors.institutions_voting_by(user, motion.session))


@rules.predicate
def represents_a_voter(user, session) -> bool:
    return session is not None and bool(selectors.representative_institutions(user))


@rules.predicate
def is_general_session(user, session) -> bool:
    return session is not None and session.kind == "general"


@rules.predicate
def may_propose(user, session) -> bool:
    """A contact or representative of a voting institution, for a session still to come."""
    return (session is not None and not session.is_cancelled and not session.is_past
            and bool(selectors.proposing_institutions(user)))


@rules.predicate
def answers_for_coordinator(user, proposed) -> bool:
    """A contact or representative of an institution asked to coordinate a proposed group, while
    the proposal waits for its answer."""
    return (proposed is not None and proposed.status == "pending" and proposed.motion.status == Motion.Status.DRAFT
            and proposed.institution_id in contact_institution_ids(user))


rules.add_perm("governance.view_motion", can_see_motion)
rules.add_perm("governance.answer_coordination", answers_for_coordinator)
rules.add_perm("governance.manage_motion", is_secretariat)
rules.add_perm("governance.change_motion_documents", is_secretariat & papers_open)
rules.add_perm("governance.vote", can_see_motion & votes_on)
rules.add_perm("governance.see_votes", can_see_motion & (is_staff_member | is_secretariat))
rules.add_perm("governance.designate_proxy", can_see_meeting & is_general_session & represents_a_voter)
rules.add_perm("governance.draft_motion", is_general_session & is_secretariat)
rules.add_perm("governance.propose_motion", can_see_meeting & is_general_session & may_propose)


@rules.predicate
def is_coordinator(user) -> bool:
    return bool(coordinated_group_ids(user))


@rules.predicate
def coordinates_message_group(user, message) -> bool:
    """A message to a group the person coordinates."""
    return (message is not None and message.audience == Message.Audience.GROUP
            and message.group_id in coordinated_group_ids(user))


@rules.predicate
def may_write_to(user, audience) -> bool:
    """``audience``: (Message.Audience, group or None). Coordinators write to their groups only."""
    kind, group = audience
    return kind == Message.Audience.GROUP and group is not None and group.pk in coordinated_group_ids(user)


rules.add_perm("governance.write_messages", is_secretariat | is_coordinator)
rules.add_perm("governance.write_to", is_secretariat | may_write_to)
rules.add_perm("governance.manage_message", is_secretariat | coordinates_message_group)
