"""Demo decisions of the general meeting: the founding meeting's motions (decided), last year's
ordinary session (decided, one rejected for want of two thirds), and an upcoming session whose
written-vote window is open. Idempotent: sessions keyed by their Japanese title, motions by number.

Votes of the past sessions are recorded without a person (the representatives of 2021 are not
demo accounts); counts are made by the same rule as a real close (procedure.py)."""

import datetime

from django.db import transaction
from django.utils import timezone

from meetings.demo import _meeting, at
from meetings.models import Meeting
from members.demo import SECRETARIAT_EMAIL
from members.models import Institution, User
from working_groups.models import WorkingGroup

from . import procedure, selectors
from .models import Message, Motion, ProposedCoordinator, Resolution, Vote

M = Meeting
K = Motion.Kind
FOR, AGAINST, ABSTAIN = Vote.Choice.FOR, Vote.Choice.AGAINST, Vote.Choice.ABSTAIN

FOUNDING = "カーボンニュートラル達成に貢献する大学等コアリション 設立総会"
ORDINARY = "大学等コアリション 第4回総会"
UPCOMING = "大学等コアリション 第5回総会"

# number, kind, title ja, title en, text ja, text en, pattern of votes (cycled over the voters)
FOUNDING_MOTIONS = [
    (1, K.RULES_CHANGE, "大学等コアリション規約の制定", "Adoption of the coalition's rules",
     "大学等コアリション規約（案）のとおり規約を定める。",
     "The coalition adopts its rules as set out in the draft rules.", [FOR] * 9 + [ABSTAIN]),
    (2, K.OTHER, "5つのテーマ別ワーキンググループの設置", "Setting up the five theme working groups",
     "ゼロカーボン・キャンパス、地域ゼロカーボン、イノベーション、人材育成、国際連携・協力の5つのWGを設置し、各WGの幹事機関を別紙のとおりとする。",
     "The coalition sets up five working groups (zero carbon campus, regional zero carbon, innovation, human "
     "resource development, international collaboration) with the coordinating institutions listed in the annex.",
     [FOR] * 8 + [ABSTAIN, FOR]),
]
ORDINARY_MOTIONS = [
    (1, K.APPROVAL, "令和7年度活動報告及び決算の承認", "Approval of the activity report and accounts for FY2025",
     "令和7年度の活動報告及び決算を承認する。", "The general meeting approves the activity report and the accounts "
     "for fiscal year 2025.", [FOR, FOR, FOR, ABSTAIN, FOR, FOR, AGAINST, FOR]),
    (2, K.STATEMENT, "大学等コアリション声明「2030年に向けた大学の行動」", "Coalition statement: universities' action toward 2030",
     "参加機関は、2030年までにキャンパスの温室効果ガス排出量を2013年度比で半減させることを目指し、その進捗を毎年公表する。",
     "Member institutions aim to halve their campuses' greenhouse gas emissions from the 2013 level by 2030 and "
     "publish their progress every year.", [FOR, FOR, AGAINST, FOR, FOR, ABSTAIN, FOR]),
    (3, K.RULES_CHANGE, "規約第8条（会費）の改正", "Amendment of article 8 of the rules (membership fees)",
     "参加機関から年会費を徴収するため、規約第8条を別紙のとおり改正する。",
     "Article 8 of the rules is amended as in the annex so that participating institutions pay a yearly fee.",
     [FOR, AGAINST, AGAINST, FOR, ABSTAIN, AGAINST, FOR]),
]


def _vote_all(motion, pattern, voters, when):
    for n, institution in enumerate(voters):
        Vote.objects.get_or_create(motion=motion, institution=institution, defaults={
            "choice": pattern[n % len(pattern)], "cast_by_label": "代表者 / Representative", "cast_at": when})


def _decide(motion, when):
    """Count and decide as motion_close_voting does (without the notices of a real close)."""
    counts = selectors.tally(motion)
    motion.eligible = selectors.voting_institutions().count()
    motion.votes_for, motion.votes_against, motion.votes_abstain = counts[FOR], counts[AGAINST], counts[ABSTAIN]
    motion.quorum_reached = motion.votes_cast >= procedure.quorum_needed(motion.eligible, motion.quorum)
    adopted = motion.quorum_reached and procedure.adopted(motion.votes_for, motion.votes_against, motion.majority)
    motion.status = Motion.Status.ADOPTED if adopted else Motion.Status.REJECTED
    motion.decided_at = motion.voting_closes_at = when
    motion.voting_opened_at = when - datetime.timedelta(days=14)
    motion.save()
    if adopted:
        year = timezone.localtime(when).year
        sequence = (Resolution.objects.filter(year=year).order_by("-sequence").values_list("sequence", flat=True)
                    .first() or 0) + 1
        Resolution.objects.create(motion=motion, year=year, sequence=sequence, text_ja=motion.text_ja,
                                  text_en=motion.text_en, adopted_at=when)


