"""The rules of procedure the general meeting votes by: which institutions vote, and the quorum
and the majority each kind of motion needs. Defaults here; ``settings.GOVERNANCE_RULES`` and
``settings.GOVERNANCE_COOPERATING_VOTE`` change them (the coalition's rules, 規約, decide).

A motion copies its kind's rule when it is created, so the rule shown on the motion and the rule its
vote is counted by stay the same even if the settings change later.
"""

from dataclasses import dataclass
from fractions import Fraction

from django.conf import settings
from django.utils.translation import gettext_lazy as _

# Majority rules: how many votes "for" adopt a motion, of the votes cast for or against
# (abstentions count toward the quorum, not toward the majority).
SIMPLE = "simple"  # more for than against; a tie rejects
TWO_THIRDS = "two_thirds"  # at least two thirds of the votes for or against

MAJORITY_LABELS = {
    SIMPLE: _("a majority of the votes cast (abstentions not counted; a tie rejects)"),
    TWO_THIRDS: _("two thirds of the votes cast (abstentions not counted)"),
}


@dataclass(frozen=True)
class Rule:
    quorum: Fraction  # share of the voting institutions that must take part (for, against or abstain)
    majority: str


DEFAULT_RULES = {
    "rules_change": Rule(quorum=Fraction(1, 2), majority=TWO_THIRDS),
    "group_create": Rule(quorum=Fraction(1, 2), majority=SIMPLE),
    "group_abolish": Rule(quorum=Fraction(1, 2), majority=TWO_THIRDS),
    "statement": Rule(quorum=Fraction(1, 2), majority=SIMPLE),
    "approval": Rule(quorum=Fraction(1, 2), majority=SIMPLE),
    "other": Rule(quorum=Fraction(1, 2), majority=SIMPLE),
}


def rule_for(kind: str) -> Rule:
    """The rule of ``kind``: settings.GOVERNANCE_RULES = {kind: ("1/2", "two_thirds")} overrides."""
    override = getattr(settings, "GOVERNANCE_RULES", {}).get(kind)
    if override:
        quorum, majority = override
        return Rule(quorum=Fraction(quorum), majority=majority)
    return DEFAULT_RULES.get(kind, DEFAULT_RULES["other"])


def cooperating_vote() -> bool:
    """Do cooperating institutions (協力機関) vote? By default they may speak but not vote."""
    return bool(getattr(settings, "GOVERNANCE_COOPERATING_VOTE", False))


def quorum_needed(eligible: int, quorum: Fraction) -> int:
    """The smallest number of institutions taking part that reaches ``quorum`` of ``eligible``."""
    needed = quorum * eligible
    return int(needed) if needed.denominator == 1 else int(needed) + 1


def adopted(votes_for: int, votes_against: int, majority: str) -> bool:
    if majority == TWO_THIRDS:
        return votes_for > 0 and 3 * votes_for >= 2 * (votes_for + votes_against)
    return votes_for > votes_against