def _motion(session, number, kind, title_ja, title_en, text_ja, text_en, **extra):
    motion = Motion.objects.filter(session=session, number=number).first()
    if motion is not None:
        return motion, False
    motion = Motion(session=session, number=number, kind=kind, title_ja=title_ja, title_en=title_en,
                    text_ja=text_ja, text_en=text_en, **extra)
    motion.apply_rule()
    motion.save()
    return motion, True


def _decided_session(session, motions, voters):
    when = session.ends_at - datetime.timedelta(minutes=30)
    for number, kind, title_ja, title_en, text_ja, text_en, pattern in motions:
        motion, created = _motion(session, number, kind, title_ja, title_en, text_ja, text_en)
        if created:
            _vote_all(motion, pattern, voters, when)
            _decide(motion, when)


@transaction.atomic
def seed() -> int:
    """Returns the number of motions."""
    general = WorkingGroup.objects.get(slug="general-meeting")
    voters = list(selectors.voting_institutions().order_by("pk"))
    founding = Meeting.objects.get(title_ja=FOUNDING)
    _decided_session(founding, FOUNDING_MOTIONS, voters[: max(1, len(voters) * 3 // 4)])

    today = timezone.localdate()
    last_year = today - datetime.timedelta(days=200)
    ordinary = _meeting(
        ORDINARY, title_en="The coalition's 4th general meeting", kind=M.Kind.GENERAL, group=general,
        starts_at=at(last_year, "14:00"), ends_at=at(last_year, "16:30"), format=M.Format.ONLINE,
        visibility=M.Visibility.PUBLIC,
        description_ja="参加機関の代表者による定時総会です。活動報告・決算の承認、声明の採択、規約改正を審議しました。",
        description_en="The representatives' ordinary session: the activity report and accounts, a statement, "
                       "an amendment of the rules.",
        agenda=[("14:00", "開会・議長選出", "Opening; the chair", "事務局"),
                ("14:10", "第1号議案〜第3号議案 審議・採決", "Motions 1 to 3: debate and vote", "議長"),
                ("16:00", "各WGからの活動報告", "Reports of the working groups", "各WG幹事機関")],
    )
    _decided_session(ordinary, ORDINARY_MOTIONS, voters[: max(1, len(voters) * 2 // 3)])

    next_day = today + datetime.timedelta(days=30)
    upcoming = _meeting(
        UPCOMING, title_en="The coalition's 5th general meeting", kind=M.Kind.GENERAL, group=general,
        starts_at=at(next_day, "14:00"), ends_at=at(next_day, "16:30"), format=M.Format.ONLINE,
        visibility=M.Visibility.PUBLIC, online_url="https://meet.example.org/coalition-general",
        registration_deadline=at(next_day - datetime.timedelta(days=3), "17:00"),
        description_ja="書面表決を受け付けています（会議前日まで）。代表者が出席できない場合は委任状により代理人を指名できます。",
        description_en="Written votes are open until the day before the meeting. A representative who cannot "
                       "attend may name a proxy.",
        agenda=[("14:00", "開会", "Opening", "事務局"),
                ("14:10", "第1号議案 ネイチャーポジティブWGの設置", "Motion 1: a Nature Positive WG", "信州大学"),
                ("15:00", "第2号議案 令和9年度事業計画", "Motion 2: the plan for FY2027", "事務局")],
    )
    shinshu = Institution.objects.filter(slug="shinshu").first()
    motion, created = _motion(
        upcoming, 1, K.GROUP_CREATE, "ネイチャーポジティブWGの設置", "Setting up a Nature Positive working group",
        "生物多様性の保全と脱炭素の同時達成に向けた大学の取組を共有するため、ネイチャーポジティブWGを設置する。幹事機関は信州大学とし、参加機関を募る。",
        "To share universities' work on biodiversity together with decarbonisation, the coalition sets up a Nature "
        "Positive working group, coordinated by Shinshu University, open to every member.",
        proposer=Motion.Proposer.MEMBER if shinshu else Motion.Proposer.SECRETARIAT, proposer_institution=shinshu,
        group_slug="nature-positive", group_name_ja="ネイチャーポジティブWG", group_name_en="Nature Positive WG",
    )
    if created:
        motion.status = Motion.Status.VOTING
        motion.voting_opened_at = timezone.now()
        motion.voting_closes_at = at(next_day - datetime.timedelta(days=1), "17:00")
        motion.save()
        # a few written votes already in (not the demo representative's own institution: theirs is for the demo)
        early = [i for i in voters if i != shinshu][:5]
        _vote_all(motion, [FOR, FOR, ABSTAIN, FOR, AGAINST], early, timezone.now())
    _motion(upcoming, 2, K.APPROVAL, "令和9年度事業計画及び予算の承認", "Approval of the plan and budget for FY2027",
            "令和9年度の事業計画及び予算を別紙のとおり承認する。",
            "The general meeting approves the plan and the budget for fiscal year 2027 as in the annex.",
            status=Motion.Status.AGENDA)
    _motion(upcoming, 3, K.STATEMENT, "（案）国際連携に関する共同声明", "(draft) Joint statement on international cooperation",
            "大学等コアリションは、海外の大学ネットワークと連携し、脱炭素に向けた知見を共有する。",
            "The coalition works with university networks abroad and shares what it learns on the way to carbon "
            "neutrality.")
    # a member's proposal waiting for the secretariat (Kyoto's contact proposed it)
    kyoto = Institution.objects.filter(slug="kyoto").first()
    if kyoto is not None:
        _motion(upcoming, 4, K.OTHER, "大学間の再生可能エネルギー共同調達の検討",
                "Studying joint purchasing of renewable electricity among universities",
                "参加機関による再生可能エネルギー電力の共同調達について、事務局に検討会を置き、次回総会に報告する。",
                "The secretariat convenes a study group on joint purchasing of renewable electricity by member "
                "institutions and reports to the next general meeting.",
                proposer=Motion.Proposer.MEMBER, proposer_institution=kyoto,
                created_by=User.objects.filter(email="fujita@kyoto.example").first())
    _group_proposal(upcoming)
    return Motion.objects.count()


def _group_proposal(session) -> None:
    """A member's proposal of a new working group waiting for one of its coordinating institutions:
    Shinshu proposes (and so confirms for itself), Kitakyushu is asked."""
    shinshu, kitakyu = (Institution.objects.filter(slug=slug).first() for slug in ("shinshu", "kitakyu"))
    if shinshu is None or kitakyu is None:
        return
    motion, created = _motion(
        session, 5, K.GROUP_CREATE, "キャンパス・エネルギーデータWGの設置", "Setting up a campus energy data WG",
        "参加機関のキャンパスのエネルギー使用データを共通の形式で共有し、比較と改善に役立てるWGを設置する。",
        "The coalition sets up a working group where members share their campuses' energy data in a common "
        "format, to compare and improve.",
        proposer=Motion.Proposer.MEMBER, proposer_institution=shinshu, group_slug="campus-energy-data",
        group_name_ja="キャンパス・エネルギーデータWG", group_name_en="Campus Energy Data WG",
        created_by=User.objects.filter(email="nakamura@shinshu.example").first())
    if created:
        ProposedCoordinator.objects.create(motion=motion, institution=shinshu,
                                           status=ProposedCoordinator.Status.CONFIRMED,
                                           answered_by=motion.created_by, answered_at=timezone.now())
        ProposedCoordinator.objects.create(motion=motion, institution=kitakyu)


# (subject ja, subject en, body ja, body en): keyed by the Japanese subject
SECRETARIAT_MESSAGE = (
    "第5回総会の書面表決について", "Written votes for the 5th general meeting",
    "代表者の皆様\n\n第5回総会の第1号議案（ネイチャーポジティブWGの設置）について、書面表決を受け付けています。"
    "総会に出席できない場合は、総会のページから委任状により代理人を指名してください。\n\n事務局",
    "To the representatives\n\nWritten votes on motion 1 of the 5th general meeting (a Nature Positive working "
    "group) are open. If you cannot attend, name a proxy on the session's page.\n\nThe secretariat",
)
COORDINATOR_MESSAGE = (
    "次回WG会合の話題提供者の募集", "Speakers wanted for the next WG meeting",
    "地域ゼロカーボンWGの皆様\n\n次回会合で、自治体との連携事例を紹介いただける機関を募集します。"
    "今月末までに返信してください。\n\n幹事機関 信州大学",
    "To the members of the Regional Zero Carbon WG\n\nWe are looking for institutions to present a case of work "
    "with a local government at the next meeting. Please reply by the end of the month.\n\nShinshu University, "
    "coordinating institution",
)


def _sent_message(subject_ja, subject_en, body_ja, body_en, *, audience, by, group=None, days_ago=0):
    """A message as the service leaves it once sent (status, date, the count of its recipients);
    no outbox rows: the demo's people did not receive it by e-mail."""
    if by is None or (audience == Message.Audience.GROUP and group is None):
        return None
    message, created = Message.objects.get_or_create(subject_ja=subject_ja, defaults={
        "audience": audience, "group": group, "subject_en": subject_en, "body_ja": body_ja, "body_en": body_en,
        "created_by": by, "sent_by": by, "status": Message.Status.SENT,
        "sent_at": timezone.now() - datetime.timedelta(days=days_ago),
    })
    if created:
        message.recipients = selectors.message_recipients(message).count()
        message.save(update_fields=["recipients"])
    return message


@transaction.atomic
def seed_messages() -> int:
    """A sent message of the secretariat to all representatives and one of the Regional Zero Carbon
    WG's coordinator to the group (archived on its page), so that the demo has message pages.
    Returns the number of messages."""
    _sent_message(*SECRETARIAT_MESSAGE, audience=Message.Audience.REPRESENTATIVES, days_ago=2,
                  by=User.objects.filter(email=SECRETARIAT_EMAIL).first())
    _sent_message(*COORDINATOR_MESSAGE, audience=Message.Audience.GROUP, days_ago=5,
                  group=WorkingGroup.objects.filter(slug="regional").first(),
                  by=User.objects.filter(email="kobayashi@shinshu.example").first())
    return Message.objects.count()
